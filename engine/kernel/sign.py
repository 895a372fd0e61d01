"""The sign of a polynomial over the open unit box, proved by its Bernstein coefficients.

A probability no statement gives is an open parameter, taken strictly between 0 and 1
(positivity). A quantity that depends on open parameters may still have a fixed sign: the
effect on the treated, a sum of positive differences weighted by an unknown distribution, is
positive whatever the weights. Written in the Bernstein basis of degree d = (d_1, ..., d_k)
(d_j the highest power of symbol j), p = sum_b c_b B_b with every B_b > 0 inside the box; so
every c_b >= 0 and one c_b > 0 proves p > 0 there (and every c_b <= 0, one < 0, proves p < 0).
The test is sufficient, not necessary: where it proves neither, the kernel does not accept a
sign (the answer becomes unknown). The coefficient of B_b is
    c_b = sum_{i <= b} prod_j C(b_j, i_j) / C(d_j, i_j) * a_i
for p = sum_i a_i x^i, computed one symbol at a time.
"""
from __future__ import annotations

from fractions import Fraction
from math import comb

from .poly import Poly

MAX_TERMS = 200_000      # Bernstein coefficients computed before giving up


def bernstein(p: Poly):
    """The Bernstein coefficients of p over [0, 1]^k, or None when there would be too many."""
    terms = p.terms()
    symbols = sorted({s for mono in terms for s, _ in mono})
    degree = {s: max((e for mono in terms for t, e in mono if t == s), default=0) for s in symbols}
    size = 1
    for s in symbols:
        size *= degree[s] + 1
        if size > MAX_TERMS:
            return None
    # dense table over exponent tuples
    table = {}
    for mono, c in terms.items():
        powers = dict(mono)
        table[tuple(powers.get(s, 0) for s in symbols)] = Fraction(c)
    for axis, s in enumerate(symbols):
        d = degree[s]
        out = {}
        for key, c in table.items():
            i = key[axis]
            for b in range(i, d + 1):
                k = key[:axis] + (b,) + key[axis + 1:]
                out[k] = out.get(k, Fraction(0)) + Fraction(comb(b, i), comb(d, i)) * c
        table = out
    return list(table.values()) if table else [Fraction(0)]


def sign(p: Poly) -> int | None:
    """+1 if p > 0 on the open unit box, -1 if p < 0, 0 if p is the zero polynomial, None if the
    Bernstein test proves none of these."""
    if p.is_zero():
        return 0
    coefficients = bernstein(p)
    if coefficients is None:
        return None
    if all(c >= 0 for c in coefficients) and any(c > 0 for c in coefficients):
        return 1
    if all(c <= 0 for c in coefficients) and any(c < 0 for c in coefficients):
        return -1
    return None
