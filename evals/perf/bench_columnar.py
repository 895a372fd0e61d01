"""Columnar backend vs DuckDB's own recursive CTE, on transitive closures.

    python evals/perf/bench_columnar.py [--only chain2000,chain8000,random10000]

Each measurement runs in its own subprocess, so the peak RSS (resource.getrusage of the child)
is that run's alone. Workloads (integer node ids):

    chain N          edges i -> i+1, i < N           closure N(N+1)/2 tuples
    random 10000     20,000 seeded random edges      (about 64.7 M tuples)

`columnar`: engine.horn.columnar.saturate(path rules, facts, threshold=0) and the size of path
(the public API: facts in Python, encoding, load, CTE, count). `duckdb`: a hand-written
WITH RECURSIVE ... UNION over an INTEGER edge table, counted. Times are printed, not asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def edges(kind: str, n: int) -> list:
    if kind == "chain":
        return [(i, i + 1) for i in range(n)]
    rng = random.Random(20261205)
    out = set()
    while len(out) < 2 * n:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            out.add((a, b))
    return sorted(out)


def run_columnar(kind: str, n: int) -> dict:
    from engine.horn import columnar
    from engine.horn.compile import HornRule
    from engine.language.syntax import Var
    X, Y, Z = Var("X"), Var("Y"), Var("Z")
    rules = [HornRule(("path", (X, Y)), (("pos", "edge", (X, Y)),), 0),
             HornRule(("path", (X, Z)), (("pos", "edge", (X, Y)), ("pos", "path", (Y, Z))), 1)]
    facts = {"edge": set(edges(kind, n))}
    t = time.perf_counter()
    model = columnar.saturate(rules, facts, threshold=0)
    size = model.size("path")
    return {"seconds": time.perf_counter() - t, "tuples": size, "plan": [list(p) for p in model.plan]}


def run_duckdb(kind: str, n: int) -> dict:
    import duckdb
    import pyarrow as pa
    es = edges(kind, n)
    con = duckdb.connect(config={"threads": 2})
    t = time.perf_counter()
    table = pa.table({"a": pa.array([a for a, _ in es], pa.int32()), "b": pa.array([b for _, b in es], pa.int32())})
    con.register("e0", table)
    con.execute("CREATE TABLE edge AS SELECT * FROM e0")
    size = con.execute("""WITH RECURSIVE path(a, b) AS (
        SELECT a, b FROM edge UNION SELECT e.a, p.b FROM edge e JOIN path p ON e.b = p.a)
        SELECT count(*) FROM path""").fetchone()[0]
    return {"seconds": time.perf_counter() - t, "tuples": size}


def child(which: str, kind: str, n: int) -> None:
    out = (run_columnar if which == "columnar" else run_duckdb)(kind, n)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def measure(which: str, kind: str, n: int) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, __file__, "--child", which, kind, str(n)],
                          capture_output=True, text=True, env=env)
    if proc.returncode:
        return {"error": proc.stderr[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


WORKLOADS = {"chain2000": ("chain", 2000), "chain8000": ("chain", 8000), "random10000": ("random", 10000)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=3)
    ap.add_argument("--only", default=",".join(WORKLOADS))
    args = ap.parse_args()
    if args.child:
        which, kind, n = args.child
        return child(which, kind, int(n))
    for name in args.only.split(","):
        kind, n = WORKLOADS[name]
        row = {which: measure(which, kind, n) for which in ("duckdb", "columnar")}
        d, c = row["duckdb"], row["columnar"]
        if "error" in d or "error" in c:
            print(name, json.dumps(row))
            continue
        print(f"{name:12s} tuples {c['tuples']:>11,}  duckdb CTE {d['seconds']:7.2f} s {d['peak_rss_mb']:7.0f} MB"
              f"   columnar {c['seconds']:7.2f} s {c['peak_rss_mb']:7.0f} MB   ratio {c['seconds'] / d['seconds']:.2f}x"
              f"   plan {c['plan']}", flush=True)


if __name__ == "__main__":
    main()
