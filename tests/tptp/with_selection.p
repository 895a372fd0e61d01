include('Axioms/people.ax', [human, mortal]).
fof(goal, conjecture, mortal(socrates)).
