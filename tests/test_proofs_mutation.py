"""Every proof the engine produces passes the kernel; every broken proof fails it.

Proofs come from random Horn KBs (rule-by-rule proofs with `premise`, `rule` and
`closed` steps), random general KBs (`smt` steps) and a few fixed KBs. Each proof must

  * pass `kb.verify(proof, claim)`, also after a JSON round trip;
  * have only steps whose claims the KB entails (checked by the brute-force oracle);

and each of these mutations must make `kb.verify` raise ProofError, whenever the
mutated proof is really wrong (the oracle decides where that is a semantic question):
a claim with a constant swapped, a rule step's substitution changed or cut short, a
referenced step dropped, a step moved after the step that uses it, a premise citing
another statement, a step's justification changed to another kind, a needed premise
dropped from an smt step, a closed step claiming `not a` for a derivable atom `a`, and
the negation of the conclusion.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import replace

import pytest
from hypothesis import event as _event, given, note as _note, settings
from hypothesis.errors import InvalidArgument
from hypothesis import strategies as st

from engine.answer import Verdict
from engine.errors import ProofError, ScientiaError
from engine.kb import KnowledgeBase
from engine.language.parse import parse_formula
from engine.proof import KINDS, Proof
from engine.language.terms import canonical

from oracle import Oracle, free_vars, instance, parse, show, show_kb
from test_oracle import SETTINGS, TIMEOUT_MS, fo_signature, gen_atom, gen_formula, gen_kb

def note(text):
    try:
        _note(text)
    except InvalidArgument:     # outside a hypothesis test
        pass


def event(text):
    try:
        _event(text)
    except InvalidArgument:
        pass


EXAMPLES = int(os.environ.get("SCIENTIA_MUTATION_EXAMPLES", "40"))

CONST_ARG = re.compile(r"(?<=[(,\s])([a-z][A-Za-z0-9_]*|'[^']*')(?=\s*[,)])")


# ---------------------------------------------------------------- KBs
def gen_horn_kb(draw, preds: dict, consts: list):
    """Facts and rules; negated body literals only over lower-ranked predicates (stratified),
    so closed predicates give rule proofs with closed steps."""
    order = draw(st.permutations(sorted(preds)))
    rank = {p: k for k, p in enumerate(order)}
    closed = draw(st.lists(st.sampled_from(sorted(preds)), max_size=len(preds), unique=True))
    statements = [("axiom", gen_atom(draw, preds, consts)) for _ in range(draw(st.integers(2, 6)))]
    terms = ["X", "Y", "X", "Y", consts[0]]     # mostly variables, so that rules fire
    for _ in range(draw(st.integers(1, 4))):
        upper = {p: n for p, n in preds.items() if rank[p] > 0}
        head = gen_atom(draw, upper, terms)
        below = {p: n for p, n in preds.items() if rank[p] <= rank[head[1]]}
        lower = {p: n for p, n in preds.items() if rank[p] < rank[head[1]]}
        negatable = {p: n for p, n in lower.items() if p in closed}
        body = [gen_atom(draw, lower, terms)] + [gen_atom(draw, below, terms) for _ in range(draw(st.integers(0, 1)))]
        if negatable and draw(st.booleans()):
            body.append(("not", gen_atom(draw, negatable, terms)))
        bound = set().union(*(free_vars(b) for b in body if b[0] == "atom"))
        missing = sorted((free_vars(head) | set().union(*(free_vars(b) for b in body))) - bound)
        for v in missing:   # range-restricted: every variable in a positive body atom
            unary = sorted(p for p, n in below.items() if n >= 1)
            p = draw(st.sampled_from(unary))
            body.insert(0, ("atom", p, (v,) + tuple(draw(st.sampled_from(consts)) for _ in range(preds[p] - 1))))
        statements.append(("rule", head, tuple(body)))
    if closed:
        statements.append(("closed", tuple(sorted(closed))))
    return statements


# ---------------------------------------------------------------- proofs
def proofs_of(draw, kb: KnowledgeBase, oracle: Oracle, preds: dict, first_order: bool, limit: int):
    """(claim text, proof) for true/false answers: every ground atom, some formulas, some open queries."""
    out = []
    queries = [show(("atom", p, args)) for p, args in oracle.atoms]
    kb_preds = {p: n for p, n in preds.items() if oracle.preds.get(p) is not None}
    if kb_preds:
        for _ in range(2):
            queries.append(show(gen_formula(draw, kb_preds, oracle.consts, draw(st.integers(1, 2)), (), first_order)))
    for q in queries:
        a = kb.ask(q)
        if a.verdict is Verdict.TRUE:
            out.append((q, a.proof))
        elif a.verdict is Verdict.FALSE:
            out.append((f"not ({q})", a.proof))
    unary = sorted(p for p, n in kb_preds.items() if n == 1)
    if unary:
        p = draw(st.sampled_from(unary))
        for a in kb.ask_all(f"{p}(X)"):
            out.append((f"{p}({a.bindings['X']})", a.proof))
    # rule proofs first: they are the rarer, richer ones
    out.sort(key=lambda cp: (-any(s.by == "rule" for s in cp[1].steps), -len({s.by for s in cp[1].steps}),
                             -len(cp[1].steps)))
    return out[:limit]


def check_proof_and_mutants(kb: KnowledgeBase, oracle: Oracle | None, claim: str, proof: Proof, statements=None):
    note(f"claim: {claim}\nproof: {proof.dumps()}")
    kb.verify(proof, claim)
    kb.verify(Proof.from_json(json.loads(json.dumps(proof.to_json()))), claim)
    if oracle is not None:
        for s in proof.steps:
            assert oracle.verdict(parse(s.text)) == "true", f"step {s.id} claims {s.text}, which the KB does not entail"
    count = 0
    for name, mutant, check_claim in mutants(kb, oracle, proof, claim):
        try:
            kb.verify(mutant, claim if check_claim else None)
        except ProofError:
            pass
        else:
            raise AssertionError(f"the kernel accepted a broken proof (mutation: {name}) of {claim}:\n"
                                 f"original: {proof.dumps()}\nmutant: {mutant.dumps()}")
        event(f"mutation rejected: {name.split(':')[0]}")
        count += 1
    with pytest.raises(ProofError):
        kb.verify(proof, f"not ({claim})")
    return count


def _with_step(proof: Proof, k: int, step) -> Proof:
    steps = list(proof.steps)
    steps[k] = step
    return Proof(tuple(steps))


def _entailed(oracle, text) -> bool | None:
    """Does the KB (with closure) entail the claim? None when there is no oracle."""
    if oracle is None:
        return None
    try:
        return oracle.verdict(parse(text)) == "true"
    except (KeyError, ValueError):
        return None


def _same_sentence(kb, source, claim_text) -> bool:
    entry = next((e for e in kb.entries if e.source == source), None)
    if entry is None or entry.sentence is None:
        return False
    try:
        return canonical(entry.sentence) == canonical(parse_formula(claim_text))
    except ScientiaError:
        return False


def mutants(kb: KnowledgeBase, oracle: Oracle | None, proof: Proof, claim: str):
    """(name, mutated proof, check against the claim?) for mutations that must be rejected."""
    steps = proof.steps
    last = len(steps) - 1
    consts = sorted(kb.signature.consts)
    sources = [e.source for e in kb.entries if e.sentence is not None]
    used_by: dict = {}
    for s in steps:
        for p in s.premises:
            used_by.setdefault(p, []).append(s.id)
    for k, s in enumerate(steps):
        final = k == last
        # --- change a claim: swap one constant argument for another constant
        for m in list(CONST_ARG.finditer(s.text))[:2]:
            for d in consts:
                if d == m.group(1):
                    continue
                text = s.text[:m.start()] + d + s.text[m.end():]
                structural = s.by in ("premise", "rule")
                if structural or _entailed(oracle, text) is False:
                    yield f"claim:{s.by}", _with_step(proof, k, replace(s, claim=text)), not final
                break
        # --- negate a claim (never entailed: the KB is consistent and the step's claim is)
        yield f"negated claim:{s.by}", _with_step(proof, k, replace(s, claim=f"not ({s.text})")), not final
        # --- rule steps: change or cut the substitution
        if s.by == "rule" and s.subst:
            for var, value in sorted(s.subst.items()):
                others = [c for c in consts if c != value]
                if others:
                    yield "subst changed", _with_step(proof, k, replace(s, subst={**s.subst, var: others[0]})), True
                cut = {v: x for v, x in s.subst.items() if v != var}
                yield "subst cut", _with_step(proof, k, replace(s, subst=cut)), True
                break
        # --- drop a referenced step; move it after the step that uses it
        if s.id in used_by:
            yield "dropped step", Proof(steps[:k] + steps[k + 1:]), True
            user = next(j for j, t in enumerate(steps) if t.id == used_by[s.id][0])
            moved = list(steps[:k]) + list(steps[k + 1:user + 1]) + [s] + list(steps[user + 1:])
            yield "forward reference", Proof(tuple(moved)), False
        # --- a premise that cites another statement
        if s.by == "premise":
            for other in sources:
                if other != s.source and not _same_sentence(kb, other, s.text):
                    yield "premise source", _with_step(proof, k, replace(s, source=other)), True
                    break
        # --- a closed step that claims `not a` for a derivable atom a
        if s.by == "closed":
            for text in _derivable_atoms(kb, oracle, s.predicate, consts):
                yield "closed derivable", _with_step(proof, k, replace(s, claim=f"not {text}")), not final
                break
        # --- another justification
        for kind in KINDS:
            if kind == s.by:
                continue
            changed = _rekind(kb, oracle, proof, s, kind, sources)
            if changed is not None:
                yield f"by {s.by}->{kind}", _with_step(proof, k, changed), True
        # --- an smt step whose instance of a universal premise is changed (when that breaks it)
        if s.by == "smt" and s.instances and oracle is not None:
            by_id = proof.by_id()
            pid, subs = sorted(s.instances.items())[0]
            var, value = sorted(subs[0].items())[0]
            for d in consts:
                if d == value:
                    continue
                changed = {**s.instances, pid: [{**subs[0], var: d}] + list(subs[1:])}
                try:
                    kept = []
                    for q in s.premises:
                        f = parse(by_id[q].text)
                        qs = changed.get(q)
                        kept.extend(instance(f, sub) for sub in qs) if qs else kept.append(f)
                    if not oracle.entails_from(kept, parse(s.text)):
                        yield "smt instance changed", _with_step(proof, k, replace(s, instances=changed)), True
                except (KeyError, ValueError):
                    pass
                break
        # --- an smt step without one of its premises (when that one is needed)
        if s.by == "smt" and oracle is not None:
            by_id = proof.by_id()
            for p in s.premises:
                rest = [q for q in s.premises if q != p]
                try:
                    kept = [parse(by_id[q].text) for q in rest]
                    goal = parse(s.text)
                    if not oracle.entails_from(kept, goal):
                        yield "smt premise dropped", _with_step(proof, k, replace(s, premises=tuple(rest))), True
                except (KeyError, ValueError):
                    pass


def _derivable_atoms(kb, oracle, pred, consts):
    arity = len(kb.signature.preds.get(pred, ()))
    import itertools
    for args in itertools.product(consts, repeat=arity):
        text = show(("atom", pred, tuple(args)))
        if oracle is not None:
            if _entailed(oracle, text):
                yield text
        elif kb.ask(text).verdict is Verdict.TRUE:
            yield text


def _rekind(kb, oracle, proof, s, kind, sources):
    """The step justified by another kind, or None when that could be a valid step."""
    if kind == "perceived":
        return replace(s, by=kind, model="m", input="i", confidence=1.0)
    if kind == "premise":
        source = s.source or (sources[0] if sources else None)
        if source is None or _same_sentence(kb, source, s.text):
            return None
        return replace(s, by=kind, source=source)
    if kind == "rule":
        rule = s.rule or s.source
        return replace(s, by=kind, rule=rule)
    if kind == "closed":
        f = parse(s.text)
        if f[0] == "not" and f[1][0] == "atom":
            pred = f[1][1]
            if oracle is None or pred in oracle.closed and _entailed(oracle, s.text) is not False:
                return None     # maybe a valid closed step
            return replace(s, by=kind, predicate=pred)
        return replace(s, by=kind, predicate=s.predicate)
    if kind == "smt":
        if oracle is None:
            return None
        by_id = proof.by_id()
        try:
            kept = []
            for q in s.premises:
                f = parse(by_id[q].text)
                subs = (s.instances or {}).get(q) if s.by == "smt" else None
                kept.extend(instance(f, sub) for sub in subs) if subs else kept.append(f)
            if oracle.entails_from(kept, parse(s.text)):
                return None
        except (KeyError, ValueError):
            return None
        return replace(s, by=kind)
    return None


# ---------------------------------------------------------------- properties
def _run(draw, statements, preds, first_order, limit):
    text = show_kb(statements)
    note(f"KB:\n{text}")
    oracle = Oracle(statements)
    if oracle.ambiguous or oracle.stratum_error or not oracle.consistent:
        event("skipped: no consistent, determined KB")
        return
    kb = KnowledgeBase(timeout_ms=TIMEOUT_MS)
    kb.tell(text)
    proofs = proofs_of(draw, kb, oracle, preds, first_order, limit)
    for claim, proof in proofs:
        event(f"proof kinds: {'+'.join(sorted({s.by for s in proof.steps}))}")
        check_proof_and_mutants(kb, oracle, claim, proof)


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(st.data())
def test_horn_proofs_and_mutants(data):
    consts, preds = fo_signature(data.draw)
    preds = {p: n for p, n in preds.items() if n > 0}
    statements = gen_horn_kb(data.draw, preds, consts)
    _run(data.draw, statements, preds, True, 4)


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(st.data())
def test_general_proofs_and_mutants(data):
    first_order = data.draw(st.booleans())
    if first_order:
        consts, preds = fo_signature(data.draw)
    else:
        consts, preds = [], {"p": 0, "q": 0, "r": 0, "s": 0}
    statements = gen_kb(data.draw, preds, consts, first_order)
    _run(data.draw, statements, preds, first_order, 3)


FAMILY = """
parent(alice, bob). parent(bob, carol). parent(carol, dan).
ancestor(X, Y) :- parent(X, Y).
ancestor(X, Z) :- parent(X, Y), ancestor(Y, Z).
person(alice). person(bob). person(carol). person(dan).
unrelated(X, Y) :- person(X), person(Y), not ancestor(X, Y).
closed parent, ancestor.
"""

BIRDS = """
bird(tweety). penguin(opus). bird(X) :- penguin(X).
forall X. (penguin(X) -> not flies(X)).
flies(X) :- bird(X), not penguin(X).
rich(alice) | rich(bob). not rich(alice).
"""


@pytest.mark.parametrize("text,queries", [
    (FAMILY, ["ancestor(alice, dan)", "ancestor(dan, alice)", "parent(dan, alice)", "unrelated(dan, alice)",
              "exists X. ancestor(X, dan)", "forall X. (parent(X, bob) -> ancestor(X, bob))"]),
    (BIRDS, ["flies(opus)", "bird(opus)", "rich(bob)", "rich(alice)", "exists X. (bird(X) & not flies(X))"]),
])
def test_fixed_proofs_and_mutants(text, queries):
    kb = KnowledgeBase(timeout_ms=TIMEOUT_MS)
    kb.tell(text)
    total = 0
    seen_kinds = set()
    for q in queries:
        a = kb.ask(q)
        assert a.verdict in (Verdict.TRUE, Verdict.FALSE), (q, a.verdict, a.reason)
        claim = q if a.verdict is Verdict.TRUE else f"not ({q})"
        seen_kinds |= {s.by for s in a.proof.steps}
        total += check_proof_and_mutants(kb, None, claim, a.proof)
    assert total > 10
    if "parent" in text:
        assert {"premise", "rule", "closed"} <= seen_kinds
    else:
        assert "smt" in seen_kinds


def test_rule_proof_with_a_closed_step_inside():
    kb = KnowledgeBase(timeout_ms=TIMEOUT_MS)
    kb.tell(FAMILY)
    a = kb.ask("unrelated(dan, alice)")
    assert a.verdict is Verdict.TRUE
    kinds = [s.by for s in a.proof.steps]
    assert kinds[-1] == "rule" and "closed" in kinds
