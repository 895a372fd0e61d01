"""Closed-world certificates (engine/kernel/closure.py): the kernel decides `not p(t)` from
the KB's statements alone, by its own least model where p is settled and by its own z3
writer elsewhere, and agrees with the engine's answers."""
from __future__ import annotations

import pytest

from engine.answer import Verdict
from engine.errors import ProofError
from engine.kb import KnowledgeBase
from engine.proof import Proof, Step
from engine.reason.theory import Theory


def closed_step(kb, claim, pred):
    kb.verify(Proof((Step(1, claim, "closed", predicate=pred),)), claim)


@pytest.fixture
def no_search_closure(monkeypatch):
    """Once the KB is told, the search's closure computations are off limits (the kernel
    must not need them)."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the kernel asked the search")

    def forbid():
        for name in ("is_closed_false", "_closed_false_atom", "_entailed_atoms", "model", "point_model"):
            monkeypatch.setattr(Theory, name, forbidden)
    return forbid


STRATIFIED = """node(a). node(b). node(c).
edge(a, b). edge(b, c).
reach(X, Y) :- edge(X, Y).
reach(X, Z) :- edge(X, Y), reach(Y, Z).
cut(X, Y) :- node(X), node(Y), not reach(X, Y).
closed reach, node, cut.
"""


def test_settled_predicates_by_the_kernels_least_model(no_search_closure):
    kb = KnowledgeBase()
    kb.tell(STRATIFIED)
    no_search_closure()
    closed_step(kb, "not reach(c, a)", "reach")
    closed_step(kb, "not cut(a, c)", "cut")                 # a reaches c: not cut, through negation
    for claim, pred in [("not reach(a, c)", "reach"), ("not cut(c, a)", "cut"), ("not node(b)", "node")]:
        with pytest.raises(ProofError, match="derivable"):
            closed_step(kb, claim, pred)


def test_settled_answers_agree():
    kb = KnowledgeBase()
    kb.tell(STRATIFIED)
    assert kb.ask("cut(c, a)").verdict is Verdict.TRUE       # its proof has a checked closed step
    assert kb.ask("cut(a, c)").verdict is Verdict.FALSE
    assert kb.ask("reach(c, b)").verdict is Verdict.FALSE


def test_unsettled_predicates_by_satisfiability_in_dependency_order(no_search_closure):
    """p comes before q (alphabetically: no rule orders them): p(a) is not entailed, so it is
    closed false, and then q(a) is entailed."""
    kb = KnowledgeBase()
    kb.tell("p(a) | q(a). r(b). closed p, q.")
    no_search_closure()
    closed_step(kb, "not p(a)", "p")
    closed_step(kb, "not p(b)", "p")
    with pytest.raises(ProofError, match="derivable"):
        closed_step(kb, "not q(a)", "q")


def test_unsettled_answers_agree():
    kb = KnowledgeBase()
    kb.tell("p(a) | q(a). r(b). closed p, q.")
    assert kb.ask("p(a)").verdict is Verdict.FALSE
    assert kb.ask("q(a)").verdict is Verdict.TRUE


def test_a_closed_predicate_over_int_before_another(no_search_closure):
    """level ranges over int and comes before score: its closure is taken over the atoms
    that occur (level(1) is not entailed, so not level(1), and then score(3) is entailed)."""
    kb = KnowledgeBase()
    kb.tell("pred score(int). pred level(int).\nscore(5). level(1) | score(3). closed level, score.")
    no_search_closure()
    closed_step(kb, "not level(1)", "level")
    closed_step(kb, "not score(4)", "score")
    with pytest.raises(ProofError, match="derivable"):
        closed_step(kb, "not score(3)", "score")


def test_a_denial_keeps_a_predicate_settled(no_search_closure):
    kb = KnowledgeBase()
    kb.tell("""parent(ann, bob). male(bob).
forall X. not (male(X) & female(X)).
son(X, Y) :- parent(Y, X), male(X).
closed son, parent, male, female.""")
    no_search_closure()
    closed_step(kb, "not son(ann, bob)", "son")
    with pytest.raises(ProofError, match="derivable"):
        closed_step(kb, "not son(bob, ann)", "son")
