include('Axioms/people.ax').
fof(goal, conjecture, mortal(socrates)).
