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


def test_a_spurious_tuple_of_the_fixpoint_is_not_reported(monkeypatch):
    real = horn._round

    def lying_round(variants, delta):
        out = real(variants, delta)
        if delta is None and "path" in out:        # the first round makes up path(d, a)
            out["path"] = out["path"] | {("d", "a")}
        return out
    monkeypatch.setattr(horn, "_round", lying_round)
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
