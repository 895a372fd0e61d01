"""Discovering laws from data (AI Feynman style, first slice): brute-force search over small
expression trees with fitted outer constants (search, fit, expr), verified on every row and
reported as a `Law` with an honest exact/approximate status (discover); a CSV front end (cli).
Pure Python plus sympy."""
from .discover import EXACT_TOL, Law, TableError, discover

__all__ = ["discover", "Law", "TableError", "EXACT_TOL"]
