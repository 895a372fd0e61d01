"""Scale through the public API, whole process, paired in one run with SWI-Prolog and DuckDB.

    .venv/bin/python evals/perf/bench_scale.py            # every row (several minutes)
    .venv/bin/python evals/perf/bench_scale.py --quick    # small sizes, a smoke test
    .venv/bin/python evals/perf/bench_scale.py --only chain

Every figure is one whole process (interpreter start, imports, reading the facts from a file,
the work, exit), started from here, with its wall time, CPU time (user + system) and peak
resident memory as the kernel of the OS counts them for that child (`os.wait4`); with
`--repeats N`, the run of median wall time (the systems interleaved), and the largest peak.

- ours: a fresh `KnowledgeBase`, `load` of the facts file, then the query through the API as a
  user calls it: every answer iterated (`for a in kb.ask_all(...)`), or `len(kb.ask_all(...))`
  plus one kernel-checked proof of the deepest answer (`kb.ask(...)`), or one point `ask`.
- SWI-Prolog (tabling, `:- table path/2.`): consult the same facts, count every answer with
  `aggregate_all(count, ...)` (which iterates them), or prove the point query.
- DuckDB: its own `WITH RECURSIVE ... UNION` over the edge table read from a CSV file, the
  count of the closure; once with the node names as VARCHAR, once as INTEGER (the faster,
  leaner form a DuckDB user would write by hand; ours/DuckDB is against the better of the two).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RIGHT = "path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n"
PROLOG = ":- table path/2.\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n"


# ---------------------------------------------------------------- graphs
def chain(n: int) -> list:
    return [(i, i + 1) for i in range(n - 1)]


def random_graph(n: int, m: int, seed: int = 0) -> list:
    """m distinct directed edges between n nodes, drawn uniformly (self-loops allowed)."""
    rnd, out = random.Random(seed), set()
    while len(out) < m:
        out.add((rnd.randrange(n), rnd.randrange(n)))
    return sorted(out)


def farthest(edges: list, start: int) -> tuple:
    """The node reachable from `start` by the longest shortest path, and that length."""
    succ: dict = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
    depth, queue, last = {start: 0}, deque([start]), start
    while queue:
        x = queue.popleft()
        last = x
        for y in succ.get(x, ()):
            if y not in depth:
                depth[y] = depth[x] + 1
                queue.append(y)
    return last, depth[last]


# ---------------------------------------------------------------- the children
def child_ours(kb_file: str, mode: str, goal: str) -> dict:
    from engine.kb import KnowledgeBase
    kb = KnowledgeBase()
    kb.load(kb_file)
    if mode == "iterate":
        n = 0
        for _ in kb.ask_all("path(X, Y)"):
            n += 1
        return {"answers": n}
    if mode == "count+proof":
        n = len(kb.ask_all("path(X, Y)"))
        a = kb.ask(goal)
        assert a.verdict.value == "true" and a.proof is not None, a
        return {"answers": n, "proof steps": len(a.proof.steps)}
    a = kb.ask(goal)
    assert a.verdict.value == "true" and a.proof is not None, a
    return {"proof steps": len(a.proof.steps)}


def child_duckdb(csv_file: str, typ: str) -> dict:
    import duckdb
    con = duckdb.connect()
    con.execute(f"CREATE TABLE edge AS SELECT * FROM read_csv('{csv_file}', header=false, "
                f"columns={{'a': '{typ}', 'b': '{typ}'}})")
    n = con.execute("WITH RECURSIVE path(a, b) AS (SELECT a, b FROM edge UNION "
                    "SELECT e.a, p.b FROM edge e JOIN path p ON e.b = p.a) SELECT count(*) FROM path").fetchone()[0]
    return {"answers": n}


def measured(argv: list, timeout: float) -> dict:
    """Run a whole process: its wall time, CPU time (user + system) and peak RSS, from
    `os.wait4` on that child alone, and the JSON it printed last."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True, cwd=ROOT)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return {"error": f"timeout after {timeout:.0f} s"}
            time.sleep(0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    if proc.returncode != 0:
        last = errors.strip().splitlines()[-1] if errors.strip() else ""
        return {"error": f"exit {proc.returncode}: {last}"}
    lines = [line for line in text.splitlines() if line.startswith("{")]
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "out": text, "result": json.loads(lines[-1]) if lines else {}}


# ---------------------------------------------------------------- rows
def write_inputs(folder: Path, edges: list) -> dict:
    facts = "".join(f"edge(n{a}, n{b}).\n" for a, b in edges)
    (folder / "graph.kb").write_text(facts + RIGHT)
    (folder / "graph.pl").write_text(PROLOG + facts.replace(", ", ","))
    (folder / "edges_names.csv").write_text("".join(f"n{a},n{b}\n" for a, b in edges))
    (folder / "edges_ints.csv").write_text("".join(f"{a},{b}\n" for a, b in edges))
    return {k: str(folder / k) for k in ("graph.kb", "graph.pl", "edges_names.csv", "edges_ints.csv")}


def row(name: str, edges: list, mode: str, goal: str, peers: list, timeout: float, repeats: int = 1) -> dict:
    """One workload: each system's process run `repeats` times, interleaved (ours, then the
    peers, then again), so that a slow spell of the machine hits all of them alike."""
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        files = write_inputs(Path(tmp), edges)
        systems = {"ours": [py, __file__, "--child", "ours", files["graph.kb"], mode, goal]}
        if "swipl" in peers and shutil.which("swipl"):
            query = "aggregate_all(count, path(_,_), C), write(C), nl" if mode == "iterate" else \
                f"({goal.replace(' ', '')} -> write(yes) ; write(no)), nl"
            systems["swipl"] = ["swipl", "-g", query, "-t", "halt", files["graph.pl"]]
        if "duckdb" in peers:
            systems["duckdb names"] = [py, __file__, "--child", "duckdb", files["edges_names.csv"], "VARCHAR"]
            systems["duckdb ints"] = [py, __file__, "--child", "duckdb", files["edges_ints.csv"], "INTEGER"]
        runs: dict = {k: [] for k in systems}
        for _ in range(repeats):
            for k, argv in systems.items():
                runs[k].append(measured(argv, timeout))
        return {"workload": name, **{k: _median(v) for k, v in runs.items()}}


def _median(runs: list) -> dict:
    """The run of median wall time (its CPU and result with it), with the largest peak RSS of all."""
    ok = [r for r in runs if "error" not in r]
    if len(ok) < len(runs):
        return next(r for r in runs if "error" in r)
    ok.sort(key=lambda r: r["wall"])
    mid = dict(ok[len(ok) // 2])
    mid["rss_mb"] = max(r["rss_mb"] for r in ok)
    mid["runs"] = len(ok)
    return mid


def show(results: list) -> None:
    print("| workload | system | wall s | CPU s | peak MB | result |")
    print("|---|---|---|---|---|---|")
    for r in results:
        for system, got in r.items():
            if system == "workload":
                continue
            if "error" in got:
                print(f"| {r['workload']} | {system} | - | - | - | {got['error']} |")
                continue
            result = got.get("result") or got["out"].strip()[-60:]
            rss = f"{got['rss_mb']:.0f}" if got.get("rss_mb") else "?"
            print(f"| {r['workload']} | {system} | {got['wall']:.2f} | {got['cpu']:.2f} | {rss} | {result} |")
        ours = r["ours"]
        peers = [(k, v) for k, v in r.items() if k not in ("workload", "ours") and "error" not in v]
        if "error" not in ours and peers:
            best = min(peers, key=lambda kv: kv[1]["wall"])
            print(f"|  | ours / {best[0]} |  {ours['wall'] / best[1]['wall']:.2f}x wall | "
                  f"{ours['cpu'] / max(best[1]['cpu'], 1e-9):.2f}x CPU | | |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--only", help="rows whose name contains this text")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per process")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--repeats", type=int, default=1, help="runs per system (median wall, largest RSS)")
    args = parser.parse_args(argv)
    q = args.quick
    n_iter, n_chain, n_rand, n_point = (300, 800, 600, 2000) if q else (2000, 8000, 10_000, 20_000)
    rand = random_graph(n_rand, 2 * n_rand, seed=1)
    far, depth = farthest(rand, 0)
    point = random_graph(n_point, int(2.4 * n_point), seed=2)
    rows = [
        (f"chain n={n_iter}: every answer of path(X, Y) iterated", chain(n_iter), "iterate", "", ["swipl"]),
        (f"chain n={n_chain}: len(ask_all(path(X, Y))) + proof of path(n0, n{n_chain - 1})", chain(n_chain),
         "count+proof", f"path(n0, n{n_chain - 1})", ["duckdb"]),
        (f"random graph n={n_rand}, {2 * n_rand} edges: len(ask_all(path(X, Y))) + proof of path(n0, n{far}) "
         f"({depth} edges)", rand, "count+proof", f"path(n0, n{far})", ["duckdb"]),
        (f"random graph n={n_point}, {len(point)} edges: ask(path(n1, n2)) with its proof", point, "point",
         "path(n1, n2)", ["swipl"]),
    ]
    results = []
    for name, edges, mode, goal, peers in rows:
        if args.only and args.only not in name:
            continue
        print(f"... {name}", file=sys.stderr, flush=True)
        results.append(row(name, edges, mode, goal, peers, args.timeout, args.repeats))
    show(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        kind, *rest = sys.argv[2:]
        got = child_ours(*rest) if kind == "ours" else child_duckdb(*rest)
        print(json.dumps(got))
    else:
        main()
