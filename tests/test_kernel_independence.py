"""Faults injected INTO THE SEARCH (the chainer, the search's z3 translator, the proof
builder, the open-query search) never make the engine say something false: the kernel
rejects the proof, and the answer raises ProofError E050 (a rejected proof is an error, as
for any proof the kernel refuses), or comes back unknown.

Each test first shows that its fault is real: with the kernel's check switched off, the
engine does give the wrong answer. So each test fails if the kernel trusted the search."""
from __future__ import annotations

from dataclasses import replace

import pytest

from engine.horn import core as horn
from engine.horn import magic
from engine import kernel
from engine.reason import prove
from engine.smt import solver
from engine.language import syntax as S
from engine.answer import Verdict
from engine.errors import ProofError
from engine.kb import KnowledgeBase
from engine.proof import Proof
from engine.smt.text import SmtText

CHAIN = """edge(a, b). edge(b, c).
path(X, Y) :- edge(X, Y).
path(X, Z) :- edge(X, Y), path(Y, Z).
closed path.
"""

EITHER = """rich(alice) | rich(bob).
"""


def rejected(call):
    """The answer the engine gives with the fault in place: the kernel must refuse it."""
    with pytest.raises(ProofError) as info:
        a = call()
        if hasattr(a, "proof"):
            a.proof
    assert info.value.codes == ["E050"]
    return info.value


def without_kernel(monkeypatch):
    monkeypatch.setattr(kernel, "check", lambda *args, **kwargs: None)
    import engine.kb
    monkeypatch.setattr(engine.kb.kernel, "check", lambda *args, **kwargs: None)


# ---------------------------------------------------------------- (a) the chainer stops early
def one_round(comp, clauses, rels, clock):
    """horn._fixpoint, broken: only the first round of the semi-naive loop."""
    first, _ = horn._variants(comp, clauses, rels)
    new = horn._round(first, None)
    clock[0] += 1
    for p, s in new.items():
        rels[p].add(s, clock[0])


@pytest.mark.usefixtures("in_memory")
def test_the_fault_in_the_chainer_is_real(monkeypatch):
    monkeypatch.setattr(horn, "_fixpoint", one_round)
    monkeypatch.setattr(magic, "point", lambda *args: None)     # no reachability search: the chainer
    without_kernel(monkeypatch)
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    assert kb.ask("path(a, c)").verdict is Verdict.FALSE         # wrong: path(a, c) is entailed


@pytest.mark.usefixtures("in_memory")
def test_a_chainer_that_stops_early_cannot_make_a_false_answer(monkeypatch):
    monkeypatch.setattr(horn, "_fixpoint", one_round)
    monkeypatch.setattr(magic, "point", lambda *args: None)
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    e = rejected(lambda: kb.ask("path(a, c)"))
    assert "derivable" in e.render()
    # the healthy search answers true, and its proof passes
    monkeypatch.undo()
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    assert kb.ask("path(a, c)").verdict is Verdict.TRUE
    assert kb.ask("path(c, a)").verdict is Verdict.FALSE


def test_a_lying_closed_step_is_refused_by_the_kernels_own_model():
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    from engine.proof import Step
    with pytest.raises(ProofError):
        kb.verify(Proof((Step(1, "not path(a, c)", "closed", predicate="path"),)), "not path(a, c)")
    kb.verify(Proof((Step(1, "not path(c, a)", "closed", predicate="path"),)), "not path(c, a)")


# ---------------------------------------------------------------- (b) the search's z3 translator
def or_as_and(f):
    match f:
        case S.Or(items):
            return S.And(tuple(or_as_and(x) for x in items))
        case S.And(items):
            return S.And(tuple(or_as_and(x) for x in items))
        case S.Not(body):
            return S.Not(or_as_and(body))
        case S.Implies(l, r):
            return S.Implies(or_as_and(l), or_as_and(r))
        case S.Iff(l, r):
            return S.Iff(or_as_and(l), or_as_and(r))
        case S.Quant(kind, vars_, body):
            return S.Quant(kind, vars_, or_as_and(body))
    return f


def break_translator(monkeypatch):
    text, formula = SmtText._text, solver.Problem.formula
    monkeypatch.setattr(SmtText, "_text", lambda self, f, sub: text(self, or_as_and(f), sub))
    monkeypatch.setattr(solver.Problem, "formula", lambda self, f, env=None: formula(self, or_as_and(f), env))


def test_the_fault_in_the_translator_is_real(monkeypatch):
    break_translator(monkeypatch)
    without_kernel(monkeypatch)
    kb = KnowledgeBase()
    kb.tell(EITHER)
    assert kb.ask("rich(bob)").verdict is Verdict.TRUE            # wrong: rich(bob) is not entailed


def test_a_translator_reading_or_as_and_cannot_make_a_true_answer(monkeypatch):
    break_translator(monkeypatch)
    kb = KnowledgeBase()
    kb.tell(EITHER)
    e = rejected(lambda: kb.ask("rich(bob)"))
    assert "does not confirm" in e.render()
    monkeypatch.undo()
    kb = KnowledgeBase()
    kb.tell(EITHER + "not rich(alice).")
    assert kb.ask("rich(bob)").verdict is Verdict.TRUE           # the kernel's writer agrees here


# ---------------------------------------------------------------- (c) the proof builder lies
def lying(builder, edit):
    def build(*args, **kwargs):
        return edit(builder(*args, **kwargs))
    return build


def last(proof, **changes):
    return Proof(proof.steps[:-1] + (replace(proof.steps[-1], **changes),))


@pytest.mark.parametrize("name,edit", [
    ("claim", lambda p: last(p, claim=S.Atom("path", (S.Const("a"), S.Const("a"))))),
    ("premises", lambda p: last(p, premises=p.steps[-1].premises[::-1])),
    ("premise dropped", lambda p: last(p, premises=p.steps[-1].premises[:1])),
    ("substitution", lambda p: last(p, subst={**p.steps[-1].subst, "Y": "a"})),
    ("substitution sort", lambda p: last(p, subst={**p.steps[-1].subst, "Y": 3})),
])
def test_a_lying_horn_proof_is_rejected(monkeypatch, name, edit):
    monkeypatch.setattr(prove, "horn_proof", lying(prove.horn_proof, edit))
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    rejected(lambda: kb.ask("path(a, c)"))


def test_a_lying_smt_proof_is_rejected(monkeypatch):
    kb = KnowledgeBase()
    kb.tell(EITHER + "not rich(bob).")
    assert kb.ask("rich(alice)").verdict is Verdict.TRUE
    drop_denial = lambda p: last(p, premises=tuple(i for i in p.steps[-1].premises
                                                   if "bob" not in p.by_id()[i].text or "|" in p.by_id()[i].text))
    monkeypatch.setattr(prove, "smt_proof", lying(prove.smt_proof, drop_denial))
    kb = KnowledgeBase()
    kb.tell(EITHER + "not rich(bob).")
    rejected(lambda: kb.ask("rich(alice)"))


# ---------------------------------------------------------------- (d) open queries
def spurious(found_maker, honest_instance: bool):
    """candidates, broken: one more row, ("c", "a"), proved by the proof of the first row."""
    def candidates(*args, **kwargs):
        found = found_maker(*args, **kwargs)
        rows = list(found.rows) + [("c", "a")]
        proof = found.proof

        def lie(i):
            if i < len(found.rows):
                return proof(i)
            instance, p = proof(0)
            if not honest_instance:
                instance = S.Atom("path", (S.Const("c"), S.Const("a")))
            return instance, p
        return replace(found, rows=rows, proof=lie)
    return candidates


@pytest.mark.parametrize("honest_instance", [False, True])
def test_a_spurious_binding_is_never_reported(monkeypatch, honest_instance):
    monkeypatch.setattr(prove, "candidates", spurious(prove.candidates, honest_instance))
    import engine.kb
    monkeypatch.setattr(engine.kb, "candidates", prove.candidates)
    kb = KnowledgeBase()
    kb.tell(CHAIN)
    answers = kb.ask_all("path(X, Y)")
    assert {"X": "c", "Y": "a"} not in answers.bindings()      # checked before it is reported
    assert "E050" in answers.incomplete
    for a in answers:
        assert a.proof is not None                 # the true rows still pass
