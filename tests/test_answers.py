"""ask_all returns an Answers sequence: answers and proofs built on access, all correct."""
from __future__ import annotations

import pytest

from engine import Answers, KnowledgeBase, Verdict
from engine.errors import ProofError

RULES = "path(X, Y) :- edge(X, Y). path(X, Z) :- edge(X, Y), path(Y, Z)."


def cycle_kb(n: int) -> KnowledgeBase:
    kb = KnowledgeBase()
    kb.tell(" ".join(f"edge(n{i}, n{(i + 1) % n})." for i in range(n)) + " edge(n0, m). " + RULES)
    return kb


def test_answers_is_a_sequence_of_entailed_bindings_with_checked_proofs():
    kb = cycle_kb(5)
    answers = kb.ask_all("path(X, Y)")
    assert isinstance(answers, Answers)
    expected = {(f"n{i}", f"n{j}") for i in range(5) for j in range(5)} | {(f"n{i}", "m") for i in range(5)}
    assert len(answers) == len(expected)
    assert {(a.bindings["X"], a.bindings["Y"]) for a in answers} == expected
    assert [b for b in answers.bindings()] == [a.bindings for a in answers]
    assert answers[-1].bindings == answers[len(answers) - 1].bindings
    assert [a.bindings for a in answers[2:5]] == [a.bindings for a in list(answers)[2:5]]
    with pytest.raises(IndexError):
        answers[len(answers)]
    for a in (answers[0], answers[-1], answers[7]):
        assert a.verdict is Verdict.TRUE
        claim = f"path({a.bindings['X']}, {a.bindings['Y']})"
        kb.verify(a.proof, claim)
        assert all(s.by != "smt" for s in a.proof.steps)       # pure Horn: rule by rule
        with pytest.raises(ProofError):
            kb.verify(a.proof, f"path({a.bindings['Y']}, m)")      # m has no outgoing edge


def test_repeated_variables_and_constants_filter_the_rows():
    kb = cycle_kb(4)
    loops = kb.ask_all("path(X, X)")
    assert sorted(a.bindings["X"] for a in loops) == ["n0", "n1", "n2", "n3"]     # m has no way back
    from_m = kb.ask_all("path(m, Y)")
    assert len(from_m) == 0 and from_m == []
    to_m = kb.ask_all("path(X, m)")
    assert sorted(b["X"] for b in to_m.bindings()) == ["n0", "n1", "n2", "n3"]
    kb.verify(to_m[0].proof, f"path({to_m[0].bindings['X']}, m)")


def test_non_horn_answers_carry_smt_proofs():
    kb = KnowledgeBase()
    kb.tell("type t = {a, b, c}. pred p(t). pred q(t). p(a) | p(b). forall X: t. (p(X) -> q(X)). not p(b). q(c).")
    answers = kb.ask_all("q(X)")
    assert sorted(a.bindings["X"] for a in answers) == ["a", "c"]
    for a in answers:
        kb.verify(a.proof, f"q({a.bindings['X']})")
