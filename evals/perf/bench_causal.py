"""Benchmark: an exact ATE on random binary Bayesian networks (engine/causal/bayesnet.py).

    .venv/bin/python evals/perf/bench_causal.py              # 20, 30 and 40 variables
    .venv/bin/python evals/perf/bench_causal.py --sizes 20 --repeats 9
    .venv/bin/python evals/perf/bench_causal.py --sizes 20 --cladder ../shared/data/cladder

Two routes: the causal core alone (BayesNet.ate), and the language as a user calls it (a
fresh KnowledgeBase told the network as a Scientia program, then `ask("ATE(x, y)")`: parse,
check, answer, proof, kernel re-check by its own variable elimination). With --cladder DIR,
every CLadder development question is also answered through the language (evals/cladder/
causal.py: program, tell, ask, proof, kernel), and, when pgmpy / DoWhy are installed, their
baselines run on the same models in the same process (evals/cladder/baselines.py).

Issue 15's target: an exact ATE on a 20-variable binary model in under 1 s. Each network is
seeded: node i has up to 3 parents drawn among nodes 0..i-1, every CPT entry a Fraction with
denominator at most 10; rows "dense" give every node exactly min(i, 3) parents, rows
"chain" node i - 1 and up to two more earlier nodes (the outcome then has every node as an
ancestor, and the cost grows with the network's width: 60 such nodes take minutes). The treatment and outcome are the pair with a directed path between
them that is farthest apart in the node order (the outcome the last node with such a path
from the treatment). Every time is the median of the runs, each after a `gc.collect()`,
including the construction of the BayesNet (CPTs read and turned into integer factors).

If pgmpy is installed, the same ATE is timed with pgmpy's VariableElimination (floats) on the
do-modified network (the treatment's incoming edges cut, its CPT a point mass), for each arm;
dowhy is only reported as present or absent. Neither is installed by this script.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.causal import ADMG, BayesNet  # noqa: E402


def random_network(n: int, seed: int, max_parents: int = 3, kind: str = "random"):
    """kind "random": node i gets 0..min(i, 3) parents among nodes 0..i-1; "dense": exactly
    min(i, 3); "chain": node i - 1 plus up to 2 more, so every node is an ancestor of the last."""
    rng = random.Random(seed)
    nodes = [f"V{i:02d}" for i in range(n)]
    edges = []
    for i, v in enumerate(nodes):
        if kind == "chain":
            parents = set(nodes[i - 1:i]) | set(rng.sample(nodes[:i], min(i, max_parents - 1)))
        else:
            k = min(i, max_parents) if kind == "dense" else rng.randint(0, min(i, max_parents))
            parents = rng.sample(nodes[:i], k)
        edges += [(p, v) for p in sorted(parents)]
    graph = ADMG(nodes, edges)
    cpts = {}
    for v in nodes:
        parents = graph.parents(v)
        rows = {}
        for code in range(2 ** len(parents)):
            key = tuple((code >> j) & 1 for j in range(len(parents)))
            den = rng.randint(2, 10)
            num = rng.randint(1, den - 1)
            rows[key] = {0: Fraction(den - num, den), 1: Fraction(num, den)}
        cpts[v] = rows
    return graph, cpts


def program(graph: ADMG, cpts) -> str:
    """The network as a Scientia program: variables, graph, one `P(v | parents) = p.` per row."""
    lines = [f"var {', '.join(v.lower() for v in graph.nodes)} : bool."]
    if graph.directed:
        lines.append("graph " + ", ".join(f"{a.lower()} -> {b.lower()}" for a, b in graph.directed) + ".")
    for v in graph.nodes:
        ps = graph.parents(v)
        for key, row in cpts[v].items():
            cond = ", ".join(p.lower() if k else f"not {p.lower()}" for p, k in zip(ps, key))
            p1 = row[1]
            lines.append(f"P({v.lower()}{' | ' + cond if cond else ''}) = {p1.numerator} / {p1.denominator}.")
    return "\n".join(lines)


def language_ate(text: str, x: str, y: str):
    from engine.kb import KnowledgeBase
    kb = KnowledgeBase()
    kb.tell(text)
    a = kb.ask(f"ATE({x.lower()}, {y.lower()})")
    assert a.proof is not None
    return a.value


def pick_pair(graph: ADMG):
    """The (treatment, outcome) with a directed path, farthest apart in the node order."""
    nodes = graph.nodes
    best = None
    for i, x in enumerate(nodes):
        for j in range(len(nodes) - 1, i, -1):
            y = nodes[j]
            if y in graph.descendants(x):
                if best is None or j - i > best[0]:
                    best = (j - i, x, y)
                break
    return best[1], best[2]


def timed(fn, repeats: int):
    times, value = [], None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), value


def pgmpy_ate(graph, cpts, x, y):
    """The ATE by pgmpy's VariableElimination on the two do-modified networks (floats)."""
    try:
        from pgmpy.models import DiscreteBayesianNetwork as Net
    except ImportError:
        from pgmpy.models import BayesianNetwork as Net
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.inference import VariableElimination

    expectation = []
    for xv in (1, 0):
        net = Net([(a, b) for a, b in graph.directed if b != x])
        net.add_nodes_from(graph.nodes)
        for v in graph.nodes:
            if v == x:
                net.add_cpds(TabularCPD(v, 2, [[1.0 - xv], [float(xv)]]))
                continue
            parents = list(graph.parents(v))
            cols = []
            for code in range(2 ** len(parents)):   # pgmpy: last parent varies fastest
                key = tuple((code >> (len(parents) - 1 - j)) & 1 for j in range(len(parents)))
                cols.append(cpts[v][key])
            values = [[float(c[0]) for c in cols], [float(c[1]) for c in cols]]
            net.add_cpds(TabularCPD(v, 2, values, evidence=parents or None,
                                    evidence_card=[2] * len(parents) or None))
        q = VariableElimination(net).query([y], show_progress=False)
        expectation.append(float(q.values[1]))
    return expectation[0] - expectation[1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 30, 40])
    ap.add_argument("--kinds", nargs="+", default=["random", "dense", "chain"],
                    choices=["random", "dense", "chain"])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--cladder", help="CLadder's folder: also time every question through the language")
    args = ap.parse_args(argv)

    try:
        import pgmpy
        have_pgmpy = getattr(pgmpy, "__version__", "?")
    except ImportError:
        have_pgmpy = None
    try:
        import dowhy
        have_dowhy = getattr(dowhy, "__version__", "?")
    except ImportError:
        have_dowhy = None

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load before "
          f"{tuple(round(x, 2) for x in os.getloadavg())}")
    print(f"pgmpy: {have_pgmpy or 'not installed'}; dowhy: {have_dowhy or 'not installed'}"
          " (neither is installed by this script)")
    print("kind: see random_network; An(Y): the outcome's ancestors (the elimination keeps at\n"
          "most these: the ancestors of Y once the edges into X are cut)")
    print(f"{'vars':>4} {'kind':>6} {'edges':>5} {'An(Y)':>5} {'X -> Y':>11} {'exact ATE (s)':>13} "
          f"{'language (s)':>12} {'digits num/den':>14} {'pgmpy (s)':>9}  value")
    for kind, n in [(k, n) for k in args.kinds for n in args.sizes]:
        graph, cpts = random_network(n, args.seed + n, kind=kind)
        x, y = pick_pair(graph)
        t, ate = timed(lambda: BayesNet(graph, cpts).ate(x, y), args.repeats)
        text = program(graph, cpts)
        tl, via = timed(lambda: language_ate(text, x, y), args.repeats)
        if via != ate:
            raise SystemExit(f"the language route gives {via}, the core {ate}")
        digits = f"{len(str(abs(ate.numerator)))}/{len(str(ate.denominator))}"
        pg = "-"
        if have_pgmpy:
            tp, fl = timed(lambda: pgmpy_ate(graph, cpts, x, y), args.repeats)
            pg = f"{tp:.4f}"
            if abs(fl - float(ate)) > 1e-9:
                pg += f" (!= {fl})"
        print(f"{n:>4} {kind:>6} {len(graph.directed):>5} "
              f"{len(graph.ancestors({y})):>5} {x + '->' + y:>11} {t:>13.4f} {tl:>12.4f} {digits:>14} "
              f"{pg:>9}  {float(ate):+.6f}")
    if args.cladder:
        cladder(args.cladder, have_pgmpy, have_dowhy)
    print(f"load after {tuple(round(x, 2) for x in os.getloadavg())}")


def cladder(folder: str, have_pgmpy, have_dowhy) -> None:
    """Every development question through the language, then the baselines on the same models."""
    import json
    import tempfile
    from evals.cladder.causal import run
    from evals.cladder.data import load
    items = load(folder)
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        records, report = run(items, Path(out))
        t = time.perf_counter() - t0
    sc = report["causal"]["scientia"]["all"]
    print(f"CLadder, {len(items)} questions through the language (program, tell, ask, proof, kernel): "
          f"{t:.2f} s; accuracy {sc['accuracy']:.3f} (n={sc['n']})")
    models = json.loads((Path(folder) / "models.json").read_text())
    from evals.cladder.baselines import run_baselines
    systems = ["scientia"] + (["pgmpy"] if have_pgmpy else []) + (["dowhy"] if have_dowhy else [])
    result = run_baselines(models, systems=tuple(systems))
    for system in systems:
        r = result[system]
        cells = ", ".join(f"{q} {v['accuracy']:.3f} (n={v['n']})" for q, v in r.items() if isinstance(v, dict))
        print(f"  {system}: {r['time_s']:.2f} s for the quantities of {len(models)} models "
              f"(arrowhead skipped: {result['skipped']}); within 1e-6: {cells}")


if __name__ == "__main__":
    main()
