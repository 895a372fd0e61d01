"""The kernel, one justification at a time: accepted when valid, rejected in each way
it can be malformed."""
from __future__ import annotations

import pytest

from engine.errors import ProofError
from engine.kb import KnowledgeBase
from engine.proof import Proof, Step

KB_TEXT = """parent(alice, bob).
parent(bob, carol).
ancestor(X, Y) :- parent(X, Y).
ancestor(X, Z) :- parent(X, Y), ancestor(Y, Z).
old(X) :- age(X, N), N > 60.
age(alice, 70).
age(bob, 40).
closed parent.
orphan(X) :- age(X, N), not parent(X, bob).
rich(alice) | rich(bob).
not rich(bob).
"""


@pytest.fixture(scope="module")
def kb():
    kb = KnowledgeBase()
    kb.tell(KB_TEXT, "k.kb")
    return kb


def accept(kb, *steps, claim=None):
    kb.verify(Proof(tuple(steps)), claim)


def reject(kb, *steps, claim=None, word=""):
    with pytest.raises(ProofError) as info:
        kb.verify(Proof(tuple(steps)), claim)
    assert word in info.value.render()
    return info.value


P1 = Step(1, "parent(alice, bob)", "premise", source="k.kb:1:1")
P2 = Step(2, "parent(bob, carol)", "premise", source="k.kb:2:1")


# ---------------------------------------------------------------- premise
def test_premise_accepted(kb):
    accept(kb, P1, claim="parent(alice, bob)")
    accept(kb, Step(1, "forall A: thing, B: thing. parent(A, B) -> ancestor(A, B)", "premise", source="k.kb:3:1"))


@pytest.mark.parametrize("step,word", [
    (Step(1, "parent(alice, carol)", "premise", source="k.kb:1:1"), "is not"),
    (Step(1, "parent(alice, bob)", "premise", source="k.kb:99:1"), "no statement"),
    (Step(1, "parent(alice, bob)", "premise", source=None), "no statement"),
    (Step(1, "parent(alice, ", "premise", source="k.kb:1:1"), "does not parse"),
    (Step(1, "parent(X, bob)", "premise", source="k.kb:1:1"), "free variables"),
])
def test_premise_rejected(kb, step, word):
    reject(kb, step, word=word)


# ---------------------------------------------------------------- rule
R1 = Step(3, "ancestor(bob, carol)", "rule", rule="k.kb:3:1", subst={"X": "bob", "Y": "carol"}, premises=(2,))
R2 = Step(4, "ancestor(alice, carol)", "rule", rule="k.kb:4:1",
          subst={"X": "alice", "Y": "bob", "Z": "carol"}, premises=(1, 3))


def test_rule_accepted(kb):
    accept(kb, P1, P2, R1, R2, claim="ancestor(alice, carol)")


def test_rule_with_arithmetic_test(kb):
    age = Step(1, "age(alice, 70)", "premise", source="k.kb:6:1")
    accept(kb, age, Step(2, "old(alice)", "rule", rule="k.kb:5:1", subst={"X": "alice", "N": 70}, premises=(1,)))
    age_b = Step(1, "age(bob, 40)", "premise", source="k.kb:7:1")
    reject(kb, age_b, Step(2, "old(bob)", "rule", rule="k.kb:5:1", subst={"X": "bob", "N": 40}, premises=(1,)),
           word="is false")


@pytest.mark.parametrize("bad,word", [
    (Step(4, "ancestor(alice, bob)", "rule", rule="k.kb:4:1", subst={"X": "alice", "Y": "bob", "Z": "carol"},
          premises=(1, 3)), "head"),
    (Step(4, "ancestor(alice, carol)", "rule", rule="k.kb:4:1", subst={"X": "alice", "Z": "carol"},
          premises=(1, 3)), "unbound"),
    (Step(4, "ancestor(alice, carol)", "rule", rule="k.kb:4:1", subst={"X": "alice", "Y": "bob", "Z": "carol"},
          premises=(3, 1)), "body"),
    (Step(4, "ancestor(alice, carol)", "rule", rule="k.kb:4:1", subst={"X": "alice", "Y": "bob", "Z": "carol"},
          premises=(1,)), "body"),
    (Step(4, "ancestor(alice, carol)", "rule", rule="k.kb:1:1", subst={"X": "alice", "Y": "bob", "Z": "carol"},
          premises=(1, 3)), "no rule"),
    (Step(4, "ancestor(alice, carol)", "rule", rule="k.kb:4:1", subst={"X": "alice", "Y": "bob", "Z": "carol"},
          premises=(1, 9)), "does not come before"),
])
def test_rule_rejected(kb, bad, word):
    reject(kb, P1, P2, R1, bad, word=word)


def test_rule_claims_in_other_spelling_are_read_not_compared(kb):
    """The kernel compares a rule step's texts with the printer's; a claim spelled otherwise
    (no spaces, a quoted plain name) is read and checked as a formula instead."""
    p1 = Step(1, "parent(alice,bob)", "premise", source="k.kb:1:1")
    p2 = Step(2, "parent( bob , 'carol' )", "premise", source="k.kb:2:1")
    r1 = Step(3, "ancestor('bob',carol)", "rule", rule="k.kb:3:1", subst={"X": "bob", "Y": "carol"}, premises=(2,))
    r2 = Step(4, "ancestor(alice,  carol)", "rule", rule="k.kb:4:1",
              subst={"X": "alice", "Y": "bob", "Z": "carol"}, premises=(1, 3))
    accept(kb, p1, p2, r1, r2, claim="ancestor(alice, carol)")


@pytest.mark.parametrize("subst,claim", [
    ({"X": "bob, carol", "Y": "carol"}, "ancestor(bob, carol)"),      # a value that would print as two
    ({"X": "bob", "Y": "carol", "W": "x"}, "ancestor(bob, bob)"),        # the text differs from the head
    ({"X": 1, "Y": "carol"}, "ancestor(1, carol)"),                      # a number is not the constant
])
def test_rule_text_comparison_cannot_be_fooled(kb, subst, claim):
    reject(kb, P1, P2, Step(3, claim, "rule", rule="k.kb:3:1", subst=subst, premises=(2,)))


# ---------------------------------------------------------------- closed
def test_closed_accepted_and_used_by_a_rule(kb):
    age = Step(1, "age(bob, 40)", "premise", source="k.kb:7:1")
    neg = Step(2, "not parent(bob, bob)", "closed", predicate="parent")
    accept(kb, age, neg, Step(3, "orphan(bob)", "rule", rule="k.kb:9:1", subst={"X": "bob", "N": 40}, premises=(1, 2)))


@pytest.mark.parametrize("bad,word", [
    (Step(1, "not parent(alice, bob)", "closed", predicate="parent"), "derivable"),
    (Step(1, "not ancestor(carol, alice)", "closed", predicate="ancestor"), "not closed"),
    (Step(1, "parent(carol, alice)", "closed", predicate="parent"), "must claim"),
    (Step(1, "not parent(carol, alice)", "closed", predicate="age"), "not closed"),
])
def test_closed_rejected(kb, bad, word):
    reject(kb, bad, word=word)


# ---------------------------------------------------------------- smt
D = Step(1, "rich(alice) | rich(bob)", "premise", source="k.kb:10:1")
N = Step(2, "not rich(bob)", "premise", source="k.kb:11:1")


def test_smt_accepted(kb):
    accept(kb, D, N, Step(3, "rich(alice)", "smt", premises=(1, 2)), claim="rich(alice)")


def test_smt_instances(kb):
    rule = Step(2, "forall X: thing, Y: thing. parent(X, Y) -> ancestor(X, Y)", "premise", source="k.kb:3:1")
    accept(kb, P1, rule, Step(3, "ancestor(alice, bob)", "smt", premises=(1, 2),
                               instances={2: [{"X": "alice", "Y": "bob"}]}))
    reject(kb, P1, rule, Step(3, "ancestor(alice, bob)", "smt", premises=(1, 2),
                               instances={2: [{"X": "bob", "Y": "bob"}]}), word="z3 does not confirm")
    reject(kb, P1, rule, Step(3, "ancestor(alice, bob)", "smt", premises=(1, 2),
                               instances={2: [{"X": 5, "Y": "bob"}]}), word="not of sort")
    reject(kb, P1, rule, Step(3, "ancestor(alice, bob)", "smt", premises=(1, 2),
                               instances={1: [{"X": "alice"}]}), word="not universal")


@pytest.mark.parametrize("bad,word", [
    (Step(3, "rich(alice)", "smt", premises=(1,)), "z3 does not confirm"),
    (Step(3, "rich(bob)", "smt", premises=(1, 2)), "z3 does not confirm"),
    (Step(3, "rich(alice)", "smt", premises=(1, 7)), "does not come before"),
])
def test_smt_rejected(kb, bad, word):
    reject(kb, D, N, bad, word=word)


# ---------------------------------------------------------------- whole proofs
def test_conclusion_must_be_the_claim(kb):
    reject(kb, P1, claim="parent(bob, carol)", word="concludes")


def test_unknown_kind_and_duplicates(kb):
    reject(kb, Step(1, "parent(alice, bob)", "oracle"), word="unknown justification")
    reject(kb, P1, Step(1, "parent(bob, carol)", "premise", source="k.kb:2:1"), word="duplicate")
    reject(kb, word="empty")


def test_perceived(kb):
    kb2 = KnowledgeBase()
    kb2.tell("type image. const img1: image. type digit = 0..9. fun label(image) -> digit.")
    kb2.add_perceived("label(img1) = 7.", "cnn", "img1", 0.93)
    good = Step(1, "label(img1) = 7", "perceived", model="cnn", input="img1", confidence=0.93)
    accept(kb2, good)
    for bad in (Step(1, "label(img1) = 8", "perceived", model="cnn", input="img1", confidence=0.93),
                Step(1, "label(img1) = 7", "perceived", model="cnn", input="img1", confidence=0.99),
                Step(1, "label(img1) = 7", "perceived", model="other", input="img1", confidence=0.93)):
        reject(kb2, bad, word="perceived")


def test_answers_rest_on(kb):
    a = kb.ask("rich(alice)")
    assert a.verdict.value == "true"
    assert a.rests_on["smt"] == ["rich(alice)"]
    assert sorted(a.rests_on["premises"]) == ["k.kb:10:1", "k.kb:11:1"]
    b = kb.ask("ancestor(alice, carol)")
    assert b.rests_on["smt"] == [] and all(s.by in ("premise", "rule") for s in b.proof.steps)
