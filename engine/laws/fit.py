"""Fitting a law's outer constants, y ~ k*f + b, by least squares on relative errors, and
rounding a fitted constant to a simple one (a small rational, possibly times pi, sqrt 2 or e)."""
import math
from fractions import Fraction

import sympy


def rel_denominators(y):
    """Per-row denominators of the relative error: |y_i|, or the RMS of y where y_i = 0 (so
    that a zero target is measured by its absolute error on the scale of the data)."""
    rms = math.sqrt(sum(v * v for v in y) / len(y)) or 1.0
    return [abs(v) or rms for v in y]


def fit(f, y, w, affine):
    """(k, b) minimising sum(((k f_i + b - y_i) / w_i)**2), b = 0 unless `affine`; None if degenerate."""
    u = [a / d for a, d in zip(f, w)]
    t = [a / d for a, d in zip(y, w)]
    suu = sum(a * a for a in u)
    sut = sum(a * c for a, c in zip(u, t))
    if not affine:
        return (sut / suu, 0.0) if suu > 0 else None
    v = [1.0 / d for d in w]
    svv = sum(a * a for a in v)
    suv = sum(a * c for a, c in zip(u, v))
    svt = sum(a * c for a, c in zip(v, t))
    det = suu * svv - suv * suv
    if not det > 1e-12 * suu * svv:
        return None
    return ((sut * svv - svt * suv) / det, (svt * suu - sut * suv) / det)


def errors(pred, y, w):
    """(max, rms) relative error of the predictions."""
    rel = [abs(p - a) / d for p, a, d in zip(pred, y, w)]
    m = max(rel)
    if m != m:
        return math.inf, math.inf
    return m, math.sqrt(sum(r * r for r in rel) / len(rel))


_BASES = ((sympy.Integer(1), 1.0), (sympy.pi, math.pi), (1 / sympy.pi, 1 / math.pi),
          (sympy.sqrt(2), math.sqrt(2)), (sympy.E, math.e), (sympy.pi ** 2, math.pi ** 2),
          (1 / sympy.pi ** 2, 1 / math.pi ** 2))
_DENOMINATORS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 32, 64, 100)


def simple_constants(c, strict=False):
    """Simple candidates for the float c, simplest first: (sympy value, float value). `strict`
    (noisy data, where a loose match is easy) keeps denominators up to 8, numerators up to 32
    for a rational and up to 8 for a multiple of pi, sqrt 2, e... (22/(7 pi) is not simple)."""
    if c == 0:
        return [(sympy.Integer(0), 0.0)]
    out = [(sympy.Integer(0), 0.0)]
    for limit in _DENOMINATORS[:7] if strict else _DENOMINATORS:
        for i, (sym, val) in enumerate(_BASES):
            q = Fraction(c / val).limit_denominator(limit)
            if q != 0 and abs(q.numerator) <= ((32 if i == 0 else 8) if strict else 1000):
                out.append((sympy.Rational(q.numerator, q.denominator) * sym, float(q) * val))
    return out
