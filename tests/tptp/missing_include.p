fof(a, axiom, p).
include('Axioms/NOPE001.ax').
