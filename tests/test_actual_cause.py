"""Actual causation, the modified Halpern-Pearl definition (Halpern, IJCAI 2015; *Actual
Causality*, 2016, ch. 2): the search (engine/causal/actual.py) and its kernel check
(engine/kernel/actual.py).

The classic examples with their verdicts under the modified definition; then random small
models, where the search is compared with a brute-force reading of the definition written
here (its own solver, every W among all the endogenous variables, every x'), every verdict
is re-checked by the kernel, and tampered witnesses are rejected."""
from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings, strategies as st

from engine.causal.actual import (Causes, NotACause, Unknown, Witness, actual_world, but_for_cause,
                                  causes_of, find_cause)
from engine.causal.scm import SCMError
from engine.kernel import Rejected
from engine.kernel.actual import check_cause, check_not_cause, solve

SETTINGS = settings(max_examples=400, deadline=None, derandomize=True)
B = (0, 1)


def copy(u):
    return (u,), lambda v: v[u]


# ---------------------------------------------------------------- the classic models
def forest_fire(kind: str):
    """Lightning L and a dropped match M, both happening; FF = L or M (disjunctive) or L and M."""
    fire = (lambda v: v["L"] | v["M"]) if kind == "disjunctive" else (lambda v: v["L"] & v["M"])
    domains = {"UL": B, "UM": B, "L": B, "M": B, "FF": B}
    equations = {"L": copy("UL"), "M": copy("UM"), "FF": (("L", "M"), fire)}
    return domains, equations, {"UL": 1, "UM": 1}


def rock_throwing():
    """Suzy and Billy both throw; Suzy's rock hits first (SH), so Billy's does not (BH)."""
    domains = {v: B for v in ("US", "UB", "ST", "BT", "SH", "BH", "BS")}
    equations = {"ST": copy("US"), "BT": copy("UB"), "SH": (("ST",), lambda v: v["ST"]),
                 "BH": (("BT", "SH"), lambda v: int(v["BT"] and not v["SH"])),
                 "BS": (("SH", "BH"), lambda v: v["SH"] | v["BH"])}
    return domains, equations, {"US": 1, "UB": 1}


def engine_model():
    """current := battery & fuse_ok; engine_runs := current & ignition & fuel; the fuse is blown."""
    names = ("battery", "fuse_ok", "ignition", "fuel")
    domains = {v: (False, True) for v in names + ("current", "engine_runs")}
    domains.update({"u_" + v: (False, True) for v in names})
    equations = {v: copy("u_" + v) for v in names}
    equations["current"] = (("battery", "fuse_ok"), lambda v: v["battery"] and v["fuse_ok"])
    equations["engine_runs"] = (("current", "ignition", "fuel"),
                                lambda v: v["current"] and v["ignition"] and v["fuel"])
    context = {"u_battery": True, "u_fuse_ok": False, "u_ignition": True, "u_fuel": True}
    return domains, equations, context


def FF(w):
    return w["FF"] == 1


def BS(w):
    return w["BS"] == 1


def stalls(w):
    return not w["engine_runs"]


def accepted(model, effect, verdict, but_for=False):
    """The kernel's check of a verdict of the search (raises Rejected if it disagrees)."""
    if isinstance(verdict, Witness):
        check_cause(*model, verdict.cause, effect, verdict.alternative, verdict.contingency, but_for=but_for)
    else:
        assert isinstance(verdict, NotACause), verdict
        s = verdict.smaller
        check_not_cause(*model, verdict.cause, effect, verdict.condition, smaller=s and s.cause,
                        alternative=s and s.alternative, contingency=s and s.contingency, but_for=but_for)
    return verdict


def settings_of(causes: Causes):
    return [w.cause for w in causes]


# ---------------------------------------------------------------- the classic verdicts
def test_disjunctive_forest_fire_the_cause_is_the_conjunction():
    """Halpern 2016, Example 2.3.1 read under the modified definition: with M held at its actual
    value, L = 0 still gives a fire, so neither L = 1 nor M = 1 alone is a cause; L = 1 & M = 1 is
    (a but-for cause), and L = 1 is only part of a cause."""
    model = forest_fire("disjunctive")
    for single in ({"L": 1}, {"M": 1}):
        v = accepted(model, FF, find_cause(*model, single, FF, "FF = 1"))
        assert isinstance(v, NotACause) and v.condition == "AC2"
        assert v.reason == "no contingency W and setting x' makes the effect fail"
    both = accepted(model, FF, find_cause(*model, {"L": 1, "M": 1}, FF, "FF = 1"))
    assert isinstance(both, Witness) and both.but_for
    assert both.alternative == {"L": 0, "M": 0} and both.counterfactual["FF"] == 0
    assert both.subsets_checked == ({"L": 1}, {"M": 1})
    assert "L = 1 & M = 1 is an actual cause of FF = 1" in str(both)
    assert settings_of(causes_of(*model, FF, 2)) == [{"FF": 1}, {"L": 1, "M": 1}]


def test_conjunctive_forest_fire_each_is_a_cause():
    model = forest_fire("conjunctive")
    for single, other in (({"L": 1}, "M"), ({"M": 1}, "L")):
        w = accepted(model, FF, find_cause(*model, single, FF))
        assert isinstance(w, Witness) and w.but_for and w.counterfactual["FF"] == 0
        assert w.counterfactual[other] == 1
    both = accepted(model, FF, find_cause(*model, {"L": 1, "M": 1}, FF))
    assert isinstance(both, NotACause) and both.condition == "AC3" and both.smaller.cause == {"L": 1}
    assert settings_of(causes_of(*model, FF, 2)) == [{"L": 1}, {"M": 1}, {"FF": 1}]
    with pytest.raises(Rejected, match="AC3"):      # the conjunction is not minimal
        check_cause(*model, {"L": 1, "M": 1}, FF, {"L": 0, "M": 0}, {})


def test_rock_throwing_suzy_is_a_cause_billy_is_not():
    model = rock_throwing()
    assert actual_world(*model) == {"US": 1, "UB": 1, "ST": 1, "BT": 1, "SH": 1, "BH": 0, "BS": 1}
    suzy = accepted(model, BS, find_cause(*model, {"ST": 1}, BS, "BS = 1"))
    assert isinstance(suzy, Witness) and suzy.contingency == {"BH": 0} and suzy.alternative == {"ST": 0}
    assert not suzy.but_for and suzy.counterfactual["BS"] == 0
    billy = accepted(model, BS, find_cause(*model, {"BT": 1}, BS, "BS = 1"))
    assert isinstance(billy, NotACause) and billy.condition == "AC2"
    # ST = 1 is not a but-for cause (Billy's rock would have hit), and the kernel knows it
    bf = accepted(model, BS, but_for_cause(*model, {"ST": 1}, BS), but_for=True)
    assert isinstance(bf, NotACause) and bf.condition == "AC2"
    with pytest.raises(Rejected, match="AC2 holds"):   # ... but with W = {BH} it is a cause
        check_not_cause(*model, {"ST": 1}, BS, "AC2")
    pair = accepted(model, BS, find_cause(*model, {"ST": 1, "BT": 1}, BS))
    assert isinstance(pair, NotACause) and pair.condition == "AC3" and pair.smaller.cause == {"ST": 1}
    # the pair is a but-for cause, but not minimal: the kernel's AC3 search finds W = {BH}
    with pytest.raises(Rejected, match="AC3.*ST = 1"):
        check_cause(*model, {"ST": 1, "BT": 1}, BS, {"ST": 0, "BT": 0}, {})
    check_cause(*model, {"ST": 1, "BT": 1}, BS, {"ST": 0, "BT": 0}, {}, but_for=True)
    assert settings_of(causes_of(*model, BS, 2)) == [{"ST": 1}, {"SH": 1}, {"BS": 1}]


def test_blown_fuse_is_a_but_for_cause_of_the_stall():
    model = engine_model()
    w = accepted(model, stalls, find_cause(*model, {"fuse_ok": False}, stalls, "the engine does not run"))
    assert isinstance(w, Witness) and w.but_for and w.alternative == {"fuse_ok": True}
    assert w.counterfactual["engine_runs"] is True
    battery = accepted(model, stalls, find_cause(*model, {"battery": True}, stalls))
    assert isinstance(battery, NotACause) and battery.condition == "AC2"
    assert settings_of(causes_of(*model, stalls, 2)) == [{"fuse_ok": False}, {"current": False},
                                                         {"engine_runs": False}]
    runs = find_cause(*model, {"fuse_ok": False}, lambda w: w["engine_runs"])
    assert isinstance(runs, NotACause) and runs.condition == "AC1"
    wrong = find_cause(*model, {"fuse_ok": True}, stalls)
    assert isinstance(accepted(model, stalls, wrong), NotACause) and wrong.condition == "AC1"


def test_the_budget_gives_unknown_never_a_wrong_no():
    model = rock_throwing()
    v = find_cause(*model, {"ST": 1}, BS, budget=1)      # W = {} tried, W = {BH} not reached
    assert isinstance(v, Unknown) and v.reason == "search budget exhausted" and v.condition == "AC2"
    v = find_cause(*model, {"ST": 1, "BT": 1}, BS, budget=3)   # the pair: 1, ST alone: 3 needed
    assert isinstance(v, Unknown) and v.condition == "AC3"
    c = causes_of(*model, BS, 2, budget=3)
    assert c.undecided and all(isinstance(u, Unknown) for u in c.undecided)
    with pytest.raises(Rejected, match="too large to check"):
        check_not_cause(*model, {"BT": 1}, BS, "AC2", budget=10)
    with pytest.raises(Rejected, match="too large to check"):
        check_cause(*model, {"ST": 1, "BT": 1}, BS, {"ST": 0, "BT": 0}, {}, budget=10)


def test_malformed_models():
    cyclic = ({"A": B, "B": B}, {"A": (("B",), lambda v: v["B"]), "B": (("A",), lambda v: v["A"])}, {})
    with pytest.raises(SCMError, match="cyclic"):
        actual_world(*cyclic)
    with pytest.raises(Rejected, match="cyclic"):
        solve(*cyclic)
    with pytest.raises(Rejected, match="cyclic"):
        check_cause(*cyclic, {"A": 0}, lambda w: True, {"A": 1}, {})
    bad = ({"U": B, "A": B}, {"A": (("U",), lambda v: 2)}, {"U": 0})
    with pytest.raises(SCMError, match="outside its domain"):
        actual_world(*bad)
    with pytest.raises(Rejected, match="outside its domain"):
        solve(*bad)
    unknown_parent = ({"A": B}, {"A": (("Z",), lambda v: 0)}, {})
    with pytest.raises(Rejected, match="neither"):
        solve(*unknown_parent)
    model = rock_throwing()
    with pytest.raises(Rejected, match="outside its domain"):
        check_cause(*model, {"ST": 1}, BS, {"ST": 7}, {"BH": 0})
    with pytest.raises(Rejected, match="not endogenous"):
        check_cause(*model, {"US": 1}, BS, {"US": 0}, {})
    with pytest.raises(Rejected, match="unknown condition"):
        check_not_cause(*model, {"BT": 1}, BS, "AC4")


# ---------------------------------------------------------------- random models, brute force
def random_model(rng: random.Random):
    n, m = rng.randint(3, 5), rng.randint(0, 2)
    context = {f"U{i}": rng.choice(B) for i in range(m)}
    domains = {u: B for u in context}
    names = [f"V{i}" for i in range(n)]
    for v in names:
        domains[v] = (0, 1, 2) if rng.random() < 0.2 else B
    equations = {}
    for i, v in enumerate(names):
        pool = names[:i] + list(context)
        parents = tuple(p for p in pool if rng.random() < 0.6)[-3:]
        keys = list(itertools.product(*(domains[p] for p in parents)))
        if domains[v] == B and rng.random() < 0.7:      # a gate: and / or of literals (preemption-like)
            signs = [rng.random() < 0.7 for _ in parents]
            gate = all if rng.random() < 0.5 else any
            table = {key: int(gate((x != 0) == sign for x, sign in zip(key, signs))) for key in keys}
        else:
            table = {key: rng.choice(domains[v]) for key in keys}
        equations[v] = (parents, lambda vals, t=table, ps=parents: t[tuple(vals[p] for p in ps)])
    order = list(equations)
    rng.shuffle(order)                          # the search must find the order itself
    return domains, {v: equations[v] for v in order}, context, names


def naive_solve(domains, equations, context, do):
    """A fixpoint over all the equations (no order needed), for the brute force."""
    world = dict(context)
    world.update(do)
    for _ in range(len(equations) + 1):
        for v, (ps, f) in equations.items():
            if v not in do and all(p in world for p in ps):
                world[v] = f({p: world[p] for p in ps})
    return world


def brute_ac2(model, names, cause, effect, actual, but_for=False):
    xs = list(cause)
    others = [] if but_for else [v for v in names if v not in cause]
    for alt in itertools.product(*(model[0][x] for x in xs)):
        for k in range(len(others) + 1):
            for ws in itertools.combinations(others, k):
                do = dict(zip(xs, alt))
                do.update((w, actual[w]) for w in ws)
                if not effect(naive_solve(*model, do)):
                    return True
    return False


def brute_verdict(model, names, cause, effect, but_for=False) -> str:
    """'cause', or the first condition of AC1, AC2, AC3 that fails, straight from the definition."""
    actual = naive_solve(*model, {})
    if any(actual[v] != x for v, x in cause.items()) or not effect(actual):
        return "AC1"
    if not brute_ac2(model, names, cause, effect, actual, but_for):
        return "AC2"
    for k in range(1, len(cause)):
        for sub in itertools.combinations(cause, k):
            if brute_ac2(model, names, {x: cause[x] for x in sub}, effect, actual, but_for):
                return "AC3"
    return "cause"


def random_query(rng, model, names):
    """An effect (mostly true in the actual world, mostly about a late variable) and a cause
    (mostly of one or two variables at their actual values)."""
    domains, _, _ = model
    actual = naive_solve(*model, {})
    late = names[-1] if rng.random() < 0.6 else rng.choice(names)
    kind = rng.randrange(3)
    if kind == 0:
        t = actual[late] if rng.random() < 0.9 else rng.choice(domains[late])
        effect = lambda w, y=late, t=t: w[y] == t
    elif kind == 1:
        t = rng.choice([x for x in domains[late] if x != actual[late]] if rng.random() < 0.9 else domains[late])
        effect = lambda w, y=late, t=t: w[y] != t
    else:
        ys = (late, rng.choice(names))
        table = {key: rng.random() < 0.5 for key in itertools.product(*(domains[y] for y in ys))}
        table[tuple(actual[y] for y in ys)] = rng.random() < 0.9
        effect = lambda w, ys=ys, t=table: t[tuple(w[y] for y in ys)]
    pool = names[:-1] if rng.random() < 0.7 else names
    xs = rng.sample(pool, min(len(pool), rng.choice((1, 1, 1, 2, 2, 3))))
    cause = {x: actual[x] if rng.random() < 0.95 else rng.choice(domains[x]) for x in xs}
    return cause, effect, actual


def query(seed):
    rng = random.Random(seed)
    domains, equations, context, names = random_model(rng)
    model = (domains, equations, context)
    cause, effect, actual = random_query(rng, model, names)
    return rng, model, names, cause, effect, actual


def other_value(domains, v, value, rng):
    choices = [x for x in domains[v] if x != value]
    return rng.choice(choices) if choices else None


@SETTINGS
@given(st.integers(0, 2 ** 32))
def test_search_matches_the_definition_and_the_kernel_accepts_it(seed):
    compare(seed)


def compare(seed):
    """The search's verdict is the definition's; the kernel accepts it and refutes the others."""
    rng, model, names, cause, effect, actual = query(seed)
    assert actual_world(*model) == actual == solve(*model)
    verdict = find_cause(*model, cause, effect)
    expected = brute_verdict(model, names, cause, effect)
    assert (verdict.condition if isinstance(verdict, NotACause) else "cause") == expected, verdict
    accepted(model, effect, verdict)
    if isinstance(verdict, Witness):
        assert naive_solve(*model, {**verdict.alternative, **verdict.contingency}) == verdict.counterfactual
        assert not effect(verdict.counterfactual)
        assert all(actual[w] == x for w, x in verdict.contingency.items())
        assert len(verdict.subsets_checked) == 2 ** len(cause) - 2
    # the kernel refutes every negative verdict that is not the truth, and accepts the true ones
    for condition, true in (("AC1", expected == "AC1"), ("AC2", not brute_ac2(model, names, cause, effect, actual))):
        if true:
            check_not_cause(*model, cause, effect, condition)
        else:
            with pytest.raises(Rejected):
                check_not_cause(*model, cause, effect, condition)


@SETTINGS
@given(st.integers(0, 2 ** 32))
def test_but_for_matches_the_definition(seed):
    rng, model, names, cause, effect, actual = query(seed)
    verdict = but_for_cause(*model, cause, effect)
    expected = brute_verdict(model, names, cause, effect, but_for=True)
    assert (verdict.condition if isinstance(verdict, NotACause) else "cause") == expected, verdict
    accepted(model, effect, verdict, but_for=True)
    if isinstance(verdict, Witness):
        assert verdict.but_for


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.integers(0, 2 ** 32), st.integers(1, 40))
def test_a_small_budget_is_unknown_or_right(seed, budget):
    rng, model, names, cause, effect, actual = query(seed)
    verdict = find_cause(*model, cause, effect, budget=budget)
    if isinstance(verdict, Unknown):
        assert verdict.reason == "search budget exhausted"
        return
    expected = brute_verdict(model, names, cause, effect)
    assert (verdict.condition if isinstance(verdict, NotACause) else "cause") == expected
    accepted(model, effect, verdict)


@SETTINGS
@given(st.integers(0, 2 ** 32))
def test_causes_of_lists_exactly_the_minimal_causes(seed):
    rng, model, names, _, effect, actual = query(seed)
    found = causes_of(*model, effect, 2)
    assert not found.undecided
    expected = [{x: actual[x] for x in xs} for k in (1, 2) for xs in itertools.combinations(names, k)
                if brute_verdict(model, names, {x: actual[x] for x in xs}, effect) == "cause"]
    key = lambda c: sorted(c.items())
    assert sorted(map(key, settings_of(found))) == sorted(map(key, expected))
    for w in found:
        accepted(model, effect, w)


@SETTINGS
@given(st.integers(0, 2 ** 32))
def test_the_kernel_rejects_tampered_witnesses(seed):
    tamper(seed)


def test_causes_that_need_a_contingency():
    """Random causes with W nonempty are rare (about 1 in 70 queries): the first 60 of a fixed
    scan of seeds get the comparison and the tampering too."""
    seeds = []
    for seed in range(20000):
        rng, model, names, cause, effect, actual = query(seed)
        verdict = find_cause(*model, cause, effect)
        if isinstance(verdict, Witness) and not verdict.but_for:
            seeds.append(seed)
            if len(seeds) == 60:
                break
    assert len(seeds) == 60
    for seed in seeds:
        compare(seed)
        tamper(seed)


def tamper(seed):
    """Witnesses changed in one respect are rejected (or accepted exactly when still right)."""
    rng, model, names, cause, effect, actual = query(seed)
    domains = model[0]
    verdict = find_cause(*model, cause, effect)
    if isinstance(verdict, NotACause):
        # a negative verdict claimed for the wrong reason, or with a bad smaller cause
        if verdict.condition == "AC3":
            s = verdict.smaller
            with pytest.raises(Rejected):
                check_not_cause(*model, cause, effect, "AC3", smaller=cause, alternative=verdict.cause,
                                contingency={})
            with pytest.raises(Rejected):
                check_not_cause(*model, cause, effect, "AC3", smaller=s.cause, alternative=s.cause,
                                contingency=s.contingency)
            with pytest.raises(Rejected, match="AC1 holds"):
                check_not_cause(*model, cause, effect, "AC1")
        if verdict.condition == "AC2":
            with pytest.raises(Rejected, match="AC1 holds"):
                check_not_cause(*model, cause, effect, "AC1")
        return
    assert isinstance(verdict, Witness)
    alt, held = verdict.alternative, verdict.contingency

    def check(c=cause, e=effect, a=alt, w=held):
        check_cause(*model, c, e, a, w)

    # x' = x: the actual world, where the effect holds
    with pytest.raises(Rejected, match="AC2 fails"):
        check(a=dict(cause))
    # one alternative flipped: rejected exactly when the effect then holds
    x = rng.choice(list(alt))
    flipped = other_value(domains, x, alt[x], rng)
    if flipped is not None:
        a = {**alt, x: flipped}
        if effect(naive_solve(*model, {**a, **held})):
            with pytest.raises(Rejected, match="AC2 fails"):
                check(a=a)
        else:
            check(a=a)
    # a contingency value away from its actual value, or a cause variable in the contingency
    if held:
        w = rng.choice(list(held))
        away = other_value(domains, w, held[w], rng)
        if away is not None:
            with pytest.raises(Rejected, match="actual value"):
                check(w={**held, w: away})
    free = [v for v in names if v not in cause and v not in held and other_value(domains, v, actual[v], rng) is not None]
    if free:
        v = rng.choice(free)
        with pytest.raises(Rejected, match="actual value"):
            check(w={**held, v: other_value(domains, v, actual[v], rng)})
    with pytest.raises(Rejected, match="a variable of the cause"):
        check(w={**held, x: cause[x]})
    # a non-minimal cause: one more variable, set to the value it takes anyway (same world)
    extra = [v for v in names if v not in cause]
    if extra:
        v = rng.choice(extra)
        bigger = {**cause, v: actual[v]}
        with pytest.raises(Rejected, match="AC3"):
            check(c=bigger, a={**alt, v: verdict.counterfactual[v]}, w={k: h for k, h in held.items() if k != v})
    # an alternative that sets other variables than the cause's
    if extra:
        with pytest.raises(Rejected, match="not the cause's variables"):
            check(a={**alt, v: verdict.counterfactual[v]})
    # AC1 fails: a cause value that is not actual, or an effect that does not hold
    wrong = other_value(domains, x, cause[x], rng)
    if wrong is not None:
        with pytest.raises(Rejected, match="AC1"):
            check(c={**cause, x: wrong})
    with pytest.raises(Rejected, match="AC1"):
        check(e=lambda world: not effect(world))
    # a true cause cannot be refuted, not even by itself as the "smaller" cause
    with pytest.raises(Rejected, match="strict"):
        check_not_cause(*model, cause, effect, "AC3", smaller=cause, alternative=alt, contingency=held)
    for condition in ("AC1", "AC2"):
        with pytest.raises(Rejected):
            check_not_cause(*model, cause, effect, condition)
    if len(cause) > 1:
        sub = dict(list(cause.items())[:1])
        with pytest.raises(Rejected):
            check_not_cause(*model, cause, effect, "AC3", smaller=sub, alternative={k: alt[k] for k in sub},
                            contingency={})
