"""evals/cladder on hand-written items in CLadder's layout (no shared data needed)."""
from fractions import Fraction as F

import pytest

from evals.cladder.data import CLadderDataError, items_from
from evals.cladder.task import answer, compute, parse_formula, run

MODELS = [{"model_id": 1, "structure": "V1->X,V1->Y,X->Y"},
          {"model_id": 2, "structure": "X->Y,V2->Y"},
          {"model_id": 3, "structure": "X->V2,X->Y,V2->Y"}]


def q(qt, rung, model, given, answer="yes", polarity=True, **meta):
    return {"question_id": len(meta), "desc_id": f"hand-{qt}", "answer": answer,
            "meta": {"query_type": qt, "rung": rung, "model_id": model, "given_info": given,
                     "treatment": "X", "outcome": "Y", "polarity": polarity, "groundtruth": 0,
                     "formal_form": meta.pop("formal_form", ""), **meta},
            "reasoning": meta.pop("reasoning", None)}


FORK_ATE = q("ate", 2, 2, {"p(Y | X)": [0.25, 0.75]})
BACKDOOR_ATE = q("ate", 2, 1, {"p(Y | V1, X)": [[0.1, 0.5], [0.4, 0.6]], "p(V1)": [0.3]})
MARGINAL = q("marginal", 1, 2, {"P(X)": 0.2, "P(Y | X)": [0.5, 0.9]}, answer="yes")
CORRELATION = q("correlation", 1, 2, {"P(X=1)": 0.2, "P(Y=1, X=0)": 0.4, "P(Y=1, X=1)": 0.18})
NDE = q("nde", 3, 3, {"p(Y | X, V2)": [[0.1, 0.3], [0.5, 0.9]], "p(V2 | X)": [0.2, 0.6]},
        mediators=["V2"])
NIE = q("nie", 3, 3, {"p(Y | X, V2)": [[0.1, 0.3], [0.5, 0.9]], "p(V2 | X)": [0.2, 0.6]},
        mediators=["V2"])
DETCF = {"question_id": 9, "desc_id": "hand-det", "answer": "no",
         "meta": {"query_type": "det-counterfactual", "rung": 3, "model_id": 3, "given_info": {},
                  "treatment": "X", "outcome": "Y", "polarity": 1, "action": 0, "groundtruth": 0,
                  "formal_form": "Y_{X=0} = 1 | "},
         "reasoning": {"step4": "V2 = X\nY = X or V2"}}
BACKADJ = q("backadj", 2, 1, [[], ["V1"]], answer="no")
BACKADJ["meta"]["groundtruth"] = ["V1"]


def one(raw):
    return items_from([raw], MODELS)[0]


def test_fork_ate_is_the_conditional_difference():
    value, method, text, determined = compute(one(FORK_ATE))
    assert value == F(1, 2) and method == "id" and determined
    assert answer(one(FORK_ATE))["prediction"] == "yes"


def test_backdoor_ate_by_hand():
    value, _, text, determined = compute(one(BACKDOOR_ATE))
    # 0.7 * (0.5 - 0.1) + 0.3 * (0.6 - 0.4)
    assert value == F(7, 10) * F(4, 10) + F(3, 10) * F(2, 10) and determined
    assert "P(V1)" in text


def test_marginal_and_correlation_by_hand():
    assert compute(one(MARGINAL))[0] == F(8, 10) * F(5, 10) + F(2, 10) * F(9, 10)
    assert answer(one(MARGINAL))["prediction"] == "yes"      # 0.58 > 1/2
    # 0.18 / 0.2 - 0.4 / 0.8
    assert compute(one(CORRELATION))[0] == F(9, 10) - F(1, 2)


def test_nde_and_nie_mediation_formula():
    p_y = {(0, 0): F(1, 10), (0, 1): F(3, 10), (1, 0): F(5, 10), (1, 1): F(9, 10)}
    p_m = {0: F(2, 10), 1: F(6, 10)}
    def pm(m, x):
        return p_m[x] if m else 1 - p_m[x]
    nde = sum(pm(m, 0) * (p_y[1, m] - p_y[0, m]) for m in (0, 1))
    nie = sum(p_y[0, m] * (pm(m, 1) - pm(m, 0)) for m in (0, 1))
    assert compute(one(NDE))[0] == nde
    assert compute(one(NIE))[0] == nie


def test_det_counterfactual_and_formula_parser():
    rec = answer(one(DETCF))
    assert rec["prediction"] == "no" and rec["value"] == 0
    f, names = parse_formula("not (X and V2) or V3")
    assert names == {"X", "V2", "V3"} and f({"X": 1, "V2": 1, "V3": 0}) == 0
    with pytest.raises(ValueError):
        parse_formula("X + __import__('os')")


def test_backadj():
    rec = answer(one(BACKADJ))
    assert rec["prediction"] == "no" and rec["value"] == [["V1"]] and rec["numeric_ok"]


def test_unreadable_item_names_its_id():
    bad = q("ate", 2, 2, {"p(Y | X)": [0.25, "lots"]})
    bad["question_id"] = 4242
    with pytest.raises(CLadderDataError, match="4242"):
        items_from([FORK_ATE, bad], MODELS)


def test_every_item_scored():
    raws = [FORK_ATE, BACKDOOR_ATE, MARGINAL, CORRELATION, NDE, NIE, DETCF, BACKADJ]
    records, summary = run(items_from(raws, MODELS))
    assert summary["accuracy"]["all"]["n"] == len(raws) == len(records)
    assert all(r["prediction"] in ("yes", "no", "unknown") for r in records)
    assert summary["accuracy"]["all"]["accuracy"] == 1.0
