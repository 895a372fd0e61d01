"""Scoring a found formula against the truth.

`recovered(found, truth)` is SRBench's exact symbolic recovery: the float constants of the
found formula rounded to 3 significant digits (those under 1e-4 in size set to 0, as SRBench
does), then recovered when found - truth simplifies to a constant or found / truth to a
nonzero constant. With `positive=True` (every range nonnegative) the variables are declared
positive, so that sqrt(x**3) and x**(3/2) are one thing. A quick numeric check on a few points
rules out most non-recoveries before sympy simplifies; simplify is cut off after `limit_s`
seconds (a timeout counts as not recovered and is said so).

`relative_errors(predict, rows, y)` and `median` give the error figures (in range and outside)."""
from __future__ import annotations

import math
import random
import signal
import threading
from contextlib import contextmanager

import sympy

SMALL = 1e-4


def round_constants(expr, digits: int = 3):
    """expr with each float constant rounded to `digits` significant digits (under SMALL: 0)."""
    swap = {}
    for f in expr.atoms(sympy.Float):
        v = float(f)
        swap[f] = sympy.Integer(0) if abs(v) < SMALL else sympy.Float(f"{v:.{digits}g}", 15)
    return expr.xreplace(swap) if swap else expr


def _positive(exprs, positive: bool):
    if not positive:
        return exprs
    symbols = set().union(*(e.free_symbols for e in exprs))
    swap = {s: sympy.Symbol(s.name, positive=True) for s in symbols}
    return [e.xreplace(swap) for e in exprs]


class Timeout(Exception):
    pass


@contextmanager
def _limit(seconds):
    """SIGALRM after `seconds` in the main thread (sympy is pure Python: it is interrupted)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return
    def ring(signum, frame):
        raise Timeout()
    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _constant_numerically(expr, symbols, points) -> bool | None:
    """False when expr clearly takes different values on `points`; None when it cannot tell."""
    values = []
    fn = sympy.lambdify(symbols, expr, modules="math")
    for p in points:
        try:
            v = complex(fn(*p))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return None
        if not (math.isfinite(v.real) and math.isfinite(v.imag)):
            return None
        values.append(v)
    if not values:
        return None
    scale = max(abs(v) for v in values)
    spread = max(abs(v - values[0]) for v in values)
    return None if spread <= 1e-6 * max(scale, 1e-12) else False


def recovered(found, truth, positive: bool = False, xs=None, points=None, limit_s: float = 30.0) -> dict:
    """{"recovered": bool, "rounded": str, "why": str}: SRBench's test (see the module doc).
    `points`: a few rows of values for the symbols `xs`, for the numeric pre-check (default:
    six points in [1, 3] for every symbol)."""
    if found is None:
        return {"recovered": False, "rounded": None, "why": "no formula"}
    rounded = round_constants(sympy.sympify(found))
    law, exact = _positive([rounded, sympy.sympify(truth)], positive)
    free = law.free_symbols | exact.free_symbols
    if xs is None or points is None:
        xs = sorted(free, key=lambda s: s.name)
        rng = random.Random(0)
        points = [[rng.uniform(1.0, 3.0) for _ in xs] for _ in range(6)]
    names = [str(x) for x in xs]
    symbols = [next((s for s in free if s.name == n), sympy.Symbol(n)) for n in names]
    if {s.name for s in free} <= set(names):
        pts = [list(p) for p in points[:6]]
        if _constant_numerically(law - exact, symbols, pts) is False and \
                _constant_numerically(law / exact, symbols, pts) is False:
            return {"recovered": False, "rounded": str(rounded), "why": "not constant numerically"}
    try:
        with _limit(limit_s):
            diff = sympy.simplify(law - exact)
            if not diff.free_symbols:
                return {"recovered": True, "rounded": str(rounded), "why": f"difference {diff}"}
            ratio = sympy.simplify(law / exact)
            if not ratio.free_symbols and ratio != 0:
                return {"recovered": True, "rounded": str(rounded), "why": f"ratio {ratio}"}
            return {"recovered": False, "rounded": str(rounded), "why": "difference and ratio not constant"}
    except Timeout:
        return {"recovered": False, "rounded": str(rounded), "why": f"simplify timed out after {limit_s:g} s"}
    except Exception as exc:  # noqa: BLE001 - a measurement: a sympy failure is not a recovery, and is said so
        return {"recovered": False, "rounded": str(rounded), "why": f"sympy failed: {type(exc).__name__}"}


def relative_errors(predict, rows, y) -> list:
    """|predicted - true| / |true| per row (inf where the prediction is undefined or the truth is 0)."""
    out = []
    for row, t in zip(rows, y):
        p = predict(row)
        if p is None or not math.isfinite(p) or t == 0:
            out.append(math.inf)
        else:
            out.append(abs(p - t) / abs(t))
    return out


def median(values):
    values = sorted(values)
    if not values:
        return None
    n = len(values)
    mid = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    return mid


def summary(errors) -> dict:
    """max, rms and median relative error (inf-aware)."""
    if not errors:
        return {"max": None, "rms": None, "median": None}
    finite = all(math.isfinite(e) for e in errors)
    return {"max": max(errors), "rms": math.sqrt(sum(e * e for e in errors) / len(errors)) if finite else math.inf,
            "median": median(errors)}
