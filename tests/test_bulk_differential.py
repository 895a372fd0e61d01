"""`ask_all` through the public API on random Datalog programs against a naive least model
computed here: every entailed binding is reported, nothing else, and the kernel's bulk check
(engine/kernel/bulk.py) or its linear rule (engine/kernel/linear.py) accepts them all (an answer
it refused would be missing, with E050 in `incomplete`). Programs have recursion (linear and
not), several rules per predicate, constants in rules, repeated variables, `_`, and negation of
closed base predicates, including `_` under `not`."""
from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.answer import Verdict
from engine.kb import KnowledgeBase

CONSTS = [f"c{i}" for i in range(5)]
BASE = {"e": 2, "f": 1}                 # base predicates: facts only, closed
DERIVED = {"p": 2, "q": 2, "r": 1}
VARS = ["X", "Y", "Z", "W"]


@st.composite
def programs(draw):
    facts = []
    for pred, n in BASE.items():
        rows = draw(st.sets(st.tuples(*[st.sampled_from(CONSTS)] * n), min_size=1, max_size=8))
        facts += [(pred, row) for row in sorted(rows)]
    rules = []
    for head, n in DERIVED.items():
        for _ in range(draw(st.integers(1, 3))):
            body = []
            for _ in range(draw(st.integers(1, 3))):
                pred = draw(st.sampled_from(sorted(BASE) + sorted(DERIVED)))
                args = tuple(draw(st.sampled_from(VARS[:3] + ["c0"])) for _ in range((BASE | DERIVED)[pred]))
                body.append(("pos", pred, args))
            bound = [a for _, _, args in body for a in args if a in VARS]
            if not bound:
                continue
            if draw(st.booleans()):         # a negated base atom over bound variables, or `_`
                pred = draw(st.sampled_from(sorted(BASE)))
                args = tuple(draw(st.sampled_from(bound + ["_"])) for _ in range(BASE[pred]))
                body.append(("neg", pred, args))
            head_args = tuple(draw(st.sampled_from(bound)) for _ in range(n))
            rules.append((head, head_args, tuple(body)))
    return facts, rules


def show(facts, rules) -> str:
    lines = [f"{p}({', '.join(row)})." for p, row in facts]
    for head, args, body in rules:
        lits = [("not " if kind == "neg" else "") + f"{p}({', '.join(a)})" for kind, p, a in body]
        lines.append(f"{head}({', '.join(args)}) :- {', '.join(lits)}.")
    lines.append("closed e, f.")
    lines.append("node(" + "). node(".join(CONSTS) + ").")   # every constant named
    return "\n".join(lines)


def least_model(facts, rules) -> dict:
    """Naive bottom-up evaluation: base facts first; `not b(...)` reads the base facts, and
    `_` under `not` means no value."""
    model = {p: set() for p in {**BASE, **DERIVED}}
    for p, row in facts:
        model[p].add(row)
    changed = True
    while changed:
        changed = False
        for head, hargs, body in rules:
            for env in _envs(body, model):
                row = tuple(env.get(a, a) for a in hargs)
                if row not in model[head]:
                    model[head].add(row)
                    changed = True
    return model


def _envs(body, model):
    envs = [{}]
    for kind, pred, args in body:
        if kind == "pos":
            new = []
            for env in envs:
                for row in model[pred]:
                    e = dict(env)
                    if all(_bind(e, a, v) for a, v in zip(args, row)):
                        new.append(e)
            envs = new
    out = []
    for env in envs:
        ok = True
        for kind, pred, args in body:
            if kind == "neg":
                pattern = [None if a == "_" else env.get(a, a) for a in args]
                if any(all(p is None or p == v for p, v in zip(pattern, row)) for row in model[pred]):
                    ok = False
        if ok:
            out.append(env)
    return out


def _bind(env, a, v) -> bool:
    if a == "_":
        return True
    if a in VARS:
        if a in env:
            return env[a] == v
        env[a] = v
        return True
    return a == v


@settings(max_examples=120, deadline=None)
@given(programs())
def test_ask_all_reports_exactly_the_least_model(program):
    facts, rules = program
    model = least_model(facts, rules)
    kb = KnowledgeBase()
    kb.tell(show(facts, rules))
    for pred, n in DERIVED.items():
        patterns = [tuple("XY"[:n])] + [("c0",) + tuple("Y"[:n - 1])] + ([("X", "c1"), ("X", "X")] if n == 2 else [])
        for pattern in patterns:
            query = f"{pred}({', '.join(pattern)})"
            answers = kb.ask_all(query)
            if not any(v in VARS for v in pattern):      # a closed query: one answer, its verdict
                holds = pattern in model[pred]
                assert (answers[0].verdict is Verdict.TRUE) == holds, query
                continue
            assert answers.incomplete is None, (query, answers.incomplete)
            names = sorted({v for v in pattern if v in VARS})
            got = {tuple(a.bindings[v] for v in names) for a in answers}
            want = set()
            for row in model[pred]:
                env = {}
                if all(_bind(env, v, x) for v, x in zip(pattern, row)):
                    want.add(tuple(env[v] for v in names))
            assert got == want, query
            assert all(a.verdict is Verdict.TRUE for a in answers)
            for a in itertools.islice(answers, 2):
                kb.verify_answer(a)
