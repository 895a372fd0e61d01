"""The router (engine/reason/router.py) is the one place that picks a core, for ask, ask_all and the
consistency check of tell; and the two cores never contradict each other: forcing every
question onto z3 never turns a verdict of the Horn route into its opposite."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import kb as kb_module
from engine.reason import prove, router
from engine.answer import Verdict
from engine.errors import InconsistencyError, ScientiaError
from engine.kb import KnowledgeBase
from engine.language.parse import parse_formula
from engine.reason.router import FORWARD, LEAST_MODEL, SMT, Route, route

ROOT = Path(__file__).resolve().parent.parent
QUERY = re.compile(r"^\s*\?-(?P<query>.*?)\.\s*%\s*expect:")


def _route_of(text: str, query: str) -> Route:
    kb = KnowledgeBase()
    kb.tell(text)
    return route(kb._theory, parse_formula(query))


def test_definite_rules_with_denials_over_finite_sorts_go_forward():
    r = _route_of("type p = {a, b}. pred q(p). pred r(p). q(a). r(X) :- q(X). not r(b).", "r(b)")
    assert r.core == FORWARD and r.horn


def test_rules_over_an_open_sort_without_hard_statements_read_the_least_model():
    r = _route_of("type o open. pred edge(o, o). pred path(o, o).\n"
                  "edge(a, b). path(X, Y) :- edge(X, Y).", "path(a, b)")
    assert r.core == LEAST_MODEL and r.horn


def test_a_disjunction_goes_to_z3_and_the_route_says_which_statement():
    r = _route_of("rich(alice) | rich(bob).\nhappy(X) :- rich(X).", "happy(bob)")
    assert r.core == SMT and not r.horn
    assert "<tell#1>:1:1" in r.why and "neither a definite rule nor a denial" in r.why


def test_the_consistency_check_is_routed_by_the_same_function():
    kb = KnowledgeBase()
    kb.tell("type p = {a, b}. pred q(p). q(a).")
    theory = kb._theory
    assert route(theory, entries=theory.hard).entries == ()
    calls = []
    real = kb_module.route

    def spy(*args, **kwargs):
        calls.append(kwargs.get("entries") is not None)
        return real(*args, **kwargs)
    kb_module.route = spy
    try:
        with pytest.raises(InconsistencyError):
            kb.tell("not q(a).")
        kb.ask("q(a)")
        kb.ask("q(b)")
    finally:
        kb_module.route = real
    assert calls[0] is True and calls[1:] == [False, False]


def _forced_smt(monkeypatch):
    """Every question routed to z3, over the same relevant entries."""
    def smt(theory, formula=None, **kwargs):
        r = router.route(theory, formula, **kwargs)
        return Route(SMT, r.entries, "forced by the test")
    monkeypatch.setattr(prove, "route", smt)
    monkeypatch.setattr(kb_module, "route", smt)


def _programs():
    files = sorted(ROOT.glob("kb/*.kb")) + sorted(ROOT.glob("tests/golden/*.kb"))
    return [f for f in files if "expect-error" not in f.read_text() and not f.name.startswith("digits")]


@pytest.mark.parametrize("path", _programs(), ids=lambda p: p.name)
def test_z3_never_contradicts_the_horn_route(path, monkeypatch):
    text = path.read_text()
    queries = [m["query"].strip() for line in text.splitlines() if (m := QUERY.match(line))]
    program = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("?-"))
    normal = KnowledgeBase(library=ROOT / "kb")
    try:
        normal.tell(program, file=str(path))
    except ScientiaError:
        pytest.skip("the program itself is refused")
    horn = {q: normal.ask(q).verdict for q in queries}
    _forced_smt(monkeypatch)
    forced = KnowledgeBase(library=ROOT / "kb")
    forced.tell(program, file=str(path))
    opposite = {Verdict.TRUE: Verdict.FALSE, Verdict.FALSE: Verdict.TRUE}
    decided = 0
    for q in queries:
        answer = forced.ask(q)
        assert answer.verdict is not opposite.get(horn[q]), (q, horn[q], answer.verdict)
        if answer.verdict is not Verdict.UNKNOWN:
            assert answer.proof is not None
            decided += 1
    assert decided or not any(v is not Verdict.UNKNOWN for v in horn.values())


def test_a_negated_ground_atom_is_decided_by_the_horn_core_on_a_long_chain():
    """`not path(a, b)`: true by the closed-world step when path is closed and path(a, b) is
    not derived, false by the atom's derivation when it is; z3 would ground 24 billion
    instances here and answer unknown (resource limit)."""
    n = 2000
    kb = KnowledgeBase()
    kb.tell("\n".join(f"edge(n{i}, n{i + 1})." for i in range(n - 1)) +
            "\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\nclosed path.\nclosed edge.")
    yes = kb.ask("not path(n5, n2)")
    assert yes.verdict is Verdict.TRUE and [s.by for s in yes.proof.steps] == ["closed"]
    no = kb.ask("not path(n2, n5)")
    assert no.verdict is Verdict.FALSE and no.proof.steps[-1].by == "smt"
    for answer in (yes, no):
        kb.verify_answer(answer)
