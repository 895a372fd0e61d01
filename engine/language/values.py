"""The semantics of ground values, written once for the search: numbers are exact (int, or a
Fraction that is not integral), individuals are names (str); `x / 0 = 0`; `=` and `!=` compare
values (a name never equals a number); an order holds only between numbers. The Horn core's
compiled rules, the positive-formula evaluator and the SMT-LIB writer use these; z3 reads the
same semantics from the text (engine/smt/text.py), and the kernel keeps its own evaluator
(engine/kernel/evaluate.py), on purpose."""
from __future__ import annotations

import operator
from fractions import Fraction

_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def number(v):
    """Exact numbers: an integral Fraction becomes an int."""
    if isinstance(v, Fraction) and v.denominator == 1:
        return v.numerator
    return v


def add(a, b):
    return number(a + b)


def subtract(a, b):
    return number(a - b)


def multiply(a, b):
    return number(a * b)


def divide(a, b):
    """Exact division; division by zero is zero (the language's choice, as in Lean and Isabelle)."""
    return number(Fraction(a) / b) if b != 0 else 0


def compare(op: str, a, b) -> bool:
    """A comparison between two ground values."""
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if isinstance(a, str) or isinstance(b, str):
        return False
    return _ORDER[op](a, b)
