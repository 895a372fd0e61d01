"""The bonus probe (evals/laws_bonus_probe.py) with relative Gaussian noise on the target and the
level passed to discover (a measurement, not a test).

    PYTHONPATH=. python tests/scripts/laws_bonus_noise.py [--budget 20] [--noise 0.01]
"""
import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))

import laws_bonus_probe as probe  # noqa: E402

from engine.laws import discover  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=20.0)
    ap.add_argument("--noise", type=float, default=0.01)
    args = ap.parse_args()
    exact = right = wrong = total = 0
    for filename, name, formula, variables in probe.equations(probe.DEFAULT):
        truth, xs = probe.truth_of(formula, variables)
        table = probe.sample(truth, xs, variables)
        rng = random.Random(1)
        table["y"] = [v * (1 + args.noise * rng.gauss(0, 1)) for v in table["y"]]
        start = time.monotonic()
        law = discover(table, "y", budget_s=args.budget, noise=args.noise, seed=0)
        ok = probe.recovered(law.expression, truth)
        total += 1
        exact += law.status == "exact"
        right += ok and law.status == "exact"
        wrong += law.status == "exact" and not ok
        print(f"{filename:8s} {law.status:11s} {time.monotonic() - start:5.1f}s recovered={'yes' if ok else 'no'} "
              f"y = {law.expression}", flush=True)
    print(f"noise {args.noise}: exact and recovered {right} of {total}, exact but wrong {wrong}")


if __name__ == "__main__":
    main()
