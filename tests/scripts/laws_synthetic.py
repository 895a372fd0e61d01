"""Synthetic physics-shaped laws for developing engine.laws.discover (a measurement, not a test).

    PYTHONPATH=. python tests/scripts/laws_synthetic.py [--budget 10] [--noise 0.01] [--only NAME]
"""
import argparse
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import sympy  # noqa: E402

from engine.laws import discover  # noqa: E402

a, b, c, d, e = sympy.symbols("a b c d e", positive=True)
LAWS = [  # name, sympy truth, ranges per variable
    ("product", a * b * c, [(1, 5)] * 3),
    ("coulomb", a * b / (4 * sympy.pi * c * d ** 2), [(1, 5)] * 4),
    ("boltzmann", a * sympy.exp(-b * c / (d * e)), [(1, 3)] * 5),
    ("lorentz", a / sympy.sqrt(1 - b ** 2 / c ** 2), [(1, 5), (1, 2), (3, 10)]),
    ("rel-mass-v", a * b / sympy.sqrt(1 - b ** 2 / c ** 2), [(1, 5), (1, 2), (3, 10)]),
    ("pendulum", 2 * sympy.pi * sympy.sqrt(a / b), [(1, 5)] * 2),
    ("trig-product", a * b * sympy.sin(c), [(1, 5), (1, 5), (0, 3)]),
    ("cos-diff", a * sympy.cos(b - c), [(1, 5), (0, 6), (0, 6)]),
    ("sum-squares", sympy.sqrt(a ** 2 + b ** 2 + c ** 2), [(1, 5)] * 3),
    ("planck", a / (sympy.exp(b / c) - 1), [(1, 5)] * 3),
    ("doppler", a * (1 + b / c) / sympy.sqrt(1 - b ** 2 / c ** 2), [(1, 5), (1, 2), (3, 10)]),
    ("gravity-pot", -a * b * c * (1 / d - 1 / e), [(1, 5)] * 3 + [(1, 2), (3, 5)]),
    ("damped", a * sympy.exp(-b * c) * sympy.cos(d * c), [(1, 3)] * 4),
    ("asin", sympy.asin(a / b), [(1, 2), (3, 5)]),
    ("rel-energy", a * c ** 2 / sympy.sqrt(1 - b ** 2 / c ** 2), [(1, 5), (1, 2), (3, 10)]),
    ("malus", a * sympy.cos(b) ** 2, [(1, 5), (0, 1.5)]),
    ("exp-ratio", a * sympy.exp(-b / c), [(1, 5)] * 3),
    ("sum-products", a * b + c * d, [(1, 5)] * 4),
    ("kinetic+pot", a * b ** 2 / 2 + a * c * d, [(1, 5)] * 4),
]


def table(truth, ranges, rows=1000, seed=0, noise=0.0):
    syms = sorted(truth.free_symbols, key=lambda s: s.name)
    fn = sympy.lambdify(syms, truth, modules="math")
    rng = random.Random(seed)
    out = {s.name: [] for s in syms}
    out["y"] = []
    for _ in range(rows):
        p = [rng.uniform(*r) for r in ranges]
        v = fn(*p)
        for s, x in zip(syms, p):
            out[s.name].append(x)
        out["y"].append(v * (1 + noise * rng.gauss(0, 1)))
    return out


def same(found, truth, ranges=None):
    pos = {s: sympy.Symbol(s.name, positive=True) for s in found.free_symbols}
    found = found.xreplace(pos)
    try:
        if sympy.simplify(found - truth) == 0:
            return True
        r = sympy.simplify(found / truth)
        if r.is_number and abs(float(r) - 1) < 1e-6:
            return True
    except Exception:  # noqa: BLE001
        return False
    # sympy may miss an identity: compare on fresh points, wider than the data's ranges
    syms = sorted(truth.free_symbols, key=lambda s: s.name)
    if ranges is None or not found.free_symbols <= set(syms):
        return False
    f, t = (sympy.lambdify(syms, e, modules="math") for e in (found, truth))
    rng = random.Random(7)
    for _ in range(50):
        p = [rng.uniform(lo, hi) for lo, hi in ranges]
        try:
            a, b = complex(f(*p)), complex(t(*p))
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        if abs(a - b) > 1e-8 * abs(b):
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=10)
    ap.add_argument("--noise", type=float, default=None)
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    ok = wrong = 0
    for name, truth, ranges in LAWS:
        if args.only and args.only not in name:
            continue
        t = table(truth, ranges, noise=args.noise or 0.0)
        start = time.monotonic()
        law = discover(t, "y", budget_s=args.budget, noise=args.noise)
        good = same(law.expression, truth, ranges)
        ok += good and law.status == "exact"
        wrong += law.status == "exact" and not good
        print(f"{name:14s} {law.status:11s} {time.monotonic() - start:5.1f}s right={good} "
              f"max={law.max_rel_error:.2e} rms={law.rms_rel_error:.4f} y = {law.expression}", flush=True)
    print(f"exact and right: {ok}; exact but not the truth: {wrong}")


if __name__ == "__main__":
    main()
