"""Expression trees for law discovery and their fast evaluation on columns of floats.

A tree is a tuple: ("var", name), ("const", value, sympy_value), (unary_op, child) or
(binary_op, left, right). Evaluation maps a tree to a list of floats (one per row) and raises
`Invalid` when any value is undefined or not finite, so a candidate is rejected at once."""
import math

import sympy

UNARY = ("sqrt", "square", "exp", "log", "sin", "cos", "inv")
BINARY = ("+", "-", "*", "/")
COMMUTATIVE = frozenset({"+", "*"})
LIMIT = 1e150


class Invalid(ValueError):
    """An expression undefined (or too large) on some row."""


def _finite(values):
    for v in values:
        if not -LIMIT < v < LIMIT:   # also false for nan
            raise Invalid
    return values


def _sqrt(a):
    if min(a) < 0:
        raise Invalid
    return [math.sqrt(x) for x in a]


def _exp(a):
    if max(a) > 300:
        raise Invalid
    return [math.exp(x) for x in a]


def _log(a):
    if min(a) <= 0:
        raise Invalid
    return [math.log(x) for x in a]


def _inv(a):
    if 0.0 in a:
        raise Invalid
    return [1.0 / x for x in a]


def _trig(fn):
    def apply(a):
        if max(map(abs, a)) > 1e6:
            raise Invalid
        return [fn(x) for x in a]
    return apply


UNARY_FUNCS = {
    "sqrt": _sqrt,
    "square": lambda a: _finite([x * x for x in a]),
    "exp": _exp,
    "log": _log,
    "sin": _trig(math.sin),
    "cos": _trig(math.cos),
    "inv": lambda a: _finite(_inv(a)),
}


def _div(a, b):
    if 0.0 in b:
        raise Invalid
    return _finite([x / y for x, y in zip(a, b)])


BINARY_FUNCS = {
    "+": lambda a, b: [x + y for x, y in zip(a, b)],
    "-": lambda a, b: [x - y for x, y in zip(a, b)],
    "*": lambda a, b: _finite([x * y for x, y in zip(a, b)]),
    "/": _div,
}


def apply_unary(op, values):
    return UNARY_FUNCS[op](values)


def apply_binary(op, left, right):
    return BINARY_FUNCS[op](left, right)


def evaluate(tree, columns, n):
    """The values of `tree` on n rows; `columns` maps a variable name to its list of values."""
    kind = tree[0]
    if kind == "var":
        return list(columns[tree[1]])
    if kind == "const":
        return [tree[1]] * n
    if len(tree) == 2:
        return apply_unary(kind, evaluate(tree[1], columns, n))
    return apply_binary(kind, evaluate(tree[1], columns, n), evaluate(tree[2], columns, n))


def size(tree):
    """Node count: every variable, constant and operator counts 1."""
    if tree[0] in ("var", "const"):
        return 1
    return 1 + sum(size(child) for child in tree[1:])


_SYMPY_UNARY = {
    "sqrt": sympy.sqrt, "square": lambda a: a ** 2, "exp": sympy.exp, "log": sympy.log,
    "sin": sympy.sin, "cos": sympy.cos, "inv": lambda a: 1 / a,
}
_SYMPY_BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
}


def to_sympy(tree, symbols):
    """The sympy expression of `tree`; `symbols` maps a variable name to its sympy Symbol."""
    kind = tree[0]
    if kind == "var":
        return symbols[tree[1]]
    if kind == "const":
        return tree[2]
    if len(tree) == 2:
        return _SYMPY_UNARY[kind](to_sympy(tree[1], symbols))
    return _SYMPY_BINARY[kind](to_sympy(tree[1], symbols), to_sympy(tree[2], symbols))


def to_text(tree):
    """A compact infix rendering, for progress reports."""
    kind = tree[0]
    if kind == "var":
        return tree[1]
    if kind == "const":
        return str(tree[2])
    if len(tree) == 2:
        inner = to_text(tree[1])
        return f"({inner})**2" if kind == "square" else f"1/({inner})" if kind == "inv" else f"{kind}({inner})"
    return f"({to_text(tree[1])} {kind} {to_text(tree[2])})"


CONSTANTS = (
    ("const", 1.0, sympy.Integer(1)),
    ("const", 2.0, sympy.Integer(2)),
    ("const", 0.5, sympy.Rational(1, 2)),
    ("const", math.pi, sympy.pi),
)
