"""Dictionary encoding of ground values as 32-bit integer codes, for the columnar backend.

Codes are chosen so that the SQL can do the cheap things on codes directly:

    an int n with -2**30 <= n < 2**30   ->  2n      (even: order and + - * work on n = code // 2)
    any other value (a name, a Fraction,
    a float that is not integral, a big int) ->  2k + 1  (odd: k indexes `names`)

Equal values (in Python's sense, as the core's sets see them: 1 == 1.0 == Fraction(1)) get the
same code, and distinct values distinct codes, so `=` and `!=` are code comparisons; a name
never equals a number (`1` vs `'1'`: even vs odd). Order comparisons and arithmetic are done in
SQL only while every number seen is a small int (`exotic` is False): then odd codes are names.
One Encoder per model: no global state.
"""
from __future__ import annotations

from fractions import Fraction

LOW, HIGH = -(1 << 30), (1 << 30) - 1    # the ints coded as 2n (2n fits in INTEGER)


def small_int(v) -> bool:
    """A number equal to an int n in [LOW, HIGH] (an int, or an integral Fraction or float, which
    Python's sets take for that int): coded as 2n."""
    if isinstance(v, int):
        return LOW <= v <= HIGH
    if isinstance(v, Fraction):
        return v.denominator == 1 and LOW <= v <= HIGH
    if isinstance(v, float):
        return v.is_integer() and LOW <= v <= HIGH
    return False


class Encoder:
    """value <-> code, growing as values are met."""

    def __init__(self):
        self.codes: dict = {}       # value (not a small int) -> odd code
        self.names: list = []       # k -> value of code 2k + 1
        self.exotic = False         # a number that is not a small int has been coded

    def code(self, v) -> int:
        if small_int(v):
            return 2 * int(v)
        c = self.codes.get(v)
        if c is None:
            if not isinstance(v, str):
                self.exotic = True
            c = self.codes[v] = 2 * len(self.names) + 1
            self.names.append(v)
            if c > 2**31 - 1:
                raise OverflowError("columnar: more than 2**30 distinct names")
        return c

    def lookup(self, v):
        """The code of v, or None if v was never coded (so no stored tuple holds it)."""
        if small_int(v):
            return 2 * int(v)
        return self.codes.get(v)

    def value(self, c: int):
        return c >> 1 if not c & 1 else self.names[c >> 1]

    def encode_columns(self, tuples, arity: int) -> list:
        """Column lists of codes for an iterable of value tuples."""
        code = self.code
        cols = [[] for _ in range(arity)]
        if arity == 1:
            cols[0] = [code(v) for (v,) in tuples]     # unpacking checks the arity
        elif arity == 2:
            a, b = cols
            for x, y in tuples:
                a.append(code(x))
                b.append(code(y))
        else:
            for t in tuples:
                if len(t) != arity:
                    raise ValueError(f"a tuple of arity {len(t)} among tuples of arity {arity}")
                for col, v in zip(cols, t):
                    col.append(code(v))
        return cols

    def decode_rows(self, rows) -> list:
        """Rows of codes (tuples, as DuckDB fetches them) -> list of value tuples. Plain Python:
        the reasoning core installs without numpy or pyarrow."""
        names = self.names
        if not rows:
            return []
        if len(rows[0]) == 2:
            return [(a >> 1 if not a & 1 else names[a >> 1], b >> 1 if not b & 1 else names[b >> 1])
                    for a, b in rows]
        return [tuple(c >> 1 if not c & 1 else names[c >> 1] for c in row) for row in rows]
