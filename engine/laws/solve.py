"""Solving one (possibly reduced) problem with the brute-force search and the monomial test,
on the target and on transforms of it (1/y, y**2, sqrt y, log y, asin y, acos y). Every law found
is mapped back to the original variables and target and accepted only when it passes the
original finisher's check on every original row, so a reduction or transform that went wrong
costs time, never a wrong "exact"."""
import math
import time

import sympy

from . import monomials
from .finish import Finisher, measure, noise_explains
from .fit import rel_denominators
from .search import Search


def transforms(y, noise):
    """(label, forward, back, tolerance factor) for the target transforms that apply to y."""
    pos, neg = all(v > 0 for v in y), all(v < 0 for v in y)
    out = [("y", lambda v: v, lambda e: e, 1.0)]
    if pos or neg:
        s = 1 if pos else -1
        out += [("1/y", lambda v: 1 / v, lambda e: 1 / e, 1.0),
                ("y**2", lambda v: v * v, lambda e: s * sympy.sqrt(e), 2.0),
                ("sqrt|y|", lambda v: math.sqrt(abs(v)), lambda e: s * e ** 2, 0.5)]
        if noise is None:
            out.append(("log|y|", lambda v: math.log(abs(v)), lambda e: s * sympy.exp(e), 1.0))
    if all(-1 <= v <= 1 for v in y):
        out += [("asin y", math.asin, sympy.sin, 1.0), ("acos y", math.acos, sympy.cos, 1.0)]
    if noise is None and all(-math.pi / 2 <= v <= math.pi / 2 for v in y):
        out.append(("sin y", math.sin, sympy.asin, 1.0))
    if noise is None and all(0 <= v <= math.pi for v in y):
        out.append(("cos y", math.cos, sympy.acos, 1.0))
    return out


class Solver:
    """Runs searches on problems against one original table; `found` holds accepted laws as
    (expr, max err, rms err), `evaluated` counts candidates."""

    def __init__(self, original, fin, noise, sample_rows, screen, progress=None):
        self.original, self.fin, self.noise = original, fin, noise
        self.rows, self.screen, self.progress = sample_rows, screen, progress
        self.found, self.evaluated = [], 0
        self.searches = {}       # label of problem/transform -> last Search (for the Pareto front)

    def accept_original(self, expr):
        """True (and recorded) when expr, a law in the original variables, passes the check."""
        o = self.original
        try:
            m, r = measure(expr, o.names, o.cols, o.y, self.fin.w)
        except Exception:  # noqa: BLE001 - sympy may fail to lambdify an odd expression
            return False
        if self.fin.ok(m, r):
            if self.noise is not None and not noise_explains(expr, o.names, o.cols, o.y, self.fin.w):
                return False     # with noise, "exact" needs simple constants and no pattern left
            self.found.append((expr, m, r))
            return True
        return False

    def _sub(self, problem, forward, factor):
        try:
            ty = [forward(v) for v in problem.y]
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
        if not all(math.isfinite(v) for v in ty):
            return None
        fin = Finisher(problem.names, problem.cols, ty, self.fin.tol_max * factor, self.fin.tol_rms * factor)
        return ty, fin

    def run(self, problem, seconds, kinds=None, monomial=True):
        """Search problem (all its transforms, or those labelled in kinds) for about `seconds`;
        True when a law was accepted."""
        deadline = time.monotonic() + seconds
        if not problem.names:
            return self._constant(problem)
        options = [t for t in transforms(problem.y, self.noise) if kinds is None or t[0] in kinds]
        for i, (label, forward, back, factor) in enumerate(options):
            now = time.monotonic()
            if now > deadline:
                break
            share = (deadline - now) / (len(options) - i)
            # the monomial test covers y**2, 1/y and 1/y**2 itself
            if monomial and self.noise is None and label not in ("1/y", "y**2"):
                if self.monomial_test(problem, forward, back, now + 0.3 * share):
                    return True
            if self._search(problem, label, forward, back, factor, now + share):
                return True
        return False

    def _constant(self, problem):
        """A problem without columns (all reduced away): its target is a constant."""
        fin = Finisher([], {}, problem.y, self.fin.tol_max, self.fin.tol_rms)
        res = fin.finish(("const", 1.0, sympy.Integer(1)), False)
        return res is not None and self.accept_original(problem.to_original(res[0]))

    def _back(self, problem, back):
        return lambda e: problem.to_original(back(e))

    def monomial_test(self, problem, forward, back, deadline):
        """The sparse-monomial test on problem (target through `forward`), until `deadline`."""
        if any(v <= 0 for n in problem.names for v in problem.cols[n]):
            return False
        sub = self._sub(problem, forward, 1.0)
        if sub is None:
            return False
        ty, fin = sub
        counter = [0]

        def accept(coef, terms, values, back_sym, back_num):
            res = fin.finish_sum(coef, terms, values, back_sym, back_num)
            if res is not None and self.accept_original(problem.to_original(back(res[0]))):
                return res
            return None

        rows = [i for i in self.rows if i < len(ty)]
        hit = monomials.search(problem.cols, problem.names, ty, rows, accept, deadline, counter,
                               threshold=self.screen)
        self.evaluated += counter[0]
        return hit is not None

    def _search(self, problem, label, forward, back, factor, deadline):
        sub = self._sub(problem, forward, factor)
        if sub is None:
            return False
        ty, fin = sub
        to_orig = self._back(problem, back)

        def verify(tree, affine):
            res = fin.finish(tree, affine)
            return res is not None and math.isfinite(res[1]) and self.accept_original(to_orig(res[0]))

        sample = {n: [problem.cols[n][i] for i in self.rows] for n in problem.names}
        ys = [ty[i] for i in self.rows]
        w = rel_denominators(ty)
        ws = [w[i] for i in self.rows]
        search = Search(sample, ys, ws, self.screen * factor, verify, deadline, self._progress)
        search.run()
        self.evaluated += search.evaluated
        self.searches[(problem.label, tuple(problem.variables.items()), label)] = (search, fin, to_orig)
        return bool(self.found)

    def _progress(self, n, best):
        if self.progress is not None:
            self.progress(self.evaluated + n, best)
