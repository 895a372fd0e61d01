"""Definite rules with denials decided by forward chaining (engine/reason/denials.py) and positive
formulas decided in the least model (engine/reason/positive.py): verdicts, proofs, conflicts.
(The random-theory comparison with the brute-force oracle is in test_oracle.py.)"""
from __future__ import annotations

import pytest

from engine import KnowledgeBase, Verdict
from engine.errors import InconsistencyError

FAMILY = """
type person. const ann, bob, cid, dan : person.
pred parent(person, person). pred male(person). pred female(person). pred ancestor(person, person).
pred sibling(person, person).
ancestor(X, Y) :- parent(X, Y).
ancestor(X, Z) :- parent(X, Y), ancestor(Y, Z).
sibling(X, Y) :- parent(P, X), parent(P, Y), X != Y.
forall X: person. not (male(X) & female(X)).
forall X: person. not ancestor(X, X).
parent(ann, bob). parent(bob, cid). parent(ann, dan).
male(bob). female(ann).
"""


@pytest.fixture()
def kb():
    k = KnowledgeBase()
    k.tell(FAMILY)
    return k


def test_denials_give_false_answers_with_small_checked_proofs(kb):
    a = kb.ask("ancestor(cid, ann)")                 # would close a cycle
    assert a.verdict is Verdict.FALSE
    kb.verify(a.proof, "not ancestor(cid, ann)")
    premises = [s.text for s in a.proof.steps if s.by == "premise"]
    assert any("not ancestor(X, X)" in c for c in premises)
    assert "parent(ann, bob)" in premises and "parent(bob, cid)" in premises
    assert "male(bob)" not in premises and len(premises) <= 5          # only what the violation used
    b = kb.ask("female(bob)")
    assert b.verdict is Verdict.FALSE and {"male(bob)"} <= {s.text for s in b.proof.steps}


def test_unrefuted_atoms_are_unknown_with_witnesses(kb):
    a = kb.ask("male(cid)")
    assert a.verdict is Verdict.UNKNOWN and a.reason == "open world"
    assert a.witnesses == {"holds": {"male(cid)": True}, "fails": {"male(cid)": False}}
    assert kb.ask("ancestor(dan, cid)").verdict is Verdict.UNKNOWN


def test_positive_formulas_true_in_the_least_model(kb):
    a = kb.ask("exists X: person. (sibling(X, bob) & parent(ann, X))")
    assert a.verdict is Verdict.TRUE
    kb.verify(a.proof, "exists X: person. (sibling(X, bob) & parent(ann, X))")
    assert a.proof.steps[-1].by == "smt" and any(s.by == "rule" for s in a.proof.steps)
    assert kb.ask("forall X: person. (X = cid | X = dan | exists Y: person. parent(X, Y))").verdict is Verdict.TRUE


def test_positive_formulas_false_or_unknown(kb):
    a = kb.ask("exists X: person. ancestor(X, X)")
    assert a.verdict is Verdict.FALSE
    kb.verify(a.proof, "not (exists X: person. ancestor(X, X))")
    b = kb.ask("forall X: person. (male(X) | female(X))")
    assert b.verdict is Verdict.UNKNOWN
    assert b.witnesses["holds"] and all(v is True for v in b.witnesses["holds"].values())
    kb.tell("closed male, female.")
    c = kb.ask("forall X: person. (male(X) | female(X))")          # cid is neither now
    assert c.verdict is Verdict.FALSE
    kb.verify(c.proof, "not (forall X: person. (male(X) | female(X)))")


def test_a_violated_denial_is_refused_with_the_statements_it_used(kb):
    before = kb.statements
    with pytest.raises(InconsistencyError) as e:
        kb.tell("parent(cid, ann).")
    text = e.value.render()
    assert "not ancestor(X, X)" in text and "parent(cid, ann)" in text and "parent(bob, cid)" in text
    assert "male(bob)" not in text
    assert kb.statements == before


def test_open_sorts_fall_back_to_z3():
    k = KnowledgeBase()
    k.tell("type thing2 open. const u, v : thing2. pred p(thing2). p(u). forall X: thing2. not (p(X) & q(X)).")
    assert k.ask("u != v").verdict is Verdict.UNKNOWN      # no unique names in an open sort
    assert k.ask("q(u)").verdict is Verdict.FALSE
    assert k.ask("q(v)").verdict is Verdict.UNKNOWN         # v may or may not be u
