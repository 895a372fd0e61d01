% The classic syllogism, in FOF.
/* A block comment
   over two lines. */
fof(all_men_mortal, axiom, ! [X] : (man(X) => mortal(X))).
fof(socrates_man, axiom, man(socrates), file('socrates.p', socrates_man)).
fof(goal, conjecture, mortal(socrates)).
