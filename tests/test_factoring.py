"""Linear recursion with one bound argument (engine/horn/factoring.py) against full saturation."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from engine import KnowledgeBase, Verdict
from engine.horn.factoring import factored
from engine.horn.core import HornRule, saturate
from engine.language.syntax import Const, Var

X, Y, Z, W = (Var(n) for n in "XYZW")
NODES = ["a", "b", "c", "d", "e"]

# rule bodies, as (literal, ...) with p the recursive predicate; each entry is one rule
RIGHT = HornRule(("p", (X, Z)), (("pos", "e", (X, Y)), ("pos", "p", (Y, Z))), 1)
LEFT = HornRule(("p", (X, Z)), (("pos", "p", (X, Y)), ("pos", "e", (Y, Z))), 2)
RIGHT_FILTERED = HornRule(("p", (X, Z)), (("pos", "e", (X, Y)), ("neg", "blocked", (Y,)), ("pos", "p", (Y, Z))), 3)
RIGHT_TEST = HornRule(("p", (X, Z)), (("pos", "f", (X, Y)), ("cmp", "!=", X, Y), ("pos", "p", (Y, Z))), 4)
EXITS = [HornRule(("p", (X, Y)), (("pos", "e", (X, Y)),), 10),
         HornRule(("p", (X, X)), (("pos", "q", (X,)),), 11),
         HornRule(("p", (X, Const("a"))), (("pos", "q", (X,)),), 12),
         HornRule(("p", (X, Y)), (("pos", "f", (X, Y)), ("pos", "q", (Y,))), 13)]
NONLINEAR = HornRule(("p", (X, Z)), (("pos", "p", (X, Y)), ("pos", "p", (Y, Z))), 20)
THROUGH_USED = HornRule(("p", (X, Z)), (("pos", "e", (X, Y)), ("pos", "q", (Z,)), ("pos", "p", (Y, Z))), 21)
MUTUAL = [HornRule(("p", (X, Z)), (("pos", "e", (X, Y)), ("pos", "r", (Y, Z))), 22),
          HornRule(("r", (X, Y)), (("pos", "p", (X, Y)),), 23)]

pairs = st.sets(st.tuples(st.sampled_from(NODES), st.sampled_from(NODES)), max_size=12)
unary = st.sets(st.sampled_from(NODES).map(lambda n: (n,)), max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([RIGHT, LEFT, RIGHT_FILTERED, RIGHT_TEST, NONLINEAR, THROUGH_USED]),
                min_size=1, max_size=2, unique=True),
       st.lists(st.sampled_from(EXITS), max_size=3, unique=True), st.booleans(),
       pairs, pairs, pairs, unary, unary, st.sampled_from(NODES), st.booleans())
def test_factored_answers_equal_the_least_model(recursive, exits, mutual, e, f, p_facts, q, blocked, node, first):
    rules = recursive + exits + (MUTUAL if mutual else [])
    facts = {"e": e, "f": f, "p": p_facts, "q": q, "blocked": blocked}
    pattern = (node, None) if first else (None, node)
    got = factored(rules, facts, "p", pattern)
    expected = {t for t in saturate(rules, facts).tuples("p") if t[0 if first else 1] == node}
    if got is not None:
        assert got == expected, (rules, facts, pattern)
    # the shapes that must be refused are refused; the plain linear ones are factored
    shapes = set(recursive)
    if mutual or shapes & {NONLINEAR, THROUGH_USED} or (first and LEFT in shapes) or (not first and shapes - {LEFT}):
        return
    assert got is not None


def test_point_queries_on_long_chains_are_linear_and_proved():
    kb = KnowledgeBase()
    kb.tell(" ".join(f"edge(n{i}, n{i + 1})." for i in range(400)) +
            " path(X, Y) :- edge(X, Y). path(X, Z) :- edge(X, Y), path(Y, Z).")
    answers = kb.ask_all("path(n0, Y)")
    assert len(answers) == 400
    assert "model" not in kb._theory.__dict__            # the whole closure was never computed
    a = answers[len(answers) // 2]
    kb.verify(a.proof, f"path(n0, {a.bindings['Y']})")
    assert kb.ask("path(n3, n2)").verdict is Verdict.UNKNOWN
