"""Dimensional analysis: with the unit of every column given, the target is a monomial in the
inputs with its unit times a function of dimensionless groups (Buckingham pi), so the problem
shrinks to y / prod x**p = f(pi_1, ..., pi_k), with k = inputs - rank of the unit matrix.

A unit is a string over the SI base units m, s, kg, K, A, mol, cd (and a few derived ones:
N, J, W, Pa, C, V, T, Hz, ohm, F), like "kg*m^2/s^2", "kg m**2 s^-2", "m/s" or "1"; or an
exponent vector (a list of numbers, one per base unit, any fixed order)."""
import itertools
import math
import re
from fractions import Fraction

import sympy

from .decompose import Problem

BASE = ("m", "s", "kg", "K", "A", "mol", "cd")
DERIVED = {
    "N": {"kg": 1, "m": 1, "s": -2}, "J": {"kg": 1, "m": 2, "s": -2}, "W": {"kg": 1, "m": 2, "s": -3},
    "Pa": {"kg": 1, "m": -1, "s": -2}, "C": {"A": 1, "s": 1}, "V": {"kg": 1, "m": 2, "s": -3, "A": -1},
    "T": {"kg": 1, "s": -2, "A": -1}, "Hz": {"s": -1}, "ohm": {"kg": 1, "m": 2, "s": -3, "A": -2},
    "F": {"kg": -1, "m": -2, "s": 4, "A": 2}, "g": {"kg": 1},
}


class UnitError(ValueError):
    """A unit that cannot be read."""


_TOKEN = re.compile(r"\s*([*/]?)\s*([A-Za-z]+|1)\s*(?:(?:\^|\*\*)\s*\(?\s*([-+]?\d+(?:\.\d+)?(?:/\d+)?)\s*\)?)?")


def parse(unit):
    """The exponent vector (over BASE) of a unit string or vector."""
    if isinstance(unit, (list, tuple)):
        return [Fraction(v).limit_denominator(12) for v in unit]
    text = str(unit).strip()
    vec = dict.fromkeys(BASE, Fraction(0))
    pos, sign = 0, 1
    if text in ("", "1", "-", "dimensionless"):
        return list(vec.values())
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise UnitError(f"cannot read the unit {unit!r} at {text[pos:]!r}")
        op, name, power = m.groups()
        if op == "/":
            sign = -1
        elif op == "*":
            sign = 1
        k = sign * Fraction(power or 1)
        if name == "1":
            pass
        elif name in vec:
            vec[name] += k
        elif name in DERIVED:
            for base, e in DERIVED[name].items():
                vec[base] += k * e
        else:
            raise UnitError(f"unknown unit {name!r} in {unit!r}")
        pos = m.end()
    return list(vec.values())


def _integer(vector):
    den = math.lcm(*(Fraction(v).denominator for v in vector))
    ints = [int(Fraction(v) * den) for v in vector]
    g = math.gcd(*ints) or 1
    ints = [v // g for v in ints]
    first = next((v for v in ints if v), 1)
    return [-v for v in ints] if first < 0 else ints


def reduce(problem, units, target, choices=3):
    """Dimensionless problems for `problem` (the original): y / prod x**p as a function of the
    groups, for up to `choices` exponent vectors p (the target's unit is made in several ways;
    smallest exponents first); [] when units do not help (missing units, a target unit the inputs
    cannot make, nonpositive columns)."""
    names = problem.names
    if target not in units or any(n not in units for n in names):
        return []
    vecs = {n: parse(units[n]) for n in names + [target]}
    width = max(len(v) for v in vecs.values())
    vecs = {n: v + [Fraction(0)] * (width - len(v)) for n, v in vecs.items()}
    a = sympy.Matrix([[sympy.Rational(vecs[n][d]) for n in names] for d in range(width)])
    b = sympy.Matrix([sympy.Rational(vecs[target][d]) for d in range(width)])
    try:
        sol, params = a.gauss_jordan_solve(b)
    except ValueError:
        return []                    # the target's unit is not a product of the inputs' units
    p0 = list(sol.subs({t: 0 for t in params}))
    groups = [_integer(list(v)) for v in a.nullspace()]
    shifts = itertools.product(range(-2, 3), repeat=min(len(groups), 3))
    options = []
    for shift in shifts:
        p = [p0[i] + sum(k * g[i] for k, g in zip(shift, groups)) for i in range(len(names))]
        options.append((sum(abs(v) for v in p), sum(1 for v in p if v), p))
    options.sort(key=lambda o: (o[0], o[1]))
    out = []
    for _, _, p in options[:choices]:
        q = _problem(problem, names, p, groups)
        if q is not None:
            out.append(q)
    return out


def _problem(problem, names, p, groups):
    needs_positive = [n for i, n in enumerate(names)
                      if sympy.Rational(p[i]).q != 1 or any(g[i] for g in groups)]
    if any(v <= 0 for n in needs_positive for v in problem.cols[n]):
        return None
    syms = [problem.variables[n] for n in names]
    factor = sympy.Mul(*(s ** p[i] for i, s in enumerate(syms)))
    pf = [float(v) for v in p]
    y = []
    for k, v in enumerate(problem.y):
        d = 1.0
        for i, n in enumerate(names):
            if pf[i]:
                d *= problem.cols[n][k] ** pf[i]
        y.append(v / d)
    cols, variables = {}, {}
    for j, g in enumerate(groups):
        name = f"pi{j + 1}"
        cols[name] = [math.prod(problem.cols[n][k] ** g[i] for i, n in enumerate(names) if g[i])
                      for k in range(len(problem.y))]
        variables[name] = sympy.Mul(*(s ** g[i] for i, s in enumerate(syms)))
    back = problem._back
    return Problem(cols, y, lambda e: back(e * factor), f"(y) / ({factor})", variables)
