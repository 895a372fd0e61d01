include('Axioms/ROOT001.ax').
fof(goal, conjecture, q(b)).
