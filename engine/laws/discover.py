"""`discover(table, target)`: find a formula for one column of a table in terms of the others.

Status is "exact" only when the final sympy expression, recomputed independently on every
row (sympy.lambdify over the math module), stays within EXACT_TOL relative error everywhere;
with a stated relative noise level r it is "exact" when the errors are what noise of that
level explains (RMS <= 1.25 r and max <= r (sqrt(2 ln 2n) + 2)); otherwise "approximate"."""
import math
import random
import time
from dataclasses import dataclass, field

import sympy

from .expr import Invalid, evaluate, to_sympy
from .fit import errors, fit, rel_denominators, simple_constants
from . import monomials
from .search import Search

EXACT_TOL = 1e-9
SAMPLE_ROWS = 30


class TableError(ValueError):
    """The table cannot be used: missing target, ragged or non-numeric columns, too few rows."""


@dataclass
class Law:
    expression: sympy.Expr
    max_rel_error: float
    rms_rel_error: float
    description_length: int          # node count of the sympy expression tree
    status: str                      # "exact" or "approximate"
    pareto: list = field(default_factory=list)   # [(complexity, rms rel error, sympy expr)]
    evaluated: int = 0
    seconds: float = 0.0
    unit: str = "sympy nodes"

    def __str__(self):
        return (f"{self.status}: {self.expression}  (max rel error {self.max_rel_error:.3g}, "
                f"rms {self.rms_rel_error:.3g}, {self.description_length} {self.unit})")


def columns_of(table):
    """A dict of float columns from a list of dicts or a dict of columns."""
    if isinstance(table, dict):
        cols = {str(k): list(v) for k, v in table.items()}
    else:
        rows = list(table)
        if not rows:
            raise TableError("the table has no rows")
        names = list(rows[0])
        for i, row in enumerate(rows):
            if set(row) != set(names):
                raise TableError(f"row {i} does not have the columns {names}")
        cols = {str(k): [row[k] for row in rows] for k in names}
    lengths = {len(v) for v in cols.values()}
    if len(lengths) != 1:
        raise TableError("the columns have different lengths")
    out = {}
    for name, values in cols.items():
        try:
            floats = [float(v) for v in values]
        except (TypeError, ValueError):
            raise TableError(f"column {name!r} is not numeric") from None
        if not all(math.isfinite(v) for v in floats):
            raise TableError(f"column {name!r} has a value that is not finite")
        out[name] = floats
    return out


def complexity(expr):
    return sum(1 for _ in sympy.preorder_traversal(expr))


def measure(expr, names, cols, y, w):
    """(max, rms) relative error of expr on all rows, recomputed with lambdify."""
    fn = sympy.lambdify([sympy.Symbol(n) for n in names], expr, modules="math")
    pred = []
    try:
        for row in zip(*(cols[n] for n in names)):
            v = fn(*row)
            if isinstance(v, complex):
                return math.inf, math.inf
            pred.append(float(v))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return math.inf, math.inf
    return errors(pred, y, w)


class _Finisher:
    """Refits a screened tree on every row, simplifies its constants, measures it."""

    def __init__(self, names, cols, y, tol_max, tol_rms):
        self.names, self.cols, self.y = names, cols, y
        self.w = rel_denominators(y)
        self.n = len(y)
        self.symbols = {n: sympy.Symbol(n) for n in names}
        self.tol_max, self.tol_rms = tol_max, tol_rms

    def ok(self, m, r):
        return m <= self.tol_max and r <= self.tol_rms

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
            for sym, val in simple_constants(c)[0 if zero_first else 1:]:
                if self.ok(*errs(val)):
                    return sym, val
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
        if not self.ok(*errs(coef)):
            return None
        coef, syms = list(coef), []
        for i, c in enumerate(coef):
            chosen = sympy.Float(c, 15)
            for sym, val in simple_constants(c)[1:]:
                if self.ok(*errs(coef[:i] + [val] + coef[i + 1:])):
                    chosen, coef[i] = sym, val
                    break
            syms.append(chosen)
        expr = back_sym(sum(s * t for s, t in zip(syms, terms)))
        m, r = measure(expr, self.names, self.cols, self.y, self.w)
        return (expr, m, r) if self.ok(m, r) else None


def discover(table, target, budget_s=10.0, noise=None, seed=0, progress=None):
    """The simplest formula found for column `target` of `table` within `budget_s` seconds.

    `table` is a list of dicts or a dict of columns; every other column is an input. Without
    `noise`, a sparse sum of monomials (of y, y**2, 1/y or 1/y**2) is tried first. Then trees are
    enumerated by size and screened on SAMPLE_ROWS rows drawn with `seed`; the first whose
    refitted, rounded law passes the exactness test on every row ends the search. Otherwise the
    law is the simplest Pareto entry within 10% of the best RMS error, status "approximate".
    `progress(evaluated, best)` is called every few hundred candidates, `best` being
    (sample RMS relative error, text) of the best tree so far, or None."""
    start = time.monotonic()
    cols = columns_of(table)
    if target not in cols:
        raise TableError(f"no column {target!r} (columns: {', '.join(cols)})")
    y = cols.pop(target)
    names = list(cols)
    if len(y) < 3:
        raise TableError("at least 3 rows are needed")
    if noise is None:
        tol_max = tol_rms = EXACT_TOL
        screen = 1e-6
    else:
        if not noise > 0:
            raise ValueError("noise must be a positive relative level")
        tol_rms = 1.25 * noise + EXACT_TOL
        tol_max = noise * (math.sqrt(2 * math.log(2 * len(y))) + 2) + EXACT_TOL
        screen = 2 * noise + 1e-6
    fin = _Finisher(names, cols, y, tol_max, tol_rms)
    rows = sorted(random.Random(seed).sample(range(len(y)), min(SAMPLE_ROWS, len(y))))
    sample = {n: [cols[n][i] for i in rows] for n in names}
    ys = [y[i] for i in rows]
    ws = [fin.w[i] for i in rows]
    found = []

    def verify(tree, affine):
        res = fin.finish(tree, affine)
        if res is not None and fin.ok(res[1], res[2]):
            found.append(res)
            return True
        return False

    tried = [0]
    if noise is None:
        # the sparse-monomial structure test, on at most a third of the budget
        hit = monomials.search(cols, names, y, rows, fin.finish_sum, start + budget_s / 3, tried)
        if hit is not None:
            found.append(hit)
    search = Search(sample, ys, ws, screen, verify, start + budget_s, progress)
    if not found:
        search.run()
    pareto = _pareto(search, fin)
    if found:
        expr, m, r = found[0]
        status = "exact"
    elif pareto:
        best = min(e[1] for e in pareto)
        _, _, expr = min((e for e in pareto if e[1] <= 1.1 * best), key=lambda e: e[0])
        m, r = measure(expr, names, cols, y, fin.w)
        status = "exact" if fin.ok(m, r) else "approximate"
    else:
        expr, m, r, status = sympy.Float(sum(y) / len(y), 15), math.inf, math.inf, "approximate"
        m, r = measure(expr, names, cols, y, fin.w)
    if found:
        pareto = [e for e in pareto if e[0] < complexity(expr) and e[1] < math.inf] + \
                 [(complexity(expr), r, expr)]
    return Law(expr, m, r, complexity(expr), status, pareto, search.evaluated + tried[0],
               time.monotonic() - start)


def _pareto(search, fin, keep=12):
    """The accuracy-vs-complexity front, refitted and measured on all rows."""
    entries, best = [], math.inf
    for cx in sorted(search.front):
        rms, tree, affine = search.front[cx]
        if rms < best:
            best = rms
            entries.append((tree, affine))
    out = []
    for tree, affine in entries[:keep * 2]:
        res = fin.finish(tree, affine)
        if res is not None and math.isfinite(res[2]):
            out.append((complexity(res[0]), res[2], res[0]))
    out.sort(key=lambda e: (e[0], e[1]))
    front, best = [], math.inf
    for e in out:
        if e[1] < best:
            front.append(e)
            best = e[1]
    return front[-keep:]
