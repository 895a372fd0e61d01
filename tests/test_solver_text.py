"""The SMT-LIB text path of engine/smt/solver.py (grounded instances handed to z3 as one text)
against the z3 Python API path it replaces: random knowledge bases with enumerated and
range sorts, reals, comparisons and awkward names get the same verdicts either way."""
from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction
from unittest import mock

from hypothesis import HealthCheck, given, settings, strategies as st

from engine.language import syntax as S
from engine.errors import ScientiaError
from engine.kb import KnowledgeBase
from engine.smt.text import NoText
from engine.smt.solver import Problem

HEADER = """type place = {alice, 'New York', and, 'x|y', assert}.
type level = 1..3.
pred p(place).
pred q(place, place).
pred score(place, level).
pred weight(place, real).
"""
PLACES = ["alice", "'New York'", "and", "'x|y'", "assert"]
REALS = ["-1.5", "0", "2", "0.25"]


@contextmanager
def api_only():
    """Every formula through the z3 Python API, as before the text path."""
    with mock.patch.object(Problem, "_text", side_effect=NoText):
        yield


def _atom(draw) -> str:
    c, d = draw(st.sampled_from(PLACES)), draw(st.sampled_from(PLACES))
    return draw(st.sampled_from([f"p({c})", f"q({c}, {d})", f"score({c}, {draw(st.integers(1, 3))})",
                                 f"weight({c}, {draw(st.sampled_from(REALS))})"]))


@st.composite
def formulas(draw, depth: int = 2):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return _atom(draw)
    kind = draw(st.sampled_from(["not", "and", "or", "imp", "iff", "all", "some", "cmp"]))
    a, b = draw(formulas(depth - 1)), draw(formulas(depth - 1))
    if kind == "not":
        return f"not ({a})"
    if kind in ("and", "or", "imp", "iff"):
        return f"({a}) {dict(zip(['and', 'or', 'imp', 'iff'], ['&', '|', '->', '<->']))[kind]} ({b})"
    if kind == "cmp":
        n = draw(st.integers(0, 4))
        return draw(st.sampled_from([f"forall N: level. (score(alice, N) -> N >= {n})",
                                     f"exists N: level. (score(and, N) & N != {n})",
                                     f"forall X: place. (p(X) -> X != {draw(st.sampled_from(PLACES))})",
                                     f"exists X: place. (q(X, X) & X = {draw(st.sampled_from(PLACES))})"]))
    x = draw(st.sampled_from(PLACES))
    body = a.replace(x, "X") if x in a else f"p(X) & ({a})"
    return f"{'forall' if kind == 'all' else 'exists'} X: place. ({body})"


@st.composite
def programs(draw):
    lines = [draw(formulas()) + "." for _ in range(draw(st.integers(1, 4)))]
    lines += [_atom(draw) + "." for _ in range(draw(st.integers(0, 3)))]
    if draw(st.booleans()):
        lines.append("q(X, Y) :- p(X), p(Y), X != Y.")
    if draw(st.booleans()):
        lines.append("closed score.")
    queries = [draw(formulas()) for _ in range(3)]
    return "\n".join(lines), queries


def _verdicts(program: str, queries: list):
    kb = KnowledgeBase()
    try:
        kb.tell(HEADER + program, "t.kb")
    except ScientiaError as e:
        return type(e).__name__
    return [kb.ask(q).verdict.value for q in queries]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_text_path_agrees_with_the_api(case):
    program, queries = case
    with api_only():
        expected = _verdicts(program, queries)
    assert _verdicts(program, queries) == expected


def test_text_path_is_taken_and_reads_atoms_back():
    """Grounded instances reach z3 as text; atoms are read back to z3 terms for witnesses."""
    kb = KnowledgeBase()
    kb.tell(HEADER + "p(alice) | p(and).\nforall X: place. (p(X) -> weight(X, 0.25)).\n", "t.kb")
    answer = kb.ask("not p(and)")
    assert answer.verdict.value == "unknown" and answer.witnesses
    theory = kb._theory
    problem = next(iter(theory._problems.values()))
    assert problem.smt_atoms and "weight(and, 0.25)" in problem.smt_atoms
    read_back = problem.atom_expr("weight(and, 0.25)")
    assert read_back.eq(problem.atom("weight", (S.Const("and"), S.Num(Fraction(1, 4))), {}))
