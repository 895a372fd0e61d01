"""`discover(table, target)`: find a formula for one column of a table in terms of the others.

Status is "exact" only when the final sympy expression, recomputed independently on every
row (sympy.lambdify over the math module), stays within EXACT_TOL relative error everywhere;
with a stated relative noise level r it is "exact" when the errors are what noise of that
level explains (RMS <= r (1 + min(1/4, 4/sqrt(2n))), i.e. within about 4 standard errors of r,
and max <= r (sqrt(2 ln 2n) + 2)), its constants are simple (no
fitted float, at most one beyond small integers, halves, thirds, quarters) and its residuals show
no pattern; otherwise "approximate"."""
import math
import random
import time
from dataclasses import dataclass, field

import sympy

from . import schedule
from .decompose import Problem
from .finish import Finisher, measure, noise_explains
from .solve import Solver
from . import units as units_mod

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


def discover(table, target, budget_s=10.0, noise=None, seed=0, progress=None, units=None):
    """The simplest formula found for column `target` of `table` within `budget_s` seconds.

    `table` is a list of dicts or a dict of columns; every other column is an input. Without
    `noise`, a sparse sum of monomials (of y, y**2, 1/y or 1/y**2) is tried first. Then trees are
    enumerated by size and screened on SAMPLE_ROWS rows drawn with `seed`, for the target and
    transforms of it (1/y, y**2, sqrt, log, sin, cos, asin, acos), on the original problem and on
    reduced ones (engine.laws.schedule); the first law whose refitted, rounded form passes the
    exactness test on every original row ends the search. Otherwise the law is the simplest
    Pareto entry within 10% of the best RMS error, status "approximate".
    `progress(evaluated, best)` is called every few hundred candidates, `best` being
    (sample RMS relative error, text) of the best tree so far, or None.

    `units` (optional) maps every column, the target included, to its unit (a string such as
    "kg*m^2/s^2" or an exponent vector, see engine.laws.units); the dimensionless problem is
    then searched first. When torch is importable, a surrogate MLP (engine.perception.surrogate)
    suggests reductions (power factors, symmetric pairs, separable halves) searched next; every
    law found, however it was found, is checked on every original row before it is "exact"."""
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
        tol_rms = noise * (1 + min(0.25, 4 / math.sqrt(2 * len(y)))) + EXACT_TOL
        tol_max = noise * (math.sqrt(2 * math.log(2 * len(y))) + 2) + EXACT_TOL
        screen = 2 * noise + 1e-6
    fin = Finisher(names, cols, y, tol_max, tol_rms)
    rows = sorted(random.Random(seed).sample(range(len(y)), min(SAMPLE_ROWS, len(y))))
    original = Problem(cols, y, lambda e: e)
    solver = Solver(original, fin, noise, rows, screen, progress)
    reduced = units_mod.reduce(original, units, target) if units else []
    schedule.run(solver, original, start + budget_s, seed, reduced)
    found = solver.found
    key = (original.label, tuple(original.variables.items()), "y")
    search, pareto = solver.searches.get(key), []
    if search is not None:
        pareto = _pareto(search[0], fin)
    if found:
        expr, m, r = _tidy(min(found, key=lambda e: complexity(e[0])), names, cols, y, fin)
        status = "exact"
    elif pareto:
        best = min(e[1] for e in pareto)
        _, _, expr = min((e for e in pareto if e[1] <= 1.1 * best), key=lambda e: e[0])
        m, r = measure(expr, names, cols, y, fin.w)
        status = "exact" if fin.ok(m, r) and (noise is None or noise_explains(expr, names, cols, y, fin.w)) \
            else "approximate"
    else:
        expr, m, r, status = sympy.Float(sum(y) / len(y), 15), math.inf, math.inf, "approximate"
        m, r = measure(expr, names, cols, y, fin.w)
    if found:
        pareto = [e for e in pareto if e[0] < complexity(expr) and e[1] < math.inf] + \
                 [(complexity(expr), r, expr)]
    return Law(expr, m, r, complexity(expr), status, pareto, max(1, solver.evaluated),
               time.monotonic() - start)


def _tidy(law, names, cols, y, fin):
    """The smallest of a few cheap rewritings of the law that still passes the check."""
    best = law
    expr = law[0]
    if complexity(expr) > 60:
        return law
    for rewrite in (sympy.expand, sympy.together, sympy.factor_terms, sympy.powsimp):
        try:
            cand = rewrite(expr)
        except Exception:  # noqa: BLE001 - a rewriting that fails is skipped
            continue
        if complexity(cand) < complexity(best[0]):
            m, r = measure(cand, names, cols, y, fin.w)
            if fin.ok(m, r):
                best = (cand, m, r)
    return best


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
