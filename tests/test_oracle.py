"""Soundness against a brute-force oracle (tests/oracle.py).

Random small knowledge bases, propositional and first-order over 2-3 named constants,
with negation, disjunction, implications, equivalences, rules with negated bodies,
quantified formulas and closed predicates. For each one the engine must

  * refuse a tell exactly when the oracle finds the KB inconsistent (and leave the KB as
    it was), and raise E017 exactly when closed predicates have a cycle through negation;
  * give the oracle's verdict (true / false / unknown) for random closed queries, with a
    proof that passes the kernel for every true / false answer;
  * give, for an `unknown (open world)` answer, witnesses that extend to models of the KB
    where the query holds / fails;
  * return from `ask_all` exactly the bindings whose instance the oracle says is entailed,
    each with a proof that passes the kernel.

KBs where the language page leaves the order of settling closed predicates open (the
oracle's `ambiguous`) are skipped, never guessed.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st

from engine.answer import Verdict
from engine.errors import InconsistencyError, ScientiaError
from engine.kb import KnowledgeBase

from oracle import Oracle, free_vars, parse, predicates_of, show, show_kb, substitute

TIMEOUT_MS = 20_000
# more examples for a longer hunt: SCIENTIA_ORACLE_EXAMPLES=2000 pytest tests/test_oracle.py
EXAMPLES = int(os.environ.get("SCIENTIA_ORACLE_EXAMPLES", "150"))
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])

PROP_PREDS = {"p": 0, "q": 0, "r": 0, "s": 0}

# Engine bugs this file found (all fixed) each have a regression test at the end of the file.


# ---------------------------------------------------------------- generators
def gen_atom(draw, preds: dict, terms: list):
    usable = [p for p, n in sorted(preds.items()) if n == 0 or terms]
    p = draw(st.sampled_from(usable))
    return ("atom", p, tuple(draw(st.sampled_from(terms)) for _ in range(preds[p])))


def gen_literal(draw, preds, terms):
    a = gen_atom(draw, preds, terms)
    return ("not", a) if draw(st.booleans()) else a


def gen_formula(draw, preds: dict, consts: list, depth: int, bound=(), quantifiers=True):
    """A random closed formula (given the bound variables) over preds and consts."""
    terms = list(consts) + list(bound)
    kinds = ["atom"]
    if depth > 0:
        kinds += ["not", "and", "or", "imp", "iff"]
        if quantifiers and len(bound) < 2 and consts:
            kinds += ["forall", "exists"]
    if not terms and all(n > 0 for n in preds.values()):
        kinds = [k for k in kinds if k in ("forall", "exists")] or kinds
    kind = draw(st.sampled_from(kinds))
    if kind == "atom":
        return gen_atom(draw, preds, terms)
    if kind == "not":
        return ("not", gen_formula(draw, preds, consts, depth - 1, bound, quantifiers))
    if kind in ("and", "or"):
        n = draw(st.integers(2, 3))
        return (kind,) + tuple(gen_formula(draw, preds, consts, depth - 1, bound, quantifiers) for _ in range(n))
    if kind in ("imp", "iff"):
        return (kind, gen_formula(draw, preds, consts, depth - 1, bound, quantifiers),
                gen_formula(draw, preds, consts, depth - 1, bound, quantifiers))
    var = ["X", "Y"][len(bound)]
    body = gen_formula(draw, preds, consts, depth - 1, tuple(bound) + (var,), quantifiers)
    if var not in free_vars(body):   # make the variable matter
        body = ("and" if kind == "exists" else "or", body, gen_atom(draw, {p: n for p, n in preds.items() if n > 0} or preds,
                                                                     [var]))
    return (kind, var, body)


def gen_rule(draw, preds: dict, consts: list):
    vars_ = ["X", "Y"] if any(n > 0 for n in preds.values()) else []
    terms = consts + vars_
    head = gen_atom(draw, preds, terms)
    body = tuple(gen_literal(draw, preds, terms) for _ in range(draw(st.integers(1, 3))))
    missing = sorted(free_vars(head) - set().union(*(free_vars(b) for b in body)))
    if missing:   # a head variable must occur in the body (else E012, an unsafe rule)
        wide = sorted(p for p, n in preds.items() if n >= len(missing))
        p = draw(st.sampled_from(wide))
        args = tuple(missing) + tuple(draw(st.sampled_from(terms)) for _ in range(preds[p] - len(missing)))
        body = body + (("atom", p, args),)
    return ("rule", head, body)


def gen_statement(draw, preds: dict, consts: list, first_order: bool):
    kind = draw(st.sampled_from(["fact", "fact", "negfact", "disj", "imp", "iff", "rule", "rule", "rule", "formula"]))
    ground = {p: n for p, n in preds.items()}
    if kind == "fact":
        return ("axiom", gen_atom(draw, ground, consts))
    if kind == "negfact":
        return ("axiom", ("not", gen_atom(draw, ground, consts)))
    if kind == "disj":
        return ("axiom", ("or",) + tuple(gen_literal(draw, ground, consts) for _ in range(draw(st.integers(2, 3)))))
    if kind == "imp":
        left = gen_literal(draw, ground, consts)
        if draw(st.booleans()):
            left = ("and", left, gen_literal(draw, ground, consts))
        return ("axiom", ("imp", left, gen_literal(draw, ground, consts)))
    if kind == "iff":
        return ("axiom", ("iff", gen_literal(draw, ground, consts), gen_literal(draw, ground, consts)))
    if kind == "rule":
        if first_order:
            return gen_rule(draw, preds, consts)
        head = gen_atom(draw, preds, [])
        body = tuple(gen_literal(draw, preds, []) for _ in range(draw(st.integers(1, 3))))
        return ("rule", head, body)
    return ("axiom", gen_formula(draw, preds, consts, draw(st.integers(1, 3)), (), first_order))


def gen_kb(draw, preds: dict, consts: list, first_order: bool):
    n = draw(st.integers(1, 6))
    statements = []
    if first_order:   # at least one statement that names constants, so the domain is not empty
        statements.append(("axiom", gen_literal(draw, preds, consts) if draw(st.booleans())
                           else ("or", gen_literal(draw, preds, consts), gen_literal(draw, preds, consts))))
    statements += [gen_statement(draw, preds, consts, first_order) for _ in range(n)]
    draw(st.randoms()).shuffle(statements)
    if draw(st.integers(0, 9)) < 5:
        used = sorted(p for p in preds if any(p == x for x in _preds(statements)))
        if used:
            closed = draw(st.lists(st.sampled_from(used), min_size=1, max_size=min(3, len(used)), unique=True))
            statements.insert(draw(st.integers(0, len(statements))), ("closed", tuple(sorted(closed))))
    return statements


def _preds(statements):
    return predicates_of([s for s in statements if s[0] != "closed"])


def fo_signature(draw):
    """Constants and predicates with at most 12 ground atoms."""
    shape = draw(st.sampled_from(["two", "three_unary", "three_binary"]))
    if shape == "two":
        return ["a", "b"], {"p": 1, "q": 1, "r": 2, "s": 0}
    if shape == "three_unary":
        return ["a", "b", "c"], {"p": 1, "q": 1, "s": 0}
    return ["a", "b", "c"], {"p": 1, "r": 2}


# ---------------------------------------------------------------- the checks
def new_kb() -> KnowledgeBase:
    return KnowledgeBase(timeout_ms=TIMEOUT_MS)


def tell_expecting(kb: KnowledgeBase, text: str, oracle: Oracle) -> bool:
    """Tell `text`; the outcome must match the oracle. Returns whether it was accepted."""
    before = kb.entries
    if oracle.stratum_error:
        with pytest.raises(ScientiaError) as info:
            kb.tell(text)
        assert "E017" in info.value.codes, info.value.render()
        assert kb.entries == before
        return False
    if not oracle.consistent:
        with pytest.raises(InconsistencyError):
            kb.tell(text)
        assert kb.entries == before, "a refused tell changed the KB"
        return False
    try:
        kb.tell(text)
    except ScientiaError as e:
        raise AssertionError(f"the engine refused a consistent KB:\n{e.render()}") from None
    return True


def check_closed_query(kb: KnowledgeBase, oracle: Oracle, f):
    text = show(f)
    expected = oracle.verdict(f)
    answer = kb.ask(text)
    note(f"?- {text}   oracle: {expected}   engine: {answer.verdict.value} ({answer.reason})")
    assert answer.verdict.value == expected, (
        f"query {text}: expected {expected}, engine says {answer.verdict.value} (reason: {answer.reason})")
    if answer.verdict is Verdict.UNKNOWN:
        if answer.reason == "open world":
            w = answer.witnesses
            assert w is not None and "holds" in w and "fails" in w
            assert oracle.extends(w["holds"], f, True), f"'holds' witness {w['holds']} is no model where {text} holds"
            assert oracle.extends(w["fails"], f, False), f"'fails' witness {w['fails']} is no model where {text} fails"
        return
    proof = answer.proof
    assert proof is not None, "a true/false answer without a proof"
    claim = text if answer.verdict is Verdict.TRUE else f"not ({text})"
    kb.verify(proof, claim)
    for step in proof.steps:   # every step is sound, not only the conclusion
        assert oracle.verdict(parse(step.text)) == "true", f"step {step.id} claims {step.text}, not entailed"


def check_open_query(kb: KnowledgeBase, oracle: Oracle, f):
    text = show(f)
    names = sorted(free_vars(f))
    expected = oracle.entailed_bindings(f)
    answers = kb.ask_all(text)
    got = set()
    for a in answers:
        assert a.verdict is Verdict.TRUE
        got.add(tuple(a.bindings[n] for n in names))
    note(f"?- {text} (all)   oracle: {sorted(expected)}   engine: {sorted(got)}")
    assert got == expected, f"ask_all({text}): expected {sorted(expected)}, engine gave {sorted(got)}"
    assert len(answers) == len(got), "ask_all repeated a binding"
    for a in answers:
        instance = substitute(f, {n: a.bindings[n] for n in names})
        kb.verify(a.proof, show(instance))


def check_queries(draw, kb, oracle, preds, first_order: bool, closed_n: int, open_n: int):
    kb_preds = {p: n for p, n in preds.items() if p in oracle.preds and oracle.preds[p] is not None}
    consts = oracle.consts
    if not consts:   # an empty domain: only 0-ary atoms can be asked about
        kb_preds = {p: n for p, n in kb_preds.items() if n == 0}
    if not kb_preds:
        return
    for _ in range(closed_n):
        f = gen_formula(draw, kb_preds, consts, draw(st.integers(0, 2)), (), first_order)
        check_closed_query(kb, oracle, f)
    if not first_order:
        return
    # a ground atom of every closed predicate: the closed-world path
    for p in oracle.closed:
        if p in kb_preds:
            f = gen_atom(draw, {p: kb_preds[p]}, consts)
            check_closed_query(kb, oracle, f)
    nonzero = {p: n for p, n in kb_preds.items() if n > 0}
    for _ in range(open_n if nonzero else 0):
        shape = draw(st.sampled_from(["atom", "atom", "formula"]))
        if shape == "atom":
            p = draw(st.sampled_from(sorted(nonzero)))
            args = tuple(draw(st.sampled_from(["X", "Y"] + consts)) for _ in range(nonzero[p]))
            if not any(a in ("X", "Y") for a in args):
                args = ("X",) + args[1:]
            f = ("atom", p, args)
            # `ask` reads free variables existentially
            closed_f = f
            for v in sorted(free_vars(f), reverse=True):
                closed_f = ("exists", v, closed_f)
            expected = oracle.verdict(closed_f)
            got = kb.ask(show(f)).verdict.value
            note(f"?- {show(f)} (ask, existential)   oracle: {expected}   engine: {got}")
            assert got == expected, f"ask({show(f)}) (existential): expected {expected}, engine says {got}"
        else:
            f = gen_formula(draw, kb_preds, consts, 1, ("X",), True)
            if "X" not in free_vars(f):
                u = p_unary(nonzero, draw)
                if u is None:
                    continue
                f = ("and", f, ("atom", u, ("X",)))
        check_open_query(kb, oracle, f)


def p_unary(nonzero, draw):
    unary = sorted(p for p, n in nonzero.items() if n == 1)
    return draw(st.sampled_from(unary)) if unary else None


def run_case(draw, statements, preds, first_order, closed_n=6, open_n=2):
    text = show_kb(statements)
    note(f"KB:\n{text}")
    oracle = Oracle(statements)
    if oracle.ambiguous:      # other orders would disagree; the language fixes this one
        event("the settling order decides (the language's order: smallest ready name first)")
    event(f"consistent={oracle.consistent} closed={bool(oracle.closed)} e017={oracle.stratum_error}")
    kb = new_kb()
    # sometimes tell in two parts: the second tell must be atomic too
    split = draw(st.integers(0, len(statements)))
    if 0 < split < len(statements):
        first = Oracle(statements[:split])
        note(f"(told in two parts, the first {split} statement(s) first)")
        accepted = tell_expecting(kb, show_kb(statements[:split]), first)
        if accepted:
            before = kb.entries
            if not tell_expecting(kb, show_kb(statements[split:]), oracle):
                assert kb.entries == before
                # the KB still answers as the first part says
                check_queries(draw, kb, first, preds, first_order, 2, 0)
                return
            check_queries(draw, kb, oracle, preds, first_order, closed_n, open_n)
            return
        kb = new_kb()
    if tell_expecting(kb, text, oracle):
        check_queries(draw, kb, oracle, preds, first_order, closed_n, open_n)


# ---------------------------------------------------------------- properties
@settings(max_examples=EXAMPLES, **SETTINGS)
@given(st.data())
def test_propositional_against_oracle(data):
    statements = gen_kb(data.draw, PROP_PREDS, [], False)
    run_case(data.draw, statements, PROP_PREDS, False)


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(st.data())
def test_first_order_against_oracle(data):
    consts, preds = fo_signature(data.draw)
    statements = gen_kb(data.draw, preds, consts, True)
    run_case(data.draw, statements, preds, True)


# ---------------------------------------------------------------- fixed cases (each found or guards a subtle point)
# ---------------------------------------------------------------- definite rules with denials
def gen_denial(draw, preds: dict, consts: list):
    """A denial: `not p(a)`, `forall X. not (l1 & l2)` or `forall X. (l1 -> not l2)` (atoms)."""
    kind = draw(st.sampled_from(["negfact", "not_and", "imp_not"]))
    if kind == "negfact":
        return ("axiom", ("not", gen_atom(draw, preds, consts)))
    terms = consts + ["X"]
    first = gen_atom(draw, preds, terms)
    second = gen_atom(draw, preds, terms)
    if "X" not in free_vars(first) | free_vars(second):
        return ("axiom", ("not", ("and", first, second)))
    if not free_vars(first) <= {"X"} or "X" not in free_vars(first) and "X" not in free_vars(second):
        return None
    body = ("not", ("and", first, second)) if kind == "not_and" else ("imp", first, ("not", second))
    return ("axiom", ("forall", "X", body))


def gen_definite_kb(draw, preds: dict, consts: list):
    """Facts, definite rules and denials (sometimes a closed predicate): the theories that
    engine/reason/denials.py decides by forward chaining."""
    statements = [("axiom", gen_atom(draw, preds, consts)) for _ in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(0, 3))):
        _, head, body = gen_rule(draw, preds, consts)
        positive = tuple(b for b in body if b[0] == "atom")
        if positive and free_vars(head) <= set().union(*(free_vars(b) for b in positive)):
            statements.append(("rule", head, positive))
    for _ in range(draw(st.integers(1, 3))):
        d = gen_denial(draw, preds, consts)
        if d is not None:
            statements.append(d)
    draw(st.randoms()).shuffle(statements)
    if draw(st.integers(0, 9)) < 3:
        used = sorted(p for p in preds if p in _preds(statements))
        if used:
            statements.append(("closed", (draw(st.sampled_from(used)),)))
    return statements


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(st.data())
def test_definite_rules_with_denials_against_oracle(data):
    """The forward-chaining decision procedure for denials (false answers, consistency,
    open-world unknowns) agrees with the brute-force oracle."""
    consts, preds = fo_signature(data.draw)
    statements = gen_definite_kb(data.draw, preds, consts)
    run_case(data.draw, statements, preds, True, closed_n=8, open_n=2)


def _verdicts(text, queries):
    kb = new_kb()
    kb.tell(text)
    return {q: kb.ask(q).verdict.value for q in queries}


def test_oracle_self_check():
    """The oracle agrees with hand-computed answers (guards the tests themselves)."""
    S = [("axiom", ("or", ("atom", "p", ()), ("atom", "q", ()))), ("axiom", ("not", ("atom", "p", ())))]
    o = Oracle(S)
    assert o.consistent and o.verdict(("atom", "q", ())) == "true" and o.verdict(("atom", "p", ())) == "false"
    # closed p with p(a) | p(b): inconsistent
    o = Oracle([("axiom", ("or", ("atom", "p", ("a",)), ("atom", "p", ("b",)))), ("closed", ("p",))])
    assert not o.consistent
    # dependency order: p depends on q, so q is settled first
    o = Oracle([("closed", ("p", "q")), ("rule", ("atom", "p", ()), (("not", ("atom", "q", ())),)),
                ("rule", ("atom", "q", ()), (("atom", "r", ()),)),
                ("axiom", ("or", ("atom", "r", ()), ("atom", "s", ())))])
    assert not o.ambiguous and o.verdict(("atom", "p", ())) == "true" and o.verdict(("atom", "q", ())) == "false"
    # two closed predicates that the rule graph does not order, where the order matters: the
    # language settles the smaller name first (p false, not entailed; then q entailed)
    o = Oracle([("closed", ("p", "q")), ("axiom", ("or", ("atom", "p", ()), ("atom", "q", ())))])
    assert o.ambiguous and o.verdict(("atom", "p", ())) == "false" and o.verdict(("atom", "q", ())) == "true"
    # E017
    o = Oracle([("closed", ("p", "q")), ("rule", ("atom", "p", ()), (("not", ("atom", "q", ())),)),
                ("rule", ("atom", "q", ()), (("not", ("atom", "p", ())),))])
    assert o.stratum_error


def test_closed_predicates_settle_in_dependency_order():
    # q is settled first (p depends on q): q is not entailed, so `not q`, so p.
    text = "closed p, q. p :- not q. q :- r. r | s."
    assert _verdicts(text, ["p", "q"]) == {"p": "true", "q": "false"}


def test_closed_predicates_dependency_order_alphabetical_agrees():
    # the same KB with the names swapped, where alphabetical order is the dependency order
    text = "closed p, q. q :- not p. p :- r. r | s."
    assert _verdicts(text, ["q", "p"]) == {"q": "true", "p": "false"}


def test_open_query_negated_closed_predicate():
    kb = new_kb()
    kb.tell("closed p. p(a). q(b).")
    assert kb.ask("not p(b)").verdict is Verdict.TRUE
    assert [a.bindings for a in kb.ask_all("not p(X)")] == [{"X": "b"}]


def test_closed_atom_entailed_by_contraposition():
    # not p -> s and not s entail p: the closure adds nothing, the KB is consistent and p is true
    assert _verdicts("closed p. s :- not p. not s.", ["p", "s"]) == {"p": "true", "s": "false"}


def test_open_query_empty_domain():
    kb = new_kb()
    kb.tell("p | q. q :- r(X).")
    assert kb.ask_all("r(X)") == []


def test_anonymous_body_variable_with_hard_statements():
    """`q(X) :- p(X, _)` next to hard statements: the rule's sentence once kept `_` free (z3
    crashed), and its Horn proofs were rejected by the kernel (`_` never matched a premise)."""
    kb = new_kb()
    kb.tell("p(a, b). q(X) :- p(X, _). forall X. not (q(X) & r(X)). not q(c).")
    assert kb.ask("q(a)").verdict is Verdict.TRUE
    kb.verify(kb.ask("q(a)").proof, "q(a)")
    assert kb.ask("r(a)").verdict is Verdict.FALSE
    assert kb.ask("p(c, a)").verdict is Verdict.FALSE          # would give q(c)
    assert kb.ask("r(b)").verdict is Verdict.UNKNOWN
    kb.verify(kb.ask("p(c, a)").proof, "not p(c, a)")


def test_cycle_through_negation_of_a_closed_predicate_goes_to_z3():
    """`q :- not p. p :- q.` with p closed is not stratified: the chainer raised HornError."""
    assert _verdicts("closed p. p :- q. q :- not p. q.", ["p", "q"]) == {"p": "true", "q": "true"}
    assert _verdicts("closed p. p :- q. q :- not p.", ["p", "q"]) == {"p": "true", "q": "unknown"}
