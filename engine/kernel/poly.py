"""Exact multivariate polynomials and rational functions over the rationals, for the kernel.

`Poly`: a polynomial in named symbols (str) with `Fraction` coefficients, stored as a dict
monomial -> coefficient, a monomial being a sorted tuple of (symbol, power) pairs (the empty
tuple is the constant monomial); no zero coefficient is ever stored, so two polynomials are
equal exactly when their dicts are. Built from constants and symbols (`Poly(3)`,
`Poly(Fraction(1, 2))`, `Poly("a")`, or `const` / `symbol`) with +, -, * and ** (a natural
power); `==` and `hash` agree with those of numbers for constant polynomials.

`Ratio(num, den)`: a rational function, kept as a pair of polynomials (not reduced by a gcd;
a constant denominator is divided out). A denominator that is the zero polynomial raises
`Rejected`. `Ratio.value()` decides exactly whether the function is a constant c, i.e.
whether num - c*den is the zero polynomial, with c read off one monomial of den (if num = c*den
then c is num's coefficient of that monomial over den's); it returns c, or None.

Only `int` (not bool) and `Fraction` count as numbers; anything else raises `Rejected`.
"""
from __future__ import annotations

from fractions import Fraction

from .terms import Rejected

__all__ = ["Poly", "Ratio", "const", "symbol"]


def _number(c) -> Fraction:
    if type(c) is int or type(c) is Fraction:
        return Fraction(c)
    raise Rejected(f"{c!r} is not an exact number (an int or a Fraction)")


def _mono_mul(a: tuple, b: tuple) -> tuple:
    if not a:
        return b
    if not b:
        return a
    powers = dict(a)
    for s, k in b:
        powers[s] = powers.get(s, 0) + k
    return tuple(sorted(powers.items()))


class Poly:
    """A polynomial with Fraction coefficients in str symbols. Immutable."""
    __slots__ = ("_terms", "_hash")

    def __init__(self, value=0):
        if isinstance(value, Poly):
            terms = value._terms
        elif type(value) is str:
            if not value:
                raise Rejected("a symbol needs a name")
            terms = {((value, 1),): Fraction(1)}
        else:
            c = _number(value)
            terms = {(): c} if c else {}
        self._terms = terms
        self._hash = None

    @classmethod
    def _of(cls, terms: dict) -> "Poly":
        p = cls.__new__(cls)
        p._terms = terms
        p._hash = None
        return p

    @staticmethod
    def coerce(value) -> "Poly":
        """A Poly as is, a number as a constant polynomial (a str is a symbol)."""
        return value if isinstance(value, Poly) else Poly(value)

    # ------------------------------------------------------------------ inspection
    def terms(self) -> dict:
        """A copy of the monomial -> coefficient dict."""
        return dict(self._terms)

    def coefficient(self, monomial: tuple) -> Fraction:
        return self._terms.get(tuple(monomial), Fraction(0))

    def symbols(self) -> frozenset:
        return frozenset(s for m in self._terms for s, _ in m)

    def is_zero(self) -> bool:
        return not self._terms

    def is_constant(self) -> bool:
        return not self._terms or (len(self._terms) == 1 and () in self._terms)

    def constant(self) -> Fraction:
        """The value of a constant polynomial; Rejected if it is not constant."""
        if not self.is_constant():
            raise Rejected(f"{self} is not a constant")
        return self._terms.get((), Fraction(0))

    def evaluate(self, assignment) -> Fraction:
        """The value with every symbol replaced by assignment[symbol] (a number)."""
        total = Fraction(0)
        for mono, c in self._terms.items():
            term = c
            for s, k in mono:
                if s not in assignment:
                    raise Rejected(f"no value for the symbol {s!r}")
                term *= _number(assignment[s]) ** k
            total += term
        return total

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other):
        if isinstance(other, Ratio):
            return NotImplemented
        other = Poly.coerce(other)
        terms = dict(self._terms)
        for m, c in other._terms.items():
            s = terms.get(m, 0) + c
            if s:
                terms[m] = s
            else:
                terms.pop(m, None)
        return Poly._of(terms)

    __radd__ = __add__

    def __neg__(self):
        return Poly._of({m: -c for m, c in self._terms.items()})

    def __sub__(self, other):
        if isinstance(other, Ratio):
            return NotImplemented
        return self + (-Poly.coerce(other))

    def __rsub__(self, other):
        return Poly.coerce(other) - self

    def __mul__(self, other):
        if isinstance(other, Ratio):
            return NotImplemented
        other = Poly.coerce(other)
        terms: dict = {}
        for ma, ca in self._terms.items():
            for mb, cb in other._terms.items():
                m = _mono_mul(ma, mb)
                s = terms.get(m, 0) + ca * cb
                if s:
                    terms[m] = s
                else:
                    terms.pop(m, None)
        return Poly._of(terms)

    __rmul__ = __mul__

    def __pow__(self, n):
        if type(n) is not int or n < 0:
            raise Rejected("a polynomial power must be a natural number")
        out = Poly(1)
        for _ in range(n):
            out = out * self
        return out

    def __truediv__(self, other):
        """By a nonzero number: a Poly; by a polynomial: a Ratio."""
        if isinstance(other, (Poly, Ratio)):
            return Ratio(self) / other
        c = _number(other)
        if not c:
            raise Rejected("division by zero")
        return Poly._of({m: v / c for m, v in self._terms.items()})

    def __rtruediv__(self, other):
        return Ratio(other) / Ratio(self)

    # ------------------------------------------------------------------ equality
    def __eq__(self, other):
        if isinstance(other, Poly):
            return self._terms == other._terms
        if type(other) is int or type(other) is Fraction:
            return self.is_constant() and self.constant() == other
        return NotImplemented

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(self.constant()) if self.is_constant() else hash(frozenset(self._terms.items()))
        return self._hash

    def __bool__(self):
        return bool(self._terms)

    def __repr__(self):
        if not self._terms:
            return "0"
        parts = []
        for m, c in sorted(self._terms.items(), key=lambda t: (-sum(k for _, k in t[0]), t[0])):
            body = "*".join(s if k == 1 else f"{s}^{k}" for s, k in m)
            parts.append(str(c) if not body else body if c == 1 else f"{c}*{body}")
        return " + ".join(parts)


def const(c) -> Poly:
    return Poly(_number(c))


def symbol(name: str) -> Poly:
    if type(name) is not str:
        raise Rejected(f"a symbol's name must be a str, not {name!r}")
    return Poly(name)


class Ratio:
    """num / den, two polynomials, den not the zero polynomial. Immutable; not hashable."""
    __slots__ = ("num", "den")
    __hash__ = None

    def __init__(self, num, den=1):
        num = Poly.coerce(num) if not isinstance(num, Ratio) else num
        den = Poly.coerce(den) if not isinstance(den, Ratio) else den
        if isinstance(num, Ratio) or isinstance(den, Ratio):
            r = (num if isinstance(num, Ratio) else Ratio(num)) / (den if isinstance(den, Ratio) else Ratio(den))
            num, den = r.num, r.den
        if den.is_zero():
            raise Rejected("a zero denominator")
        if num.is_zero():
            den = Poly(1)
        elif den.is_constant() and den != 1:
            num, den = num / den.constant(), Poly(1)
        self.num, self.den = num, den

    @staticmethod
    def coerce(value) -> "Ratio":
        return value if isinstance(value, Ratio) else Ratio(value)

    def value(self):
        """The Fraction c with num == c*den as polynomials, or None if there is none."""
        if self.den == 1:
            return self.num.constant() if self.num.is_constant() else None
        mono, d = next(iter(self.den._terms.items()))
        c = self.num.coefficient(mono) / d
        return c if (self.num - self.den * c).is_zero() else None

    def evaluate(self, assignment) -> Fraction:
        d = self.den.evaluate(assignment)
        if not d:
            raise Rejected("the denominator vanishes at this point")
        return self.num.evaluate(assignment) / d

    def is_zero(self) -> bool:
        return self.num.is_zero()

    def __add__(self, other):
        other = Ratio.coerce(other)
        if self.den == other.den:
            return Ratio(self.num + other.num, self.den)
        return Ratio(self.num * other.den + other.num * self.den, self.den * other.den)

    __radd__ = __add__

    def __neg__(self):
        return Ratio(-self.num, self.den)

    def __sub__(self, other):
        return self + (-Ratio.coerce(other))

    def __rsub__(self, other):
        return Ratio.coerce(other) - self

    def __mul__(self, other):
        other = Ratio.coerce(other)
        return Ratio(self.num * other.num, self.den * other.den)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = Ratio.coerce(other)
        if other.num.is_zero():
            raise Rejected("division by zero")
        return Ratio(self.num * other.den, self.den * other.num)

    def __rtruediv__(self, other):
        return Ratio.coerce(other) / self

    def __eq__(self, other):
        if isinstance(other, (Poly, Ratio)) or type(other) is int or type(other) is Fraction:
            other = Ratio.coerce(other)
            return self.num * other.den == other.num * self.den
        return NotImplemented

    def __repr__(self):
        return f"({self.num})" if self.den == 1 else f"({self.num}) / ({self.den})"
