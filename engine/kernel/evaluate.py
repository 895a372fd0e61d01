"""Ground arithmetic, the kernel's own: exact rationals, `x / 0 = 0` (the language's total
division), constants compared by name (distinct names of closed and enum sorts are distinct
individuals; the kernel never evaluates a comparison between terms of an open sort)."""
from __future__ import annotations

from fractions import Fraction

from ..language import syntax as S
from .terms import Rejected


def evaluate(t):
    """Exact value of a ground arithmetic term (Fraction), or a constant's name."""
    match t:
        case S.Num(value):
            if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
                raise Rejected(f"bad number {value!r}")
            return Fraction(value)
        case S.Const(name):
            return name
        case S.Op("-", (arg,)):
            return -_number(evaluate(arg))
        case S.Op(op, (l, r)) if op in ("+", "-", "*", "/"):
            a, b = _number(evaluate(l)), _number(evaluate(r))
            if op == "/":
                return Fraction(0) if b == 0 else a / b
            return a + b if op == "+" else a - b if op == "-" else a * b
    raise Rejected("cannot evaluate a term with variables or functions in the kernel")


def _number(v):
    if isinstance(v, str):
        raise Rejected("arithmetic on a constant")
    return v


def evaluate_cmp(c: S.Cmp) -> bool:
    """The truth of a ground comparison."""
    a, b = evaluate(c.left), evaluate(c.right)
    if c.op in ("=", "!="):
        return (a == b) == (c.op == "=")
    if isinstance(a, str) or isinstance(b, str):
        raise Rejected("an order comparison between constants")
    if c.op == "<":
        return a < b
    if c.op == "<=":
        return a <= b
    if c.op == ">":
        return a > b
    if c.op == ">=":
        return a >= b
    raise Rejected(f"unknown comparison {c.op}")
