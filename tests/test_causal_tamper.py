"""The kernel's check of causal proofs (engine/kernel/causal.py, quantities.py) rejects a proof
with one thing changed: for every step kind, a real proof from kb.ask is mutated (a world
added or removed, a prediction flipped, the intervention changed, a verdict flipped, a
witness changed, an edge added to the projected graph, a factor's conditioning set shrunk, a
value changed by 1/100, a BACKDOOR verdict flipped, a premise's source changed) and
engine.kernel.check_causal must raise ProofError; the unchanged proof passes (not vacuous).
"""
from __future__ import annotations

import copy
import dataclasses
from fractions import Fraction

import pytest

from engine.answer import Verdict
from engine.causal.answer import parse_causal_query
from engine.errors import ProofError
from engine.kb import KnowledgeBase
from engine.kernel import check_causal
from engine.proof import Proof

FUSE = """
var battery, fuse_ok, ignition, fuel, current, engine_runs : bool.
current := battery & fuse_ok.
engine_runs := current & ignition & fuel.
"""

CONFOUNDED = """
var x, y, z : bool.
graph z -> x, z -> y, x -> y.
P(z) = 1/3. P(x | z) = 1/2. P(x | not z) = 1/5.
P(y | x, z) = 0.7. P(y | x, not z) = 0.2. P(y | not x, z) = 0.4. P(y | not x, not z) = 0.1.
"""

MECHANISMS = """
var u, x, y : bool.
x := u.
y := x | u.
P(u) = 1/3.
"""


def answered(program: str, query: str):
    kb = KnowledgeBase()
    kb.tell(program)
    a = kb.ask(query)
    assert a.verdict is not Verdict.UNKNOWN and a.proof is not None, (query, a.reason)
    return kb, a


def kernel(kb, a, steps=None, verdict=None, value="same"):
    """check_causal on the answer, with the steps (and verdict, value) replaced."""
    st = parse_causal_query(a.query, kb._v.causal)
    proof = Proof(tuple(steps if steps is not None else a.proof.steps))
    check_causal(proof, kb._causal_view(kb._v), st, verdict or a.verdict.value,
                 a.value if value == "same" else value)


def step_of(a, by, k=0):
    matches = [i for i, s in enumerate(a.proof.steps) if s.by == by]
    assert len(matches) > k, (by, [s.by for s in a.proof.steps])
    return matches[k]


def mutated(a, by, change, k=0):
    """The proof's steps with the k-th step of kind `by` given data changed by `change(data)`."""
    steps = list(a.proof.steps)
    i = step_of(a, by, k)
    data = copy.deepcopy(steps[i].data)
    change(data)
    steps[i] = dataclasses.replace(steps[i], data=data)
    return steps


def rejected(kb, a, steps=None, **kw):
    with pytest.raises(ProofError) as e:
        kernel(kb, a, steps, **kw)
    return e.value


# ---------------------------------------------------------------------- the untouched proofs pass
@pytest.mark.parametrize("program, query", [
    (FUSE, "engine_runs given do(fuse_ok), battery, ignition, fuel"),
    (FUSE, "engine_runs given do(fuse_ok), not battery"),
    (FUSE, "engine_runs under do(fuse_ok) given not fuse_ok, battery, ignition, fuel"),
    (FUSE, "not fuse_ok causes not engine_runs given not fuse_ok, battery, ignition, fuel"),
    (FUSE, "not ignition causes not engine_runs given not fuse_ok, battery, not ignition, fuel"),
    (CONFOUNDED, "P(y | do(x))"),
    (CONFOUNDED, "ATE(x, y) > 0"),
    (CONFOUNDED, "BACKDOOR(x, y, {z})"),
    (CONFOUNDED, "P(y | x) - P(y | not x) > 0"),
    (MECHANISMS, "P(y under do(not x) | x, y)"),
    (MECHANISMS, "ATE(x, y)"),
])
def test_untouched_proofs_are_accepted(program, query):
    kb, a = answered(program, query)
    kernel(kb, a)
    kb.verify_answer(a)


# ---------------------------------------------------------------------- premise
def test_premise_source_changed():
    kb, a = answered(FUSE, "engine_runs given do(fuse_ok), battery, ignition, fuel")
    steps = list(a.proof.steps)
    i, j = step_of(a, "premise", 0), step_of(a, "premise", 1)
    kernel(kb, a, steps)
    steps[i] = dataclasses.replace(steps[i], source=steps[j].source)
    rejected(kb, a, steps)


def test_premise_claim_changed():
    kb, a = answered(FUSE, "engine_runs given do(fuse_ok), battery, ignition, fuel")
    steps = list(a.proof.steps)
    i, j = step_of(a, "premise", 1), step_of(a, "premise", 2)
    steps[i] = dataclasses.replace(steps[i], claim=steps[j].claim)
    rejected(kb, a, steps)


# ---------------------------------------------------------------------- worlds
def test_world_added():
    kb, a = answered(FUSE, "engine_runs given do(fuse_ok), battery, ignition, fuel")

    def add(d):
        extra = [w for w in ([x, y, z, t] for x in (False, True) for y in (False, True)
                             for z in (False, True) for t in (False, True)) if w not in d["worlds"]][0]
        d["worlds"].append(extra)
    rejected(kb, a, mutated(a, "worlds", add))
    # with the prediction kept in step, so only the worlds step is wrong
    steps = mutated(a, "worlds", add)
    i = step_of(a, "predict")
    steps[i] = dataclasses.replace(steps[i], data={"holds": steps[i].data["holds"] + [True]})
    rejected(kb, a, steps)


def test_world_removed():
    kb, a = answered(FUSE, "engine_runs given do(fuse_ok), battery, ignition, fuel")
    assert len(a.proof.steps[step_of(a, "worlds")].data["worlds"]) == 2
    steps = mutated(a, "worlds", lambda d: d["worlds"].pop())
    i = step_of(a, "predict")
    steps[i] = dataclasses.replace(steps[i], data={"holds": steps[i].data["holds"][:-1]})
    rejected(kb, a, steps)


def test_world_duplicated_and_do_changed_and_background_changed():
    kb, a = answered(FUSE, "engine_runs given do(fuse_ok), battery, ignition, fuel")
    rejected(kb, a, mutated(a, "worlds", lambda d: d["worlds"].append(d["worlds"][0])))
    rejected(kb, a, mutated(a, "worlds", lambda d: d.update(do=[["fuse_ok", False]])))
    rejected(kb, a, mutated(a, "worlds", lambda d: d["background"].reverse()))


# ---------------------------------------------------------------------- intervene
def test_intervention_changed():
    kb, a = answered(FUSE, "engine_runs under do(fuse_ok) given not fuse_ok, battery, ignition, fuel")
    assert a.verdict is Verdict.TRUE
    rejected(kb, a, mutated(a, "intervene", lambda d: d.update(do=[["fuse_ok", False]])))
    rejected(kb, a, mutated(a, "intervene", lambda d: d.update(do=[["battery", True]])))
    rejected(kb, a, mutated(a, "intervene", lambda d: d["do"].append(["fuel", True])))


def test_intervention_step_dropped():
    kb, a = answered(FUSE, "engine_runs under do(fuse_ok) given not fuse_ok, battery, ignition, fuel")
    i = step_of(a, "intervene")
    steps = [s if s.id <= i else dataclasses.replace(s, premises=tuple(p if p != i else i - 1 for p in s.premises))
             for s in a.proof.steps if s.id != i]
    rejected(kb, a, steps)


# ---------------------------------------------------------------------- predict
def test_prediction_flipped():
    kb, a = answered(FUSE, "engine_runs given do(fuse_ok), battery, ignition, fuel")
    rejected(kb, a, mutated(a, "predict", lambda d: d["holds"].__setitem__(0, not d["holds"][0])))
    # flipped everywhere, with the verdict following: still the model's predictions decide
    steps = mutated(a, "predict", lambda d: d.update(holds=[not h for h in d["holds"]]))
    steps = [dataclasses.replace(s, data={"verdict": "false"}) if s.by == "verdict" else s for s in steps]
    rejected(kb, a, steps, verdict="false")


# ---------------------------------------------------------------------- verdict
def test_verdict_flipped():
    kb, a = answered(FUSE, "engine_runs given do(fuse_ok), not battery")
    assert a.verdict is Verdict.FALSE
    rejected(kb, a, mutated(a, "verdict", lambda d: d.update(verdict="true")), verdict="true")
    rejected(kb, a, mutated(a, "verdict", lambda d: d.update(verdict="unknown")), verdict="unknown")
    rejected(kb, a, verdict="true")          # the answer's verdict differs from the proof's


def test_quantity_verdict_flipped():
    kb, a = answered(CONFOUNDED, "ATE(x, y) > 0")
    rejected(kb, a, mutated(a, "verdict", lambda d: d.update(verdict="false")), verdict="false")
    rejected(kb, a, verdict="false")
    rejected(kb, a, value=a.value + Fraction(1, 100))


# ---------------------------------------------------------------------- cause
CAUSE = "not fuse_ok causes not engine_runs given not fuse_ok, battery, ignition, fuel"


def test_cause_alternative_changed():
    kb, a = answered(FUSE, CAUSE)
    assert a.verdict is Verdict.TRUE
    data = a.proof.steps[step_of(a, "cause")].data
    assert data["alternative"] == [["fuse_ok", True]], data
    rejected(kb, a, mutated(a, "cause", lambda d: d.update(alternative=[["fuse_ok", False]])))
    rejected(kb, a, mutated(a, "cause", lambda d: d.update(alternative=[["battery", False]])))


def test_cause_contingency_changed():
    kb, a = answered(FUSE, CAUSE)
    # current is false in the actual world: holding it at true is no contingency
    rejected(kb, a, mutated(a, "cause", lambda d: d.update(contingency=[["current", True]])))


def test_cause_verdict_flipped():
    kb, a = answered(FUSE, CAUSE)
    rejected(kb, a, mutated(a, "verdict", lambda d: d.update(verdict="false")), verdict="false")


def test_not_a_cause_changed():
    kb, a = answered(FUSE, "not ignition causes not engine_runs given not fuse_ok, battery, not ignition, fuel")
    assert a.verdict is Verdict.FALSE
    data = a.proof.steps[step_of(a, "cause")].data
    assert "fails" in data, data
    # claimed as a cause instead, with a witness that does not work
    steps = mutated(a, "cause", lambda d: (d.clear(), d.update(alternative=[["ignition", True]], contingency=[])))
    steps = [dataclasses.replace(s, data={"verdict": "true"}) if s.by == "verdict" else s for s in steps]
    rejected(kb, a, steps, verdict="true")


# ---------------------------------------------------------------------- project
def test_projected_graph_edge_added():
    kb, a = answered(CONFOUNDED, "P(y | do(x))")
    rejected(kb, a, mutated(a, "project", lambda d: d["directed"].append(["y", "z"])))
    rejected(kb, a, mutated(a, "project", lambda d: d["bidirected"].append(["x", "y"])))
    rejected(kb, a, mutated(a, "project", lambda d: d["directed"].pop()))


# ---------------------------------------------------------------------- factorise
def test_factor_conditioning_set_shrunk():
    kb, a = answered(CONFOUNDED, "P(y | do(x))")

    def shrink(d):
        for f in d["factors"]:
            if f[0] == "y":
                assert "z" in f[1]
                f[1] = [v for v in f[1] if v != "z"]
    rejected(kb, a, mutated(a, "factorise", shrink))
    rejected(kb, a, mutated(a, "factorise", lambda d: d["order"].pop()))


# ---------------------------------------------------------------------- compute
@pytest.mark.parametrize("program, query", [
    (CONFOUNDED, "P(y | do(x))"),
    (CONFOUNDED, "P(y | x)"),
    (CONFOUNDED, "ATE(x, y) > 0"),
    (MECHANISMS, "P(y under do(not x) | x, y)"),
    (MECHANISMS, "ATE(x, y)"),
])
def test_value_changed_by_a_hundredth(program, query):
    kb, a = answered(program, query)
    bumped = lambda d: d.update(value=str(Fraction(d["value"]) + Fraction(1, 100)))  # noqa: E731
    rejected(kb, a, mutated(a, "compute", bumped))
    # the compute step and the verdict step both bumped, the answer too
    steps = mutated(a, "compute", bumped)
    steps = [dataclasses.replace(s, data={**s.data, "value": str(Fraction(s.data["value"]) + Fraction(1, 100))})
             if s.by == "verdict" and s.data.get("value") is not None else s for s in steps]
    rejected(kb, a, steps, value=a.value + Fraction(1, 100) if a.value is not None else None)


def test_compute_method_or_set_changed():
    kb, a = answered(CONFOUNDED, "P(y | do(x))")
    assert next(s for s in a.proof.steps if s.by == "compute").data["method"] == "truncated"
    rejected(kb, a, mutated(a, "compute", lambda d: d.update(method="backdoor", set=[])))
    rejected(kb, a, mutated(a, "compute", lambda d: d.update(method="observe")))
    rejected(kb, a, mutated(a, "compute", lambda d: d.update(leaf=1)))


# ---------------------------------------------------------------------- graph
def test_backdoor_verdict_flipped():
    kb, a = answered(CONFOUNDED, "BACKDOOR(x, y, {z})")
    assert a.verdict is Verdict.TRUE
    rejected(kb, a, mutated(a, "graph", lambda d: d.update(value=False)))
    steps = mutated(a, "graph", lambda d: d.update(value=False))
    steps = [dataclasses.replace(s, data={"verdict": "false"}) if s.by == "verdict" else s for s in steps]
    rejected(kb, a, steps, verdict="false")


def test_backdoor_false_flipped():
    kb, a = answered(CONFOUNDED, "BACKDOOR(x, y, {})")
    assert a.verdict is Verdict.FALSE
    steps = mutated(a, "graph", lambda d: d.update(value=True))
    steps = [dataclasses.replace(s, data={"verdict": "true"}) if s.by == "verdict" else s for s in steps]
    rejected(kb, a, steps, verdict="true")


# ---------------------------------------------------------------------- structure
def test_steps_reordered_or_dropped():
    kb, a = answered(CONFOUNDED, "P(y | do(x))")
    steps = list(a.proof.steps)
    rejected(kb, a, steps[:-1])                                   # no verdict
    rejected(kb, a, [s for s in steps if s.by != "compute"])      # no value
    rejected(kb, a, [])


# ---------------------------------------------------------------------- known kernel holes
def _without_intervene(a, predict_first=False):
    """The under-query's proof with its intervene step dropped (or moved after the prediction),
    the predictions recomputed in the actual world and the verdict following them."""
    steps = [s for s in a.proof.steps if s.by != "intervene"]
    steps = [dataclasses.replace(s, id=k, premises=(k - 1,) if s.by in ("predict", "verdict") else s.premises)
             for k, s in enumerate(steps)]
    steps = [dataclasses.replace(s, data={"holds": [False]}) if s.by == "predict" else
             dataclasses.replace(s, data={"verdict": "false"}) if s.by == "verdict" else s for s in steps]
    if predict_first:        # intervene after the prediction: too late to matter
        intervene = next(s for s in a.proof.steps if s.by == "intervene")
        k = next(i for i, s in enumerate(steps) if s.by == "verdict")
        steps.insert(k, dataclasses.replace(intervene, id=len(steps), premises=(k - 1,)))
    return steps


# (was a bug: the kernel took the predictions in the actual world when the intervene step was missing)
@pytest.mark.parametrize("predict_first", [False, True])
def test_under_query_without_its_intervention(predict_first):
    kb, a = answered(FUSE, "engine_runs under do(fuse_ok) given not fuse_ok, battery, ignition, fuel")
    assert a.verdict is Verdict.TRUE            # the truth: with the fuse fixed the engine runs
    rejected(kb, a, _without_intervene(a, predict_first), verdict="false")
