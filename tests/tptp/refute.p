% CNF with a negated conjecture in two clauses.
cnf(c1, axiom, ~ man(X) | mortal(X)).
cnf(c2, axiom, man(socrates)).
cnf(goal1, negated_conjecture, ~ mortal(socrates)).
cnf(goal2, negated_conjecture, (~ mortal(Y) | Y != socrates)).
