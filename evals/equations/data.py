"""AI Feynman's equation tables, read and sampled.

`read(path)` reads FeynmanEquations.csv (Filename, Number, Output, Formula, # variables,
v1_name, v1_low, v1_high, ...) or BonusEquations.csv (the same with Name and Eqn. No.), a
UTF-8 byte-order mark allowed. A row that cannot be read stops the reading with an
`EquationsError` naming the file, the line and the equation; only rows with every cell empty
(the trailing padding of FeynmanEquations.csv) are passed over.

Each formula is parsed with its variables renamed x1..xn in column order (the names give
nothing away). `sample` draws rows with each variable uniform in its range, `outside` in the
box just past it: [high, high + (high - low)] per variable. Rows where the formula is
undefined, not finite or not real are dropped and counted. Pure Python and sympy."""
from __future__ import annotations

import csv
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import sympy
from sympy.core.function import AppliedUndef
from sympy.parsing.sympy_parser import parse_expr, standard_transformations

# the function names of AI Feynman's formulas, and sympy's own spellings of them
FUNCTIONS = {"pi": sympy.pi, "sqrt": sympy.sqrt, "exp": sympy.exp, "log": sympy.log, "ln": sympy.log,
             "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "arcsin": sympy.asin,
             "arccos": sympy.acos, "arctan": sympy.atan, "asin": sympy.asin, "acos": sympy.acos,
             "atan": sympy.atan, "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
             "abs": sympy.Abs}
REQUIRED = ("Filename", "Formula", "# variables")


class EquationsError(ValueError):
    """An equation table, or one of its rows, that cannot be read."""


@dataclass
class Equation:
    filename: str                    # "test_1", "I.6.2a"
    name: str                        # the Name column (bonus file) or the filename
    output: str
    formula: str                     # as written in the file
    variables: list                  # [(name, low, high)] in column order
    truth: sympy.Expr = field(repr=False)   # the formula over x1..xn
    xs: tuple = field(repr=False)
    line: int = 0

    @property
    def nonnegative(self) -> bool:
        return all(low >= 0 for _, low, _ in self.variables)


def read(path) -> list[Equation]:
    path = Path(path)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise EquationsError(f"{path}: not an AI Feynman equation table (no column "
                                 f"{', '.join(repr(c) for c in missing)}; columns: {reader.fieldnames})")
        out = []
        for row in reader:
            if all(not (v or "").strip() for k, v in row.items() if k is not None):
                continue
            out.append(_equation(row, path, reader.line_num))
    if not out:
        raise EquationsError(f"{path}: no equations")
    return out


def _equation(row: dict, path: Path, line: int) -> Equation:
    label = (row.get("Filename") or "").strip() or "?"
    where = f"{path} line {line} ({label})"
    if None in row:
        raise EquationsError(f"{where}: more cells than columns")
    formula = (row.get("Formula") or "").strip()
    if not formula:
        raise EquationsError(f"{where}: no formula")
    try:
        count = float(row["# variables"])
        if count != int(count) or count < 1:
            raise ValueError
        count = int(count)
    except (TypeError, ValueError):
        raise EquationsError(f"{where}: '# variables' is {row.get('# variables')!r}, not a positive integer") from None
    variables = []
    for i in range(1, count + 1):
        name = (row.get(f"v{i}_name") or "").strip()
        try:
            low, high = float(row[f"v{i}_low"]), float(row[f"v{i}_high"])
        except (KeyError, TypeError, ValueError):
            raise EquationsError(f"{where}: variable {i} ({name or 'no name'}) has no numeric range") from None
        if not name:
            raise EquationsError(f"{where}: variable {i} has no name")
        if not (math.isfinite(low) and math.isfinite(high) and low <= high):
            raise EquationsError(f"{where}: variable {name} has the range [{low}, {high}]")
        variables.append((name, low, high))
    truth, xs = parse(formula, [v[0] for v in variables], where)
    return Equation(label, (row.get("Name") or "").strip() or label, (row.get("Output") or "").strip(),
                    formula, variables, truth, xs, line)


def parse(formula: str, names: list, where: str = "formula"):
    """(sympy expression over x1..xn, (x1..xn)): each name replaced by a placeholder before
    parsing (names like `lambda`, `I` or `E` would otherwise mean something else)."""
    xs = sympy.symbols(f"x1:{len(names) + 1}")
    if len(set(names)) != len(names):
        raise EquationsError(f"{where}: a variable name appears twice in {names}")
    text = formula
    for i in sorted(range(len(names)), key=lambda i: -len(names[i])):
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(names[i])}(?![A-Za-z0-9_])", f"x{i + 1}", text)
    local = {**FUNCTIONS, **{str(x): x for x in xs}}
    try:
        expr = parse_expr(text, local_dict=local, transformations=standard_transformations, evaluate=True)
    except Exception as exc:  # noqa: BLE001 - any parse failure names the row
        raise EquationsError(f"{where}: cannot parse the formula {formula!r} ({type(exc).__name__}: {exc})") from None
    if not isinstance(expr, sympy.Expr):
        raise EquationsError(f"{where}: the formula {formula!r} is not an expression")
    unknown = expr.free_symbols - set(xs)
    undefined = expr.atoms(AppliedUndef)
    if unknown or undefined:
        what = sorted(str(s) for s in unknown) + sorted(str(f.func) for f in undefined)
        raise EquationsError(f"{where}: the formula {formula!r} uses {', '.join(what)}, "
                             f"which is not among its variables {names} or the known functions")
    return expr, xs


def evaluator(expr, xs):
    """A pure-Python function of one row: its float value, or None where undefined or not real."""
    fn = sympy.lambdify(xs, expr, modules="math")

    def value(row):
        try:
            v = fn(*row)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return None
        if isinstance(v, complex):
            return None
        try:
            v = float(v)
        except (TypeError, ValueError):
            return None
        return v if math.isfinite(v) else None
    return value


def draw(eq: Equation, rows: int, seed, box) -> dict:
    """{"x": [[...] per row], "y": [...], "dropped": n}: `rows` points from `box` [(lo, hi)]."""
    rng = random.Random(seed)
    value = evaluator(eq.truth, eq.xs)
    xs, ys, dropped = [], [], 0
    for _ in range(rows):
        point = [rng.uniform(lo, hi) for lo, hi in box]
        v = value(point)
        if v is None:
            dropped += 1
            continue
        xs.append(point)
        ys.append(v)
    return {"x": xs, "y": ys, "dropped": dropped}


def sample(eq: Equation, rows: int, seed: int = 0) -> dict:
    """Rows inside the file's ranges."""
    return draw(eq, rows, f"{seed}:{eq.filename}:in", [(lo, hi) for _, lo, hi in eq.variables])


def outside_box(eq: Equation) -> list:
    return [(hi, hi + (hi - lo)) for _, lo, hi in eq.variables]


def outside(eq: Equation, rows: int, seed: int = 0) -> dict:
    """Rows just past the ranges, for the extrapolation error: [high, high + (high - low)]."""
    return draw(eq, rows, f"{seed}:{eq.filename}:out", outside_box(eq))


def rms(values) -> float:
    return math.sqrt(sum(v * v for v in values) / len(values)) if values else 0.0


def noisy(y: list, sigma: float, seed) -> list:
    """SRBench's target noise: y + N(0, sigma * RMS(y)) on every row (sigma 0: y itself)."""
    if sigma <= 0:
        return list(y)
    rng = random.Random(seed)
    scale = sigma * rms(y)
    return [v + rng.gauss(0.0, scale) for v in y]


def table(points: dict, y: list) -> dict:
    """The dict of columns `discover` reads: x1..xn and y."""
    n = len(points["x"][0]) if points["x"] else 0
    cols = {f"x{i + 1}": [row[i] for row in points["x"]] for i in range(n)}
    cols["y"] = list(y)
    return cols
