"""Finishing a candidate law: refitting its outer constants on every row, rounding them to
simple values where the law stays within tolerance, and measuring the result independently
(sympy.lambdify over the math module, on every row)."""
import math

import sympy

from .expr import Invalid, evaluate, to_sympy
from .fit import errors, fit, rel_denominators, simple_constants


def predictions(expr, names, cols, n):
    """expr on every row, recomputed with lambdify; None where it is undefined or not real."""
    fn = sympy.lambdify([sympy.Symbol(v) for v in names], expr, modules="math")
    pred = []
    try:
        for row in (zip(*(cols[v] for v in names)) if names else [()] * n):
            v = fn(*row)
            if isinstance(v, complex):
                return None
            pred.append(float(v))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    return pred


def measure(expr, names, cols, y, w):
    """(max, rms) relative error of expr on all rows, recomputed with lambdify."""
    pred = predictions(expr, names, cols, len(y))
    return (math.inf, math.inf) if pred is None else errors(pred, y, w)


def fancy_constants(expr):
    """How many constants of expr go beyond small ones (integers up to 4, halves, thirds,
    quarters): rationals like 6/5 or 32/5, sqrt(2), E, and any float. With noise, a law with two
    of them is more likely a lucky fit than a law."""
    count = 0
    for atom in sympy.preorder_traversal(expr):
        if isinstance(atom, sympy.Float):
            count += 1
        elif isinstance(atom, sympy.Rational) and (atom.q > 4 or abs(atom.p) > 4):
            count += 1
        elif atom == sympy.sqrt(2) or atom is sympy.E:
            count += 1
        elif isinstance(atom, sympy.exp) and atom.args[0].is_number:
            count += 2        # exp(2) and the like: a scale smuggled into a function
        elif isinstance(atom, sympy.Function):
            # pi, e, sqrt 2 or a large rational inside a function: log(pi*exp(-x)) and the like
            for inner in sympy.preorder_traversal(atom.args[0]):
                if inner in (sympy.pi, sympy.E) or isinstance(inner, sympy.Float) or \
                        isinstance(inner, sympy.Rational) and (inner.q > 4 or abs(inner.p) > 4):
                    count += 2
                    break
    return count


def noise_explains(expr, names, cols, y, w):
    """With noisy data, the extra conditions for "exact": no fitted float, at most one
    non-small constant, and residuals without a pattern."""
    return not expr.atoms(sympy.Float) and fancy_constants(expr) <= 1 and \
        not structured(expr, names, cols, y, w)


def structured(expr, names, cols, y, w):
    """Whether the relative residuals of expr look systematic rather than like noise: rows
    ordered by each input (and by the prediction), neighbouring residuals correlate beyond what
    independent noise allows (lag-1 correlation over 4.5/sqrt(n)). Used when data are noisy, where
    a wrong law can sit within the noise tolerance."""
    pred = predictions(expr, names, cols, len(y))
    if pred is None:
        return True
    res = [(p - a) / d for p, a, d in zip(pred, y, w)]
    n = len(res)
    mean = sum(res) / n
    res = [r - mean for r in res]
    var = sum(r * r for r in res)
    if n < 20 or not var > 0:
        return False
    limit = 4.5 / math.sqrt(n)
    for key in [cols[v] for v in names] + [pred]:
        order = sorted(range(n), key=key.__getitem__)
        lag = sum(res[order[i]] * res[order[i + 1]] for i in range(n - 1)) / var
        if lag > limit:
            return True
    return False


class Finisher:
    """Refits a screened tree on every row, simplifies its constants, measures it."""

    def __init__(self, names, cols, y, tol_max, tol_rms):
        self.names, self.cols, self.y = names, cols, y
        self.w = rel_denominators(y)
        self.n = len(y)
        self.symbols = {n: sympy.Symbol(n) for n in names}
        self.tol_max, self.tol_rms = tol_max, tol_rms
        self.strict = tol_max > 1e-6          # noisy data: only the simplest constants

    def ok(self, m, r):
        return m <= self.tol_max and r <= self.tol_rms

    def keeps(self, r, r0):
        """With noise, whether rounding a constant (RMS r0 -> r) is statistically insignificant:
        n (r**2 - r0**2) within 25 noise variances (a 5-sigma likelihood-ratio test)."""
        if not self.strict:
            return True
        sigma = self.tol_rms / 1.25        # at most the stated noise level
        return self.n * (r * r - r0 * r0) <= 25 * sigma * sigma

    def finish(self, tree, affine):
        """(expr, max err, rms err) for tree, or None when it is undefined on some row."""
        try:
            f = evaluate(tree, self.cols, self.n)
        except (Invalid, OverflowError, ValueError, ZeroDivisionError):
            return None
        kb = fit(f, self.y, self.w, affine)
        if kb is None:
            return None
        k, b = kb
        err = lambda kk, bb: errors([kk * a + bb for a in f], self.y, self.w)
        m0, r0 = err(k, b)
        if not math.isfinite(m0):
            return None
        # a simple constant (small rational, times pi, sqrt 2, e...) replaces a fitted one only
        # when the law stays within the exactness tolerance; otherwise a fitted constant is shown
        # with the fewest significant digits (3 or more) that cost at most 1% of its error
        def pick(c, errs, zero_first):
            for sym, val in simple_constants(c, self.strict)[0 if zero_first else 1:]:
                m, r = errs(val)
                if self.ok(m, r) and self.keeps(r, r0):
                    return sym, val
                if self.strict and abs(val - c) <= 0.01 * abs(c):
                    break        # with noise, the simplest close constant or none (not 22/7)
            for digits in range(3, 15):
                short = float(f"{c:.{digits}g}")
                m, r = errs(short)
                if self.ok(m, r) or (m <= m0 * 1.01 + 1e-15 and r <= r0 * 1.01 + 1e-15):
                    return sympy.Float(short, digits), short
            return sympy.Float(c, 15), c

        ksym, k = pick(k, lambda v: err(v, b), False)
        bsym = sympy.Integer(0)
        if affine:
            bsym, b = pick(b, lambda v: err(k, v), True)
        expr = ksym * to_sympy(tree, self.symbols) + bsym
        m, r = measure(expr, self.names, self.cols, self.y, self.w)
        return expr, m, r

    def finish_sum(self, coef, terms, values, back_sym, back_num):
        """(expr, max, rms) for back(sum coef_i term_i) if it passes the exactness test, else None."""
        def errs(cs):
            try:
                pred = [back_num(sum(c * v for c, v in zip(cs, row))) for row in values]
            except (ValueError, ZeroDivisionError, OverflowError):
                return math.inf, math.inf
            return errors(pred, self.y, self.w)
        m0, r0 = errs(coef)
        if not self.ok(m0, r0):
            return None
        coef, syms = list(coef), []
        for i, c in enumerate(coef):
            chosen = sympy.Float(c, 15)
            for sym, val in simple_constants(c, self.strict)[1:]:
                m, r = errs(coef[:i] + [val] + coef[i + 1:])
                if self.strict and not (self.ok(m, r) and self.keeps(r, r0)) and abs(val - c) <= 0.01 * abs(c):
                    break
                if self.ok(m, r) and self.keeps(r, r0):
                    chosen, coef[i] = sym, val
                    break
            syms.append(chosen)
        expr = back_sym(sum(s * t for s, t in zip(syms, terms)))
        m, r = measure(expr, self.names, self.cols, self.y, self.w)
        return (expr, m, r) if self.ok(m, r) else None
