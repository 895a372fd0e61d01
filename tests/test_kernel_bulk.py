"""`ask_all` checks before it reports (issue 13, item 1): the Horn core's rows are re-checked in
bulk by the kernel (engine/kernel/bulk.py) from the search's derivation order, other rows by
their own proofs, and no binding the kernel has not accepted is reported true. Each mutation
below breaks the search; the answers must never include what it made up. Also: the kernel's
closed-world check is goal-directed, so a closed predicate over a long chain is decided."""
from __future__ import annotations

from dataclasses import replace

import pytest

import engine.horn.core as horn
import engine.kb
from engine.reason import prove
from engine.answer import Verdict
from engine.horn.compile import Lit
from engine.kb import KnowledgeBase, _KernelView
from engine.language.parse import parse_formula
from engine.proof import Proof

CHAIN = "edge(a, b). edge(b, c). edge(c, d).\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n"
TRUE_PATHS = {("a", "b"), ("b", "c"), ("c", "d"), ("a", "c"), ("b", "d"), ("a", "d")}


def reported(answers) -> set:
    """The bindings reported true, as (X, Y) pairs."""
    return {(a.bindings["X"], a.bindings["Y"]) for a in answers if a.verdict is Verdict.TRUE}


def test_normal_answers_are_unchanged_and_checked():
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    answers = kb.ask_all("path(X, Y)")
    assert reported(answers) == TRUE_PATHS and answers.incomplete is None
    for a in answers:
        kb.verify_answer(a)
    assert {a.bindings["Y"] for a in kb.ask_all("path(a, Y)")} == {"b", "c", "d"}
    assert {a.bindings["X"] for a in kb.ask_all("path(X, d)")} == {"a", "b", "c"}


@pytest.mark.usefixtures("in_memory", "made_up_path_d_a")
def test_a_spurious_tuple_of_the_fixpoint_is_not_reported():
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    answers = kb.ask_all("path(X, Y)")
    got = reported(answers)
    assert ("d", "a") not in got
    assert not {(x, "a") for x in "abcd"} & got and ("d", "b") not in got     # nor what rests on it
    assert TRUE_PATHS <= got
    assert "E050" in answers.incomplete


def test_a_swapped_rule_is_caught(monkeypatch):
    """The search evaluates `path(X, Z) :- edge(Y, X), path(Y, Z)` instead of the KB's rule."""
    real = horn.normalize

    def swapped(rule):
        c = real(rule)
        if c.pred == "path" and len(c.body) == 2:
            body = tuple(Lit(l.kind, l.pred, l.args[::-1]) if l.pred == "edge" else l for l in c.body)
            c = replace(c, body=body)
        return c
    monkeypatch.setattr(horn, "normalize", swapped)
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    answers = kb.ask_all("path(X, Y)")
    assert reported(answers) <= TRUE_PATHS
    assert "E050" in answers.incomplete


@pytest.mark.usefixtures("in_memory")
@pytest.mark.parametrize("mutation", ["reverse", "drop"])
def test_a_misordered_certificate_is_not_accepted_in_bulk(monkeypatch, mutation):
    """Rounds listed backwards (a premise after its conclusion) or a round left out: the kernel
    does not accept those atoms from the certificate; each such row is then reported only with
    its own checked proof."""
    real = horn.Model.rounds

    def mutated(self):
        rounds = real(self)
        return rounds[::-1] if mutation == "reverse" else rounds[:1] + rounds[2:]
    monkeypatch.setattr(horn.Model, "rounds", mutated)
    seen = []
    real_check = engine.kb.kernel.check_answers

    def spy(*args, **kwargs):
        seen.append(real_check(*args, **kwargs))
        return seen[-1]
    monkeypatch.setattr(engine.kb.kernel, "check_answers", spy)
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    answers = kb.ask_all("path(X, Y)")
    assert seen and seen[-1]                  # the bulk check refused some rows
    assert reported(answers) == TRUE_PATHS    # which their own proofs then established
    for a in answers:
        assert a.proof is not None


def test_the_bulk_check_itself():
    """Bulk.check accepts an atom only after its premises, by a rule of the KB."""
    from engine.kernel.bulk import Bulk
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    view = _KernelView(kb._theory, kb.signature, {})
    good = Bulk(view, "path")
    good.check([(1, "path", {("a", "b"), ("b", "c"), ("c", "d")}), (2, "path", {("a", "c"), ("b", "d")}),
                (3, "path", {("a", "d")})])
    assert not good.rejected and good.holds("path", ("a", "d"))
    late = Bulk(view, "path")
    late.check([(1, "path", {("a", "d")}), (2, "path", {("a", "b"), ("b", "c"), ("c", "d")})])
    assert late.rejected == [("path", ("a", "d"))] and not late.holds("path", ("a", "d"))
    made_up = Bulk(view, "path")
    made_up.check([(1, "path", {("a", "b"), ("b", "a")}), (2, "path", {("a", "a")})])
    assert sorted(made_up.rejected) == [("path", ("a", "a")), ("path", ("b", "a"))]


def test_z3_answers_are_checked_before_they_are_reported(monkeypatch):
    """An open query answered by z3 with a broken proof (its premises dropped): not reported."""
    real = prove.smt_proof

    def broken(theory, core, claim):
        p = real(theory, core, claim)
        return Proof((replace(p.steps[-1], id=1, premises=()),))
    monkeypatch.setattr(prove, "smt_proof", broken)
    kb = KnowledgeBase()
    kb.tell("type person = {alice, bob, carol}.\npred rich(person).\npred happy(person).\n"
            "rich(alice) | rich(bob).\nnot rich(bob).\nforall X: person. rich(X) -> happy(X).\n")
    answers = kb.ask_all("happy(X)")
    assert not [a for a in answers if a.verdict is Verdict.TRUE]
    assert "E050" in answers.incomplete


def test_a_closed_chain_is_decided_goal_directed():
    """`closed path` over a 2,000-node chain: the kernel's whole least model would hold 2M
    atoms; its goal-directed check decides `path(n5, n2)` false from what that atom needs."""
    n = 2000
    kb = KnowledgeBase()
    kb.tell("".join(f"edge(n{i}, n{i + 1}).\n" for i in range(n - 1))
            + "path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\nclosed path.\nclosed edge.\n")
    for query, verdict in (("path(n5, n2)", Verdict.FALSE), ("path(n1999, n0)", Verdict.FALSE),
                           ("path(n0, n2)", Verdict.TRUE), ("edge(n3, n1)", Verdict.FALSE)):
        a = kb.ask(query)
        assert a.verdict is verdict, (query, a.reason)
        assert a.proof is not None
        kb.verify_answer(a)
    a = kb.ask("path(n5, n2)")
    assert [s.by for s in a.proof.steps] == ["closed"]
    # the same check straight from the kernel, on the whole-KB view
    from engine.kernel.check import _closure
    view = _KernelView(kb._theory, kb.signature, {})
    closure = _closure(view, {"timeout": 10_000})
    assert closure.closed_false("path", ("n1500", "n3"))
    assert not closure.closed_false("path", ("n3", "n1500"))


def test_goal_directed_and_whole_models_agree():
    """The magic-set model and the whole least model give the same verdicts on a small KB
    with two mutually recursive predicates, constants in rules and a test."""
    from engine.kernel.closure import goal_model
    kb = KnowledgeBase()
    kb.tell("edge(a, b). edge(b, c). edge(c, a). edge(c, d). w(a, 1). w(b, 2). w(c, 3). w(d, 4).\n"
            "odd(X, Y) :- edge(X, Y).\nodd(X, Z) :- edge(X, Y), even(Y, Z).\neven(X, Z) :- edge(X, Y), odd(Y, Z).\n"
            "heavy(X, Y) :- odd(X, Y), w(Y, N), N > 2.\nfromc(Y) :- odd(c, Y).\n"
            "closed odd. closed even. closed heavy. closed fromc. closed edge. closed w.\n")
    view = _KernelView(kb._theory, kb.signature, {})
    from engine.kernel.check import _closure
    closure = _closure(view, {"timeout": 10_000})
    names = "abcd"
    for pred, arity in (("odd", 2), ("even", 2), ("heavy", 2), ("fromc", 1)):
        whole = closure.least_model(pred)[pred]
        program = closure.program(closure.component(pred))
        tuples = [(x, y) for x in names for y in names] if arity == 2 else [(x,) for x in names]
        for t in tuples:
            assert (t in goal_model(program, pred, t)) == (t in whole), (pred, t)


# ---------------------------------------------------------------- linear recursion, one argument given
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from engine import kernel  # noqa: E402
from engine.kernel.linear import check_linear  # noqa: E402
from engine.reason.theory import Theory  # noqa: E402

RIGHT = "path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n"
LEFT = "path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n"


def _linear(program: str, query: str, rows):
    kb = KnowledgeBase()
    kb.tell(program)
    from engine.language.check import check_query
    typed, _, sig = check_query(parse_formula(query), kb._v.signature, kb._v.sources)
    return check_linear(_KernelView(kb._theory, sig, {}), typed, rows)


def test_the_derived_rule_accepts_the_reachable_and_nothing_else():
    edges = "edge(a, b). edge(b, c). edge(c, d). edge(x, y).\n"
    rows = [("a", "b"), ("a", "d"), ("a", "y"), ("b", "d"), ("a", "a")]
    assert _linear(edges + RIGHT, "path(a, Y)", rows) == [2, 3, 4]
    assert _linear(edges + LEFT, "path(X, d)", [("a", "d"), ("c", "d"), ("x", "d"), ("d", "d")]) == [2, 3]


def test_the_derived_rule_declines_other_shapes():
    edges = "edge(a, b). edge(b, c).\n"
    assert _linear(edges + RIGHT, "path(X, c)", [("a", "c")]) is None        # the wrong argument given
    assert _linear(edges + LEFT, "path(a, Y)", [("a", "c")]) is None
    assert _linear(edges + RIGHT, "path(X, Y)", [("a", "c")]) is None        # nothing given
    assert _linear(edges + "link(X, Y) :- edge(X, Y).\npath(X, Y) :- link(X, Y).\n"
                   "path(X, Z) :- link(X, Y), path(Y, Z).", "path(a, Y)", [("a", "c")]) is None
    assert _linear(edges + "path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), path(Y, Z).",
                   "path(a, Y)", [("a", "c")]) is None                           # not linear
    assert _linear(edges + "closed blocked.\npath(X, Y) :- edge(X, Y), not blocked(Y).\n"
                   "path(X, Z) :- edge(X, Y), path(Y, Z).", "path(a, Y)", [("a", "c")]) is None


def test_exits_with_tests_and_constants():
    program = ("cost(a, b, 3). cost(b, c, 5). cost(c, d, 20).\n"
               "cheap(X, Y) :- cost(X, Y, N), N < 10.\n"
               "cheap(X, Z) :- cost(X, Y, N), N < 10, cheap(Y, Z).\n")
    assert _linear(program, "cheap(a, Z)", [("a", "b"), ("a", "c"), ("a", "d")]) == [2]


def test_a_spurious_factored_row_is_never_reported(monkeypatch):
    real = Theory.factored

    def lying(self, pred, pattern):
        found = real(self, pred, pattern)
        return None if found is None else set(found) | {("n0", "n0")}
    monkeypatch.setattr(Theory, "factored", lying)
    kb = KnowledgeBase()
    kb.tell("\n".join(f"edge(n{i}, n{i + 1})." for i in range(40)) + "\n" + RIGHT)
    answers = kb.ask_all("path(n0, Y)")
    assert {a.bindings["Y"] for a in answers} == {f"n{i}" for i in range(1, 41)}
    assert "E050" in answers.incomplete


def test_a_long_right_recursive_chain_asked_from_its_start_is_checked_linearly(monkeypatch):
    """2,000 answers whose atom-by-atom check would cover 2M atoms: the bulk check is not used."""
    monkeypatch.setattr(kernel, "check_answers", lambda *a, **k: pytest.fail("checked atom by atom"))
    kb = KnowledgeBase()
    kb.tell("\n".join(f"edge(n{i}, n{i + 1})." for i in range(2000)) + "\n" + RIGHT)
    answers = kb.ask_all("path(n0, Y)")
    assert len(answers) == 2000 and answers.incomplete is None
    kb.verify_answer(answers[5])


@settings(max_examples=60, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=12), st.booleans(), st.integers(0, 5))
def test_the_derived_rule_agrees_with_reachability(edges, left, start):
    program = "".join(f"edge(v{a}, v{b}).\n" for a, b in sorted(edges)) + "edge(v9, v9).\n" + \
        "".join(f"node(v{i}).\n" for i in range(6)) + (LEFT if left else RIGHT)
    reach, todo = set(), [start]
    succ = {}
    for a, b in edges:
        (succ.setdefault(b, set()) if left else succ.setdefault(a, set())).add(a if left else b)
    while todo:
        for n in succ.get(todo.pop(), ()):
            if n not in reach:
                reach.add(n)
                todo.append(n)
    nodes = [f"v{i}" for i in range(6)] + ["v9"]
    query = f"path(X, v{start})" if left else f"path(v{start}, Y)"
    rows = [(n, f"v{start}") if left else (f"v{start}", n) for n in nodes]
    rejected = _linear(program, query, rows)
    assert {nodes[i] for i in range(len(nodes)) if i not in rejected} == {f"v{n}" for n in reach}
