fof(a, axiom, p(a)).
fof(b, axiom, p(a) & q(b) | r(c)).
