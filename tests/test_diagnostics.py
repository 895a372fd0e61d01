"""Every diagnostic code, raised by the KB with a position, and the KB left unchanged."""
from __future__ import annotations

import pytest

from engine.errors import InconsistencyError, ScientiaError, TypeCheckError
from engine.kb import KnowledgeBase

CASES = [  # code, text, line of the first diagnostic with that code (None: no position)
    ("E001", "p(a).\nq(#).", 2),
    ("E002", "p(a) q(b).", 1),
    ("E003", "p(a).\nq(b)", 2),
    ("E010", "p(X + 1).\nq(r(a) | s).", 2),
    ("E011", "p(a).\np(a, b).", 2),
    ("E012", "q(b).\np(X) :- q(Y).", 2),
    ("E013", "type person. type color = {red}. pred parent(person, person).\nparent(red, bob).", 2),
    ("E013", "age(alice) = 3.\nage(bob) = carol.", 2),
    ("E014", "pred parent(persn, person).", 1),
    ("E016", "type color = {red}.\ntype color = {blue}.", 2),
    ("E017", "closed p, q.\np(X) :- r(X), not q(X).\nq(X) :- r(X), not p(X).", 2),
    ("E009", "q.\np :- " + "not " * 1000 + "q.", 2),
    ("E009", "q(a).\nq(" + "f(" * 400 + "a" + ")" * 400 + ").", 2),
    ("E018", "use no_such_library.", 1),
    ("E018", "p(a).\nuse '../kb/family'.", 2),
    ("E018", "use '/etc/passwd'.", 1),
    ("E030", "p(a).\nnot p(a).", 1),
    ("E030", "type t. const a, b : t. closed p.\np(a) | p(b).", None),
]


@pytest.mark.parametrize("code,text,line", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_diagnostic(code, text, line):
    kb = KnowledgeBase()
    kb.tell("base(x).")
    before = kb.entries
    with pytest.raises(ScientiaError) as info:
        kb.tell(text, "in.kb")
    assert code in info.value.codes, info.value.render()
    assert kb.entries == before, "the KB must be left exactly as it was"
    hit = next((d for d in info.value.diagnostics if d.code == code and d.span), None)
    if line is not None:
        assert hit is not None and hit.span.line == line and hit.span.file == "in.kb"
        assert f"in.kb:{line}:" in info.value.render() and "^" in info.value.render()
    assert "Traceback" not in info.value.render()


def test_all_type_errors_are_reported_together():
    with pytest.raises(TypeCheckError) as info:
        KnowledgeBase().tell("p(a).\np(a, b).\nq(X) :- r(Y).\nx < 3.", "in.kb")
    assert {"E011", "E012", "E013"} <= set(info.value.codes)


def test_inconsistency_names_a_minimal_conflict():
    kb = KnowledgeBase()
    kb.tell("bird(tweety). penguin(opus). unrelated(x).", "a.kb")
    kb.tell("forall X. (penguin(X) -> not flies(X)).", "b.kb")
    with pytest.raises(InconsistencyError) as info:
        kb.tell("flies(opus).", "c.kb")
    text = info.value.render()
    for needed in ("a.kb:1:15", "b.kb:1:1", "c.kb:1:1"):
        assert needed in text
    messages = " ".join(d.message for d in info.value.diagnostics)
    assert "penguin(opus)" in messages and "unrelated" not in messages and "tweety" not in messages
    assert kb.ask("flies(opus)").verdict.value == "false"


def test_tell_with_query_after_bad_statement_is_atomic():
    kb = KnowledgeBase()
    with pytest.raises(ScientiaError):
        kb.tell("p(a). ?- p(a). not p(a).")
    assert kb.entries == ()


@pytest.mark.parametrize("text", [
    "p(a). p(b). q(X) :- p(X), X < b.",              # the constant on the right
    "p(a). p(b). q(X) :- p(X), p(Y), X < Y.",        # variables of an individual sort
    "type o open. pred p(o). p(a). r(X) :- p(X), p(Y), Y >= X.",
])
def test_order_comparisons_between_individuals_are_refused(text):
    kb = KnowledgeBase()
    with pytest.raises(TypeCheckError) as e:
        kb.tell(text)
    assert [d.code for d in e.value.diagnostics] == ["E013"]
    assert "needs numbers" in str(e.value)
    assert kb.statements == []


def test_order_comparisons_in_queries_check_variable_sorts():
    kb = KnowledgeBase()
    kb.tell("p(a). p(b). n(1). n(2).")
    with pytest.raises(TypeCheckError, match="E013"):
        kb.ask("p(X) & p(Y) & X < Y")
    assert kb.ask("n(X) & X < 2").verdict.value == "true"
