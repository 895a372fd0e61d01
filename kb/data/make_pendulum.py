"""Write kb/data/pendulum.csv: 100 pendulums, length (m) and the period (s) measured at
g = 9.81 m/s^2, t = 2 pi sqrt(length / 9.81), from a fixed seed (the demo of `scientia demo`
discovers this law back). Run: python kb/data/make_pendulum.py"""
import math
import random
from pathlib import Path


def main():
    rng = random.Random(16)
    rows = ["length,t"]
    for _ in range(100):
        length = round(rng.uniform(0.1, 5.0), 3)
        rows.append(f"{length!r},{2 * math.pi * math.sqrt(length / 9.81)!r}")
    Path(__file__).with_name("pendulum.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
