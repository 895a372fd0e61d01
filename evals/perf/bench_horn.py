"""Benchmark of the Horn core against a hand-written loop, clingo and SWI-Prolog.

    .venv/bin/python evals/perf/bench_horn.py            # the full table (a few minutes)
    .venv/bin/python evals/perf/bench_horn.py --quick    # small sizes, a smoke test

Every time is the median of several runs in this one process (the machine is
noisy: compare ratios within one run). clingo is timed in-process (grounding
plus solving through its Python API) and as a process (`python -m clingo`);
SWI-Prolog with tabling as a whole process and, in brackets, the query alone
as SWI measures its CPU time. A column is "-" where the system is missing or
the workload does not apply to it (a point query has no goal direction in
clingo: it would ground the whole closure).

The rows named "API" go through the public KnowledgeBase (tell + ask_all / ask, one proof
built and kernel-checked); their `hand` column is the bare core on the same workload.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.horn.core import HornRule, saturate  # noqa: E402
from engine.horn.magic import solve  # noqa: E402
from engine.language.syntax import Var  # noqa: E402

X, Y, Z, P, A, B = (Var(n) for n in "XYZPAB")


# ---------------------------------------------------------------- programs
def _rule(i, head, *body):
    return HornRule(head, tuple(("pos",) + b for b in body), i)


RIGHT = [_rule(0, ("path", (X, Y)), ("edge", (X, Y))),
         _rule(1, ("path", (X, Z)), ("edge", (X, Y)), ("path", (Y, Z)))]
LEFT = [_rule(0, ("path", (X, Y)), ("edge", (X, Y))),
        _rule(1, ("path", (X, Z)), ("path", (X, Y)), ("edge", (Y, Z)))]
SG = [_rule(0, ("sg", (X, Y)), ("par", (X, P)), ("par", (Y, P))),
      _rule(1, ("sg", (X, Y)), ("par", (X, A)), ("sg", (A, B)), ("par", (Y, B)))]

ASP = {"right": "path(X,Y) :- edge(X,Y).\npath(X,Z) :- edge(X,Y), path(Y,Z).\n",
       "left": "path(X,Y) :- edge(X,Y).\npath(X,Z) :- path(X,Y), edge(Y,Z).\n",
       "sg": "sg(X,Y) :- par(X,P), par(Y,P).\nsg(X,Y) :- par(X,A), sg(A,B), par(Y,B).\n"}
PROLOG = {k: ":- table path/2.\n:- table sg/2.\n" + v for k, v in ASP.items()}


def chain(n):
    return {(f"n{i}", f"n{i + 1}") for i in range(n - 1)}


def random_graph(n, seed=7):
    rng = random.Random(seed)
    return {(f"n{rng.randrange(n)}", f"n{rng.randrange(n)}") for _ in range(2 * n)}


def binary_tree(depth):
    return {(f"t{i}", f"t{(i - 1) // 2}") for i in range(1, 2 ** (depth + 1) - 1)}


def facts_text(pred, tuples):
    return "".join(f"{pred}({','.join(t)}).\n" for t in sorted(tuples))


# ---------------------------------------------------------------- hand-written loops
def hand_closure(edges, left=False):
    """Semi-naive transitive closure as a person writes it: one index, sets."""
    index = defaultdict(list)
    for x, y in edges:
        index[x if left else y].append(y if left else x)
    path, delta = set(edges), set(edges)
    while delta:
        if left:
            new = {(x, z) for (x, y) in delta for z in index.get(y, ()) if (x, z) not in path}
        else:
            new = {(x, z) for (y, z) in delta for x in index.get(y, ()) if (x, z) not in path}
        path |= new
        delta = new
    return path


def hand_sg(par):
    children = defaultdict(list)
    for c, p in par:
        children[p].append(c)
    sg = {(x, y) for kids in children.values() for x in kids for y in kids}
    delta = sg
    while delta:
        new = {(x, y) for (a, b) in delta for x in children.get(a, ()) for y in children.get(b, ())
               if (x, y) not in sg}
        sg |= new
        delta = new
    return sg


def hand_reach(edges, source, target=None, backward=False):
    """Depth-first reachability from source (along reversed edges if backward)."""
    succ = defaultdict(list)
    for x, y in edges:
        if backward:
            x, y = y, x
        succ[x].append(y)
    seen, todo = set(), [source]
    while todo:
        for y in succ.get(todo.pop(), ()):
            if y not in seen:
                seen.add(y)
                todo.append(y)
    return (target in seen) if target is not None else len(seen)


# ---------------------------------------------------------------- other systems
def clingo_inprocess(text):
    import clingo
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], text)
    ctl.ground([("base", [])])
    count = []
    ctl.solve(on_model=lambda m: count.append(len(m.symbols(atoms=True))))
    return count[0]


def clingo_process(path):
    subprocess.run([sys.executable, "-m", "clingo", "--quiet=2", "--warn=none", str(path)],
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def swipl_process(path, goal):
    """Whole-process wall time is measured by the caller; returns SWI's own CPU time of goal."""
    script = (f"consult('{path}'), statistics(cputime, T0), ({goal}), "
              "statistics(cputime, T1), T is T1 - T0, format('~6f~n', [T])")
    out = subprocess.run(["swipl", "-q", "-g", script, "-t", "halt"], capture_output=True,
                         text=True, check=False)
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return float("nan")


# ---------------------------------------------------------------- timing
@dataclass
class Row:
    name: str
    size: str
    ours: float
    hand: float | None = None
    clingo: float | None = None
    clingo_cli: float | None = None
    swipl: float | None = None
    swipl_query: float | None = None
    notes: list = field(default_factory=list)


def median_time(fn: Callable[[], object], repeats: int, freeing: list | None = None) -> float:
    """Median seconds until fn has returned its result (a model, a set, the answers). The
    result is freed after the clock stops; `freeing` gets the median seconds that took."""
    times, frees = [], []
    for _ in range(repeats):
        gc.collect()                    # the previous run's garbage is not this run's cost
        start = time.perf_counter()
        got = fn()
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        del got
        frees.append(time.perf_counter() - start)
    if freeing is not None:
        freeing.append(statistics.median(frees))
    return statistics.median(times)


def process_times(fn: Callable[[], object], repeats: int):
    walls, inner = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        got = fn()
        walls.append(time.perf_counter() - start)
        inner.append(got)
    inner = [t for t in inner if isinstance(t, float)]
    return statistics.median(walls), (statistics.median(inner) if inner else None)


@dataclass
class Workload:
    name: str
    size: str
    ours: Callable[[], object]
    hand: Callable[[], object] | None = None
    asp: str | None = None          # whole program for clingo
    prolog: str | None = None       # whole program for SWI
    goal: str | None = None         # SWI goal


def measure(w: Workload, repeats: int, tmp: Path) -> Row:
    freeing: list = []
    row = Row(w.name, w.size, median_time(w.ours, repeats, freeing))
    if freeing[0] >= 0.01:
        row.notes.append(f"{w.name}: freeing ours afterwards took {freeing[0]:.3f} s (not in the table)")
    if w.hand:
        row.hand = median_time(w.hand, repeats)
    if w.asp is not None:
        row.clingo = median_time(lambda: clingo_inprocess(w.asp), repeats)
        lp = tmp / f"{abs(hash(w.name))}.lp"
        lp.write_text(w.asp)
        row.clingo_cli = median_time(lambda: clingo_process(lp), repeats)
    if w.prolog is not None and shutil.which("swipl"):
        pl = tmp / f"{abs(hash(w.name))}.pl"
        pl.write_text(w.prolog)
        row.swipl, row.swipl_query = process_times(lambda: swipl_process(pl, w.goal), repeats)
    return row


# ---------------------------------------------------------------- workloads
def workloads(quick: bool) -> list:
    n_chain, n_point, n_rand, depth = (300, 1000, 200, 6) if quick else (2000, 8000, 1000, 10)
    out = []
    for kind, rules in (("right", RIGHT), ("left", LEFT)):
        edges = chain(n_chain)
        out.append(Workload(f"closure, chain, {kind}-recursive", f"n={n_chain}",
                            lambda r=rules, e=edges: saturate(r, {"edge": e}),
                            lambda e=edges, k=kind: hand_closure(e, left=k == "left"),
                            ASP[kind] + facts_text("edge", edges),
                            PROLOG[kind] + facts_text("edge", edges),
                            "aggregate_all(count, path(_,_), _)"))
    edges = random_graph(n_rand)
    out.append(Workload("closure, random graph (2n edges)", f"n={n_rand}",
                        lambda: saturate(RIGHT, {"edge": edges}),
                        lambda: hand_closure(edges), ASP["right"] + facts_text("edge", edges),
                        PROLOG["right"] + facts_text("edge", edges),
                        "aggregate_all(count, path(_,_), _)"))
    par = binary_tree(depth)
    out.append(Workload("same generation, binary tree", f"depth={depth}",
                        lambda: saturate(SG, {"par": par}), lambda: hand_sg(par),
                        ASP["sg"] + facts_text("par", par), PROLOG["sg"] + facts_text("par", par),
                        "aggregate_all(count, sg(_,_), _)"))
    out += point_workloads(n_point)
    return out


def point_workloads(n: int) -> list:
    edges, last = chain(n), f"n{n - 1}"
    out = []
    for kind, rules, pattern in (("right", RIGHT, ("n0", last)), ("left", LEFT, ("n0", last)),
                                 ("right", RIGHT, (None, last)), ("left", LEFT, ("n0", None))):
        shown = ", ".join(v or "_" for v in pattern)
        goal = f"path({pattern[0] or '_'}, {pattern[1] or '_'})"
        out.append(Workload(f"solve path({shown}), chain, {kind}", f"n={n}",
                            lambda r=rules, p=pattern: len(list(
                                solve(r, {"edge": edges}, "path", p).match("path", p))),
                            lambda p=pattern: (hand_reach(edges, p[0], p[1]) if p[0]
                                               else hand_reach(edges, p[1], backward=True)),
                            None, PROLOG[kind] + facts_text("edge", edges),
                            f"aggregate_all(count, {goal}, _)"))
    return out


# ---------------------------------------------------------------- latencies
def latencies(quick: bool) -> list:
    """Membership and provenance, once a model is computed."""
    n = 300 if quick else 2000
    lines = []
    m = saturate(RIGHT, {"edge": chain(n)})
    far = ("n0", f"n{n - 1}")
    t = median_time(lambda: m.derivation("path", far), 9)
    lines.append(f"derivation of path{far} in a {m.size('path'):,}-tuple closure: {t * 1e3:.3f} ms")
    m = saturate(LEFT, {"edge": chain(n)})
    t = median_time(lambda: m.derivation("path", far), 9)
    lines.append(f"same, left-recursive program: {t * 1e3:.3f} ms")
    rng = random.Random(1)
    base = {(f"k{i}", rng.randrange(100)) for i in range(50_000)}
    kb = saturate([HornRule(("has", (X,)), (("pos", "r", (X, Y)),), 0)], {"r": base})
    probes = [(f"k{rng.randrange(10 ** 5)}",) for _ in range(1000)]
    t = median_time(lambda: [kb.contains("has", q) for q in probes], 9) / len(probes)
    lines.append(f"membership in a KB of {kb.facts_count():,} facts: {t * 1e6:.2f} us per test")
    npt = 1000 if quick else 8000
    sm = solve(RIGHT, {"edge": chain(npt)}, "path", ("n0", f"n{npt - 1}"))
    t = median_time(lambda: _proof_size(sm, ("path", ("n0", f"n{npt - 1}"))), 3)
    lines.append(f"whole proof of path(n0, n{npt - 1}) after solve ({_proof_size(sm, ('path', ('n0', f'n{npt - 1}')))} "
                 f"steps): {t * 1e3:.1f} ms")
    return lines


def _proof_size(m, root) -> int:
    seen, todo = set(), [root]
    while todo:
        fact = todo.pop()
        if fact not in seen:
            seen.add(fact)
            d = m.derivation(*fact)
            todo.extend(d.premises if d else ())
    return len(seen)


# ---------------------------------------------------------------- the table
def _fmt(t):
    return "-" if t is None else f"{t:.3f}"


def _ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def print_table(rows: list) -> None:
    head = ["workload", "size", "ours s", "hand s", "ours/hand", "clingo s", "clingo cli s",
            "swipl s (query)", "ours/swipl"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        swi = "-" if r.swipl is None else f"{r.swipl:.3f} ({_fmt(r.swipl_query)})"
        cells = [r.name, r.size, _fmt(r.ours), _fmt(r.hand), _ratio(r.ours, r.hand),
                 _fmt(r.clingo), _fmt(r.clingo_cli), swi, _ratio(r.ours, r.swipl)]
        print("| " + " | ".join(cells) + " |")


def api_rows(quick: bool) -> list:
    """The same workloads through the public API: a fresh KnowledgeBase is told the facts and
    the rules (parsing and checking included) and asked; every answer's proof is available
    (built and kernel-checked on access). The `hand` column is the bare core (`saturate`)."""
    n_chain, n_point, n_rand, depth = (300, 1000, 200, 6) if quick else (2000, 8000, 1000, 10)
    out = []
    for name, size, pred, tuples, rules, text, goal in (
            ("closure, chain, right-recursive", f"n={n_chain}", "edge", chain(n_chain), RIGHT,
             ASP["right"], "path(X, Y)"),
            ("closure, random graph (2n edges)", f"n={n_rand}", "edge", random_graph(n_rand), RIGHT,
             ASP["right"], "path(X, Y)"),
            ("same generation, binary tree", f"depth={depth}", "par", binary_tree(depth), SG, ASP["sg"],
             "sg(X, Y)")):
        prolog = PROLOG["sg" if pred == "par" else "right"] + facts_text(pred, tuples)
        head = goal.split("(")[0]
        out.append(Workload(f"API ask_all({goal}), {name}", size,
                            lambda t=tuples, p=pred, r=text, g=goal: _api_all(p, t, r, g),
                            lambda r=rules, t=tuples, p=pred: saturate(r, {p: t}),
                            None, prolog, f"aggregate_all(count, {head}(_,_), _)"))
    edges = chain(n_point)
    last = f"n{n_point - 1}"
    out.append(Workload(f"API ask(path(n0, {last})) + proof, chain, right", f"n={n_point}",
                        lambda: _api_point(edges, last), None, None,
                        PROLOG["right"] + facts_text("edge", edges), f"path(n0, {last})"))
    closed = chain(n_chain)
    out.append(Workload("API ask(path(n5, n2)) false, closed path, chain, right", f"n={n_chain}",
                        lambda: _api_closed(closed), None, None,
                        PROLOG["right"] + facts_text("edge", closed), "\\+ path(n5, n2)"))
    return out


def _api_kb(pred, tuples, rules):
    from engine.kb import KnowledgeBase
    kb = KnowledgeBase()
    kb.tell(facts_text(pred, tuples) + rules)
    return kb


def _api_all(pred, tuples, rules, goal):
    answers = _api_kb(pred, tuples, rules).ask_all(goal)
    answers[len(answers) // 2].proof            # one proof built and kernel-checked
    return answers


def _api_closed(edges):
    """A closed-world `false`: the search's least model, then the kernel's goal-directed check."""
    answer = _api_kb("edge", edges, ASP["right"] + "closed path.\nclosed edge.\n").ask("path(n5, n2)")
    assert answer.verdict.value == "false" and answer.proof is not None
    return answer


def _api_point(edges, last):
    answer = _api_kb("edge", edges, ASP["right"]).ask(f"path(n0, {last})")
    assert answer.verdict.value == "true" and answer.proof is not None
    return answer


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--repeats", type=int, default=3, help="runs per median")
    parser.add_argument("--only", default="", help="only workloads whose name contains this")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"swipl: {shutil.which('swipl') or 'not found'}, load {os.getloadavg()[0]:.1f}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for w in workloads(args.quick) + api_rows(args.quick):
            if args.only in w.name:
                rows.append(measure(w, args.repeats, Path(tmp)))
                print(f"  measured {w.name}", file=sys.stderr, flush=True)
    print_table(rows)
    for line in [n for r in rows for n in r.notes] + latencies(args.quick):
        print("- " + line)


if __name__ == "__main__":
    main()
