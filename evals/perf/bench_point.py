"""Ground point queries `path(a, b)` through the public API, each paired with SWI-Prolog tabling.

    PYTHONPATH=. .venv/bin/python evals/perf/bench_point.py [--quick] [--timeout S] [--only SHAPE]
        [--no-false] [--no-swi]

Shapes: a chain, a seeded random graph (20,000 nodes, 48,000 edges), a grid, a binary tree;
forms: right-recursive, left-recursive, non-linear (each with `path(X, Y) :- edge(X, Y).`).
Per row: `tell` time, the first `ask` of a reachable pair (parse, route, search, proof and
the kernel's check of it), a second `ask` on the same KB, and the closed-world `false` case
(`closed path. closed edge.`, an unreachable pair) on a KB of its own; beside them SWI-Prolog
with `:- table path/2.` run as a subprocess: the whole process's wall time (load + query)
and the query's own time. Each engine case runs in a subprocess with a time limit, so the
same script measures an older engine (PYTHONPATH=/path/to/old/checkout) without hanging.

Measured 2026-12-05 (2-core CPU box, seconds; `ask` = first query on the KB, which also pays
~0.8 s of the theory's routing index; before = magic sets, limit 60 s):

    shape   form       before ask   after ask  ask2   false*  SWI wall/query
    chain   right         >60         1.18     0.67   0.72    0.32/0.17
    chain   left          >60         1.10     0.58   0.71    0.16/0.02
    chain   nonlinear     >60         1.39     1.10   0.76    >30
    random  right         >60         0.98     0.11   1.85    0.63/0.29
    random  left          2.00        0.94     0.10   1.54    0.35/0.05
    random  nonlinear     >60         0.93     0.11   1.55    >30
    grid    right         >60         0.95     0.13   1.25    0.28/0.01
    grid    left          4.95        0.92     0.12   1.22    0.29/0.03
    grid    nonlinear     >60         0.93     0.11   1.24    >30
    tree    right         0.89        0.50     0.05   0.71    0.17/0.02
    tree    left          0.96        0.47     0.05   0.71    0.16/0.02
    tree    nonlinear     2.73        0.47     0.05   0.72    0.61/0.47

  * false: with --proposed (theory.is_closed_false reading the goal-directed model); without
    it the whole least model is built: >60 s on chain, random and grid, 1-1.7 s on the tree.
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

FORMS = {
    "right": ("path(X, Z) :- edge(X, Y), path(Y, Z).", "path(X, Z) :- edge(X, Y), path(Y, Z)."),
    "left": ("path(X, Z) :- path(X, Y), edge(Y, Z).", "path(X, Z) :- path(X, Y), edge(Y, Z)."),
    "nonlinear": ("path(X, Z) :- path(X, Y), path(Y, Z).", "path(X, Z) :- path(X, Y), path(Y, Z)."),
}
EXIT = "path(X, Y) :- edge(X, Y)."


# ---------------------------------------------------------------- graphs
def chain(n):
    return [(i, i + 1) for i in range(n - 1)], n


def random_graph(n, m, seed=1):
    rng, edges = random.Random(seed), set()
    while len(edges) < m:
        edges.add((rng.randrange(n), rng.randrange(n)))
    return sorted(edges), n


def grid(k):
    right = [(r * k + c, r * k + c + 1) for r in range(k) for c in range(k - 1)]
    down = [(r * k + c, (r + 1) * k + c) for r in range(k - 1) for c in range(k)]
    return right + down, k * k


def tree(n):
    return [((i - 1) // 2, i) for i in range(1, n)], n


def shapes(quick: bool) -> dict:
    s = 10 if quick else 1
    return {"chain": chain(20_000 // s), "random": random_graph(20_000 // s, 48_000 // s),
            "grid": grid(141 if not quick else 45), "tree": tree(20_000 // s)}


def reach(edges, a) -> set:
    succ: dict = {}
    for u, v in edges:
        succ.setdefault(u, []).append(v)
    seen, todo = set(), deque([a])
    while todo:
        for v in succ.get(todo.popleft(), ()):
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def queries(shape: str, edges, n) -> tuple:
    """(a reachable pair, a second reachable pair, an unreachable pair)."""
    if shape == "tree":       # the second: node 1 to the deepest of its leftmost descendants
        return (0, n - 1), (1, (1 << (n.bit_length() - 1)) - 1), (n - 1, 0)
    if shape != "random":
        return (0, n - 1), (1, n - 2), (n - 1, 0)
    far = reach(edges, 1)
    yes = 2 if 2 in far else min(far)
    no = next(b for b in range(n) if b not in reach(edges, 2) and b != 2)
    return (1, yes), (3, min(reach(edges, 3)) if reach(edges, 3) else 3), (2, no)


# ---------------------------------------------------------------- one engine case (a subprocess)
def engine_case(shape: str, form: str, kind: str, quick: bool) -> dict:
    from engine.kb import KnowledgeBase
    edges, n = shapes(quick)[shape]
    true1, true2, false = queries(shape, edges, n)
    text = " ".join([EXIT, FORMS[form][0]] + [f"edge(n{u}, n{v})." for u, v in edges]
                    + [f"node(n{i})." for i in range(n)])
    if kind.startswith("false"):
        text += " closed path. closed edge."
    kb = KnowledgeBase()
    t = time.perf_counter()
    kb.tell(text)
    out = {"tell": time.perf_counter() - t}
    pairs = [("ask", true1), ("ask2", true2)] if kind == "true" else [("false", false)]
    for name, (a, b) in pairs:
        t = time.perf_counter()
        answer = kb.ask(f"path(n{a}, n{b})")
        out[name] = time.perf_counter() - t
        out[name + "_verdict"] = answer.verdict.value
        out[name + "_steps"] = len(answer.proof.steps) if answer.proof is not None else 0
    return out


def run_engine(shape, form, kind, quick, timeout) -> dict:
    cmd = [sys.executable, __file__, "--case", shape, form, kind] + (["--quick"] if quick else [])
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- SWI-Prolog
def run_swipl(shape, form, quick, timeout) -> dict:
    swipl = shutil.which("swipl") or "/usr/bin/swipl"
    if not os.path.exists(swipl):
        return {"error": "no swipl"}
    edges, n = shapes(quick)[shape]
    (a, b), _, _ = queries(shape, edges, n)
    lines = [":- table path/2.", "path(X, Y) :- edge(X, Y).", FORMS[form][1]]
    lines += [f"edge(n{u}, n{v})." for u, v in edges]
    lines += [":- initialization(main).",
              f"main :- get_time(T0), (path(n{a}, n{b}) -> R = true ; R = false), get_time(T1), "
              "T is T1 - T0, format('~w ~6f~n', [R, T]), halt."]
    with tempfile.NamedTemporaryFile("w", suffix=".pl", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    try:
        t = time.perf_counter()
        done = subprocess.run([swipl, "-q", f.name], capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    finally:
        os.unlink(f.name)
    verdict, query = done.stdout.split()[:2]
    return {"wall": wall, "query": float(query), "verdict": verdict}


# ---------------------------------------------------------------- the table
def cell(d: dict, key: str) -> str:
    if "timeout" in d:
        return f">{d['timeout']}s"
    if "error" in d:
        return "-" if d["error"] == "skipped" else "error"
    return f"{d[key]:.3f}" if key in d else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--only", default=None, help="one shape")
    ap.add_argument("--forms", default="right,left,nonlinear")
    ap.add_argument("--no-false", action="store_true")
    ap.add_argument("--no-swi", action="store_true")
    ap.add_argument("--case", nargs=3)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(engine_case(*args.case, args.quick)))
        return
    print(f"{'shape':8} {'form':10} {'tell':>8} {'ask':>8} {'verdict':>7} {'steps':>6} {'ask2':>8} "
          f"{'false':>8} {'verdict':>7} {'swi wall':>9} {'swi query':>9}")
    for shape in [args.only] if args.only else ["chain", "random", "grid", "tree"]:
        for form in args.forms.split(","):
            t = run_engine(shape, form, "true", args.quick, args.timeout)
            f = {"false_verdict": "-"} if args.no_false else run_engine(shape, form, "false", args.quick, args.timeout)
            p = {"error": "skipped"} if args.no_swi else run_swipl(shape, form, args.quick, args.timeout)
            print(f"{shape:8} {form:10} {cell(t, 'tell'):>8} {cell(t, 'ask'):>8} {t.get('ask_verdict', '-'):>7} "
                  f"{t.get('ask_steps', '-'):>6} {cell(t, 'ask2'):>8} {cell(f, 'false'):>8} "
                  f"{f.get('false_verdict', '-'):>7} {cell(p, 'wall'):>9} {cell(p, 'query'):>9}", flush=True)


if __name__ == "__main__":
    main()
