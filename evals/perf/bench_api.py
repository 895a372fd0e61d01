"""Workloads through the public API (KnowledgeBase), with a hand-written loop in the same run.

    .venv/bin/python evals/perf/bench_api.py [--quick]
"""
from __future__ import annotations

import random
import statistics
import sys
import time

from engine.kb import KnowledgeBase

RULES = "path(X, Y) :- edge(X, Y). path(X, Z) :- edge(X, Y), path(Y, Z)."


def chain(n):
    return " ".join(f"edge(n{i}, n{i + 1})." for i in range(n - 1))


def timed(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def hand_closure(n):
    edges = {(f"n{i}", f"n{i + 1}") for i in range(n - 1)}
    succ = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
    path, delta = set(edges), set(edges)
    while delta:
        new = set()
        by_first = {}
        for (y, z) in delta:
            by_first.setdefault(y, []).append(z)
        for (x, y) in edges:
            for z in by_first.get(y, ()):
                t = (x, z)
                if t not in path:
                    new.add(t)
        path |= new
        delta = new
    return len(path)


def proofwriter_theory(rng, n_entities=8, n_facts=60, n_rules=20, negative=0.2):
    ents = [f"e{i}" for i in range(n_entities)]
    attrs = [f"a{i}" for i in range(12)]
    lines = []
    for _ in range(n_facts):
        lines.append(f"{'not ' if rng.random() < negative else ''}{rng.choice(attrs)}({rng.choice(ents)}).")
    for _ in range(n_rules):
        body = rng.sample(attrs, 2)
        head = rng.choice(attrs)
        if rng.random() < 0.3:
            lines.append(f"forall X. ({body[0]}(X) -> {head}(X) | {body[1]}(X)).")
        else:
            lines.append(f"forall X. ({body[0]}(X) & not {body[1]}(X) -> {head}(X)).")
    return "\n".join(lines), ents, attrs


def grounding_row(n: int) -> tuple:
    """tell + 5 open-world queries on a ProofWriter-style theory over n individuals, which z3
    decides grounded (rules with disjunction). `hand` = the same engine with every formula
    built through z3's Python API instead of one SMT-LIB text, in the same run."""
    from unittest import mock

    from engine.smt.text import NoText
    from engine.smt.solver import Problem
    rng = random.Random(11)
    text, ents, attrs = proofwriter_theory(rng, n_entities=n, n_facts=3 * n, n_rules=20, negative=0.0)
    queries = [f"not {rng.choice(attrs)}({rng.choice(ents)})" for _ in range(5)]

    def run():                        # no negative facts: always consistent
        kb = KnowledgeBase()
        kb.tell(text)
        return [kb.ask(q).verdict.value for q in queries]
    t_text, verdicts = timed(run, repeats=1)
    with mock.patch.object(Problem, "_text", side_effect=NoText):
        t_api, api_verdicts = timed(run, repeats=1)
    assert verdicts == api_verdicts
    return (f"tell + 5 negated queries, {n} individuals, {3 * n} facts, 20 rules ({verdicts.count('false')} false, "
            f"{verdicts.count('unknown')} unknown; z3; hand = Python API)",
            t_text, t_api)


def main(quick: bool):
    n = 300 if quick else 2000
    rows = []
    kb = KnowledgeBase()
    kb.tell(chain(n) + RULES)
    t_all, answers = timed(lambda: len(kb.ask_all("path(X, Y)")), repeats=1)
    t_hand, count = timed(lambda: hand_closure(n), repeats=1)
    rows.append((f"ask_all path(X, Y), chain n={n} ({answers} answers)", t_all, t_hand))
    t_proof, _ = timed(lambda: kb.ask_all("path(n0, Y)")[-1].proof, repeats=1)
    rows.append((f"ask_all path(n0, Y) + one proof, chain n={n}", t_proof, None))

    m = 1000 if quick else 8000
    def point():
        kb2 = KnowledgeBase()
        kb2.tell(chain(m) + RULES)
        t = time.perf_counter()
        a = kb2.ask(f"path(n0, n{m - 1})")
        assert a.verdict.value == "true" and a.proof is not None
        return time.perf_counter() - t
    rows.append((f"ask path(n0, n{m - 1}) with proof, fresh chain n={m}", statistics.median(point() for _ in range(3)), None))

    big = KnowledgeBase()
    k = 10_000 if quick else 100_000
    big.tell(" ".join(f"f(c{i}, d{i % 97})." for i in range(k)))
    big.ask("f(c1, d1)")
    t_one, _ = timed(lambda: big.ask(f"f(c{k // 2}, d{(k // 2) % 97})"), repeats=5)
    rows.append((f"ask one fact, KB of {k} facts (closure computed)", t_one, None))

    rng = random.Random(7)
    text, ents, attrs = proofwriter_theory(rng)
    pw = None
    while pw is None:
        try:
            pw = KnowledgeBase()
            pw.tell(text)
        except Exception:
            text, ents, attrs = proofwriter_theory(rng)
            pw = None
    queries = [f"{rng.choice(attrs)}({rng.choice(ents)})" for _ in range(40)]
    per = []
    verdicts = {}
    for q in queries:
        t = time.perf_counter()
        a = pw.ask(q)
        per.append(time.perf_counter() - t)
        verdicts[a.verdict.value] = verdicts.get(a.verdict.value, 0) + 1
    rows.append((f"open-world query, 60 facts + 20 rules (median of 40; {verdicts})", statistics.median(per), None))

    rows.append(grounding_row(100 if quick else 1000))

    print(f"{'workload':78} {'ours s':>9} {'hand s':>9}")
    for name, ours, hand in rows:
        print(f"{name:78} {ours:9.4f} {hand if hand is None else round(hand, 4)!s:>9}")


if __name__ == "__main__":
    main("--quick" in sys.argv)
