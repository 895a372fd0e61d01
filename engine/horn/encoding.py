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

import numpy as np

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
        self._array = None          # `names` as a numpy object array, for decoding (rebuilt as it grows)

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

    def decode_column(self, arr) -> list:
        """A numpy array of codes -> list of values (vectorized; Python ints, not numpy ints)."""
        arr = np.asarray(arr, dtype=np.int64)
        half = arr >> 1
        odd = (arr & 1).astype(bool)
        if not odd.any():
            return half.tolist()
        out = half.astype(object)
        if self._array is None or len(self._array) != len(self.names):
            self._array = np.empty(len(self.names), dtype=object)
            self._array[:] = self.names
        out[odd] = self._array[half[odd]]
        return out.tolist()

    def decode_rows(self, columns: list) -> list:
        """Columns of codes -> list of value tuples."""
        if not columns:
            return []
        return list(zip(*[self.decode_column(c) for c in columns]))
