"""Identification (engine/causal/identify.py) and estimands (engine/causal/estimand.py).

  * On random small ADMGs, whenever ID returns an estimand, it is evaluated exactly on the
    observational joint of a random SCM compatible with the graph (positive, see
    test_causal_scm.random_spec) and compared with P(y | do(x)) computed from the SCM itself,
    for every value of X and Y. Markovian graphs (no bidirected edge) are always identified.
  * The bow graph gives a hedge, and two SCMs with the same observational distribution and
    different interventional ones show why.
  * The classic graphs give the classic formulas (text and value): back-door, front-door, and
    the napkin; the back-door and front-door helpers agree with ID."""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from engine.causal import (ADMG, SCM, Equation, Estimand, GraphError, Hedge, Joint, PositivityError,
                           Prob, Quotient, Sum, backdoor_estimand, evaluate, find_backdoor_set,
                           frontdoor_estimand, identify, is_backdoor_set, is_frontdoor_set, to_text)
from test_causal_scm import build, random_admg, random_spec

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


def observed_joint(scm) -> Joint:
    names = list(scm.domains)
    return Joint(names, scm.distribution(names), scm.domains)


def assert_matches(estimand, scm, x, y):
    """estimand == P(y | do(x)) in scm, for every value of X and Y."""
    joint = observed_joint(scm)
    for xv in itertools.product(*(scm.domains[v] for v in x)):
        do = dict(zip(x, xv))
        dist = scm.distribution(list(y), do=do)
        for yv in itertools.product(*(scm.domains[v] for v in y)):
            got = estimand.evaluate(joint, {**do, **dict(zip(y, yv))})
            assert got == dist.get(yv, 0), (estimand.text(), do, yv)


def random_query(rng, graph):
    names = list(graph.nodes)
    rng.shuffle(names)
    kx = rng.randint(1, min(2, len(names) - 1))
    ky = rng.randint(1, min(2, len(names) - kx))
    return names[kx:kx + ky], names[:kx]


# ---------------------------------------------------------------- random graphs
@SETTINGS
@given(st.integers(0, 10**9))
def test_identified_effects_match_the_model(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(2, 5), p_directed=0.6, p_bidirected=rng.random() * 0.5)
    y, x = random_query(rng, graph)
    result = identify(graph, y, x)
    if isinstance(result, Hedge):
        assert result.subforest < result.forest
        assert result.subforest and result.subforest <= set(graph.ancestors(y))
        return
    assert_matches(result, build(random_spec(rng, graph)), x, y)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.integers(0, 10**9))
def test_markovian_effects_are_always_identified(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(2, 5), p_directed=0.6, p_bidirected=0)
    y, x = random_query(rng, graph)
    result = identify(graph, y, x)
    assert isinstance(result, Estimand)
    assert_matches(result, build(random_spec(rng, graph)), x, y)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.integers(0, 10**9))
def test_backdoor_sets_found_give_the_effect(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(2, 5), p_directed=0.6, p_bidirected=0)
    y, x = random_query(rng, graph)
    z = find_backdoor_set(graph, x, y)
    if len(x) == 1 and not graph.ancestors(x) & set(y):
        assert z is not None                   # the parents of a single X always do, in a DAG
    if z is None:
        return
    assert is_backdoor_set(graph, x, y, z)
    assert_matches(backdoor_estimand(graph, x, y, z), build(random_spec(rng, graph)), x, y)


def test_count_of_identified_and_hedged_random_queries():
    """The random test above sees both outcomes often."""
    outcomes = {Estimand: 0, Hedge: 0}
    for seed in range(200):
        rng = random.Random(seed)
        graph = random_admg(rng, rng.randint(2, 5), p_directed=0.6, p_bidirected=rng.random() * 0.5)
        y, x = random_query(rng, graph)
        outcomes[type(identify(graph, y, x))] += 1
    assert outcomes[Estimand] > 50 and outcomes[Hedge] > 20


# ---------------------------------------------------------------- the classic graphs
def bow():
    return ADMG("XY", [("X", "Y")], [("X", "Y")])


def front_door():
    return ADMG("XMY", [("X", "M"), ("M", "Y")], [("X", "Y")])


def back_door():
    return ADMG("ZXY", [("Z", "X"), ("Z", "Y"), ("X", "Y")])


def test_bow_graph_is_a_hedge():
    result = identify(bow(), "Y", "X")
    assert isinstance(result, Hedge)
    assert result.forest == {"X", "Y"} and result.subforest == {"Y"}
    assert "not identifiable" in str(result)


def bow_models():
    """Same observational distribution (X = Y = U, U fair), different effects of X on Y."""
    half = {0: Fraction(1, 2), 1: Fraction(1, 2)}
    ignores_x = SCM({"X": (0, 1), "Y": (0, 1)}, {"U": half},
                    {"X": Equation((), ("U",), lambda a: a["U"]),
                     "Y": Equation(("X",), ("U",), lambda a: a["U"])})
    copies_x = SCM({"X": (0, 1), "Y": (0, 1)}, {"U": half},
                   {"X": Equation((), ("U",), lambda a: a["U"]),
                    "Y": Equation(("X",), ("U",), lambda a: a["X"])})
    return ignores_x, copies_x


def test_bow_graph_models_agree_observationally_but_not_interventionally():
    one, two = bow_models()
    assert one.graph() == two.graph() == bow()
    assert one.distribution(["X", "Y"]) == two.distribution(["X", "Y"])
    assert one.probability({"Y": 1}, do={"X": 1}) == Fraction(1, 2)
    assert two.probability({"Y": 1}, do={"X": 1}) == 1


def test_front_door_formula():
    result = identify(front_door(), "Y", "X")
    assert isinstance(result, Estimand)
    assert result.text() == "sum_{M} P(M | X) sum_{X'} P(X') P(Y | X', M)"
    classic = frontdoor_estimand(front_door(), "X", "Y", "M")
    assert classic.text() == "sum_{M} P(M | X) sum_{X'} P(Y | X', M) P(X')"
    assert is_frontdoor_set(front_door(), "X", "Y", "M")
    for seed in range(5):
        scm = build(random_spec(random.Random(seed), front_door()))
        assert_matches(result, scm, ["X"], ["Y"])
        assert_matches(classic, scm, ["X"], ["Y"])


def test_back_door_formula():
    result = identify(back_door(), "Y", "X")
    assert isinstance(result, Estimand)
    assert result.text() == "sum_{Z} P(Z) P(Y | Z, X)"
    assert find_backdoor_set(back_door(), "X", "Y") == ("Z",)
    classic = backdoor_estimand(back_door(), "X", "Y", "Z")
    assert classic.text() == "sum_{Z} P(Y | Z, X) P(Z)"
    for seed in range(5):
        scm = build(random_spec(random.Random(seed), back_door()))
        assert_matches(result, scm, ["X"], ["Y"])
        assert_matches(classic, scm, ["X"], ["Y"])


def test_napkin_graph():
    napkin = ADMG("WZXY", [("W", "Z"), ("Z", "X"), ("X", "Y")], [("W", "X"), ("W", "Y")])
    result = identify(napkin, "Y", "X")
    assert isinstance(result, Estimand)
    assert isinstance(result.expr, Quotient)
    assert result.arbitrary == ("Z",)
    assert find_backdoor_set(napkin, "X", "Y") is None
    for seed in range(3):
        assert_matches(result, build(random_spec(random.Random(seed), napkin)), ["X"], ["Y"])


def test_a_variable_left_arbitrary_does_not_matter():
    graph = ADMG("WXY", [("W", "X"), ("X", "Y")])
    result = identify(graph, "Y", "X")
    assert result.arbitrary == ("W",) and "for any value of W" in result.text()
    joint = observed_joint(build(random_spec(random.Random(3), graph)))
    for x, y in itertools.product((0, 1), repeat=2):
        assert len({evaluate(result.expr, joint, {"W": w, "X": x, "Y": y}) for w in (0, 1)}) == 1


def test_criteria_reject_what_they_should():
    assert not is_backdoor_set(back_door(), "X", "Y", ())
    assert not is_backdoor_set(front_door(), "X", "Y", ("M",))     # a descendant of X
    assert find_backdoor_set(bow(), "X", "Y") is None
    assert not is_frontdoor_set(back_door(), "X", "Y", "Z")
    with pytest.raises(ValueError):
        backdoor_estimand(back_door(), "X", "Y", ())
    with pytest.raises(ValueError):
        frontdoor_estimand(bow(), "X", "Y", "X")
    with pytest.raises(GraphError):
        identify(bow(), "Y", "Y")
    with pytest.raises(GraphError):
        identify(bow(), "Q", "X")


# ---------------------------------------------------------------- estimands
def test_estimand_printing_and_evaluation():
    joint = Joint(["A", "B"], {(0, 0): Fraction(1, 4), (0, 1): Fraction(1, 4), (1, 1): Fraction(1, 2)})
    expr = Sum(("A",), Prob(("B",), ("A",)))
    assert to_text(expr) == "sum_{A} P(B | A)"
    assert evaluate(expr, joint, {"B": 1}) == Fraction(1, 2) + 1
    shadow = Quotient(Prob(("A",)), Sum(("A",), Prob(("A", "B"))))
    assert to_text(shadow) == "[P(A)] / [sum_{A'} P(A', B)]"
    assert evaluate(shadow, joint, {"A": 1, "B": 1}) == Fraction(2, 3)
    with pytest.raises(PositivityError):
        evaluate(Prob(("B",), ("A",)), Joint(["A", "B"], {(0, 0): 1}, {"A": (0, 1), "B": (0, 1)}),
                 {"A": 1, "B": 0})
    with pytest.raises(ValueError):
        evaluate(expr, joint, {})
