"""Probe: engine.laws.discover on the 20 AI Feynman bonus equations (a measurement, not a test).

For each equation: 1,000 rows (seed 0, each variable uniform in its range), the variables
renamed x1..xn, rows where the formula is undefined or not real dropped, `discover` with a
20 s budget; "recovered" when, after rounding the law's float constants to 3 digits, the
difference from the truth is a constant or the ratio is a nonzero constant (sympy, with the
variables declared positive: every range in the file is nonnegative).

    .venv/bin/python evals/laws_bonus_probe.py [--data ../shared/data/feynman/BonusEquations.csv]
"""
from __future__ import annotations

import argparse
import csv
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sympy  # noqa: E402

from engine.laws import discover  # noqa: E402

DEFAULT = Path("/work/shared/data/feynman/BonusEquations.csv")


def equations(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if not row.get("Formula"):
                continue
            n = int(row["# variables"])
            variables = [(row[f"v{i}_name"], float(row[f"v{i}_low"]), float(row[f"v{i}_high"]))
                         for i in range(1, n + 1)]
            yield row["Filename"], row["Name"], row["Formula"], variables


def truth_of(formula, variables):
    names = [v[0] for v in variables]
    local = {name: sympy.Symbol(name) for name in names}
    local.update(pi=sympy.pi, arccos=sympy.acos, arcsin=sympy.asin, arctan=sympy.atan, ln=sympy.log)
    expr = sympy.sympify(formula, locals=local)
    xs = sympy.symbols(f"x1:{len(names) + 1}")
    return expr.xreplace({local[n]: x for n, x in zip(names, xs)}), xs


def sample(truth, xs, variables, rows=1000, seed=0):
    rng = random.Random(seed)
    fn = sympy.lambdify(xs, truth, modules="math")
    table = {str(x): [] for x in xs}
    table["y"] = []
    for _ in range(rows):
        point = [rng.uniform(lo, hi) for _, lo, hi in variables]
        try:
            value = fn(*point)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        if isinstance(value, complex) or not math.isfinite(value):
            continue
        for x, v in zip(xs, point):
            table[str(x)].append(v)
        table["y"].append(float(value))
    return table


def recovered(found, truth):
    rounded = found.xreplace({f: sympy.Float(round(float(f), 3)) for f in found.atoms(sympy.Float)})
    # every variable range in the file is nonnegative: positive symbols let sqrt(a**3) = a**(3/2)
    positive = {s: sympy.Symbol(s.name, positive=True) for s in rounded.free_symbols | truth.free_symbols}
    rounded, truth = rounded.xreplace(positive), truth.xreplace(positive)
    try:
        diff = sympy.simplify(rounded - truth)
        if not diff.free_symbols:
            return True
        ratio = sympy.simplify(rounded / truth)
        return not ratio.free_symbols and ratio != 0
    except Exception:  # noqa: BLE001 - a measurement: any sympy failure counts as not recovered
        return False


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--budget", type=float, default=20.0)
    args = parser.parse_args(argv)
    count = total = 0
    for filename, name, formula, variables in equations(args.data):
        truth, xs = truth_of(formula, variables)
        table = sample(truth, xs, variables)
        start = time.monotonic()
        law = discover(table, "y", budget_s=args.budget, seed=0)
        seconds = time.monotonic() - start
        ok = recovered(law.expression, truth)
        total += 1
        count += ok
        print(f"{filename:8s} {name[:32]:32s} rows={len(table['y']):4d} {law.status:11s} "
              f"max={law.max_rel_error:.2e} rms={law.rms_rel_error:.2e} {seconds:5.1f}s "
              f"n={law.evaluated:7d} recovered={'yes' if ok else 'no'}  law: y = {law.expression}  "
              f"truth: {truth}", flush=True)
    print(f"recovered {count} of {total}")


if __name__ == "__main__":
    main()
