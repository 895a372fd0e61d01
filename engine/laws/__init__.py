"""Discovering laws from data (AI Feynman style): brute-force search over small expression trees
with fitted outer constants (search, fit, expr), a sparse-monomial test (monomials), target
transforms (solve), dimensional analysis (units), reductions and separability read off a surrogate
model when torch is available (decompose, separate), the budget's schedule (schedule); every law
is verified on every row (finish) and reported as a `Law` with an honest exact/approximate status
(discover); a CSV front end (cli). Pure Python plus sympy; torch optional."""
from .discover import EXACT_TOL, Law, TableError, discover

__all__ = ["discover", "Law", "TableError", "EXACT_TOL"]
