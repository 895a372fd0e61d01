"""evals/cladder/program.py: CLadder items as Scientia programs (hand-made items in CLadder's
layout, no shared data)."""
from dataclasses import dataclass
from fractions import Fraction as F

import pytest

from engine.language import syntax as S
from engine.language.parse import parse_program
from evals.cladder import program as P
from evals.cladder.data import exact, items_from

MODELS = [{"model_id": 1, "structure": "V1->X,V1->Y,X->Y"},
          {"model_id": 2, "structure": "X->Y,V2->Y"},
          {"model_id": 3, "structure": "X->V2,X->Y,V2->Y"},
          {"model_id": 4, "structure": "X->V3,Y->V3"},
          {"model_id": 5, "structure": "X->V3,X->V2,V2->Y,V3->Y"}]


def q(qt, rung, model, given, answer="yes", polarity=True, **meta):
    return {"question_id": 7, "desc_id": f"hand-{qt}", "answer": answer, "question": f"Is it {qt}?",
            "meta": {"query_type": qt, "rung": rung, "model_id": model, "given_info": given,
                     "treatment": "X", "outcome": "Y", "polarity": polarity, "groundtruth": 0,
                     "formal_form": meta.pop("formal_form", ""), **meta},
            "reasoning": meta.pop("reasoning", None)}


def det(formal, evidence, step4, model=3):
    return {"question_id": 9, "desc_id": "hand-det", "answer": "no", "question": "Would it?",
            "meta": {"query_type": "det-counterfactual", "rung": 3, "model_id": model, "given_info": evidence,
                     "treatment": "X", "outcome": "Y", "polarity": 1, "groundtruth": 0, "formal_form": formal},
            "reasoning": {"step4": step4}}


FORK_ATE = q("ate", 2, 2, {"p(Y | X)": [0.25, 0.75]})
BACKDOOR_ATE = q("ate", 2, 1, {"p(Y | V1, X)": [[0.1, 0.5], [0.4, 0.6]], "p(V1)": [0.3]})
MARGINAL = q("marginal", 1, 2, {"P(X)": 0.2, "P(Y | X)": [0.5, 0.9]})
CORRELATION = q("correlation", 1, 2, {"P(X=1)": 0.2, "P(Y=1, X=0)": 0.4, "P(Y=1, X=1)": 0.18})
EXP_AWAY = q("exp_away", 1, 4, {"P(X)": 0.4, "P(Y | X, V3)": [[0.12, 0.49], [0.09, 0.2547418043308725]]},
             collider="V3", formal_form="P(Y = 1 | X = 1, V3 = 1] - P(Y = 1 | V3 = 1)")
ETT = q("ett", 3, 2, {"p(Y | X)": [0.25, 0.75]})
NDE = q("nde", 3, 3, {"p(Y | X, V2)": [[0.1, 0.3], [0.5, 0.9]], "p(V2 | X)": [0.2, 0.6]}, mediators=["V2"])
NIE = q("nie", 3, 5, {"p(Y | X)": [0.3, 0.7]}, mediators=["V2", "V3"])
COLLIDER = q("collider_bias", 2, 4, {"P(Y = 1 | X = 1, V3 = 1) - P(Y = 1 | X = 0, V3 = 1)": -0.2},
             collider="V3", answer="no")
BACKADJ = q("backadj", 2, 1, [[], ["V1"]], answer="no")
BACKADJ_LARGER = q("backadj", 2, 1, [["V1"], []], answer="yes")
DETCF = det("Y_{X=0} = 1 | ", {}, "V2 = X\nY = X or V2")
DETCF_EV = det("Y_{X=1} = 0 | V1=1", {"V1": 1}, "V1 = 1\nX = V1\nY = X and not V1", model=1)
ALL = [FORK_ATE, BACKDOOR_ATE, MARGINAL, CORRELATION, EXP_AWAY, ETT, NDE, NIE, COLLIDER, BACKADJ, DETCF, DETCF_EV]


def one(raw):
    return items_from([raw], MODELS)[0]


def prog(raw):
    return P.program(one(raw))


# ---------------------------------------------------------------------- the program text
@pytest.mark.parametrize("raw", ALL, ids=lambda r: r["meta"]["query_type"] + str(r["meta"]["model_id"]))
def test_program_parses_and_round_trips(raw):
    p = prog(raw)
    statements = parse_program(p.file_text())
    again = parse_program("\n".join(S.show(s) for s in statements))
    assert again == statements
    assert p.text.splitlines()[0].startswith(f"% CLadder {raw['desc_id']}") and raw["question"] in p.text.splitlines()[0]
    assert isinstance(statements[-1], (S.Query, S.CausalQuery))
    assert S.show(statements[-1]) == f"?- {p.query}."
    decl = next(s for s in statements if isinstance(s, S.VarDecl))
    nodes = {n.lower() for e in one(raw).edges for n in e}
    assert set(decl.names) == nodes and decl.sort == "bool"
    graph = next(s for s in statements if isinstance(s, S.GraphDecl))
    assert set(graph.edges) == {(a.lower(), "->", b.lower()) for a, b in one(raw).edges}
    if p.value_query is not None:
        assert parse_program(f"?- {p.value_query}.")


def _numbers(p):
    out = {}
    for s in parse_program(p.text):
        if isinstance(s, S.Axiom) and isinstance(s.formula, S.Cmp) and isinstance(s.formula.left, S.Prob):
            out[S.show_term(s.formula.left)] = s.formula.right.value
    return out


def test_given_numbers_appear_exactly():
    assert _numbers(prog(BACKDOOR_ATE)) == {
        "P(y | not v1, not x)": F(1, 10), "P(y | not v1, x)": F(1, 2),
        "P(y | v1, not x)": F(2, 5), "P(y | v1, x)": F(3, 5), "P(v1)": F(3, 10)}
    assert _numbers(prog(CORRELATION)) == {"P(x)": F(1, 5), "P(y, not x)": F(2, 5), "P(y, x)": F(9, 50)}
    # a long float keeps every digit: data.exact's Fraction, printed as its terminating decimal
    nums = _numbers(prog(EXP_AWAY))
    assert nums["P(y | x, v3)"] == exact(0.2547418043308725) and "0.2547418043308725" in prog(EXP_AWAY).text
    assert nums["P(y | not x, v3)"] == F(49, 100)
    # collider_bias states a difference it does not need: no numbers
    assert _numbers(prog(COLLIDER)) == {}


# ---------------------------------------------------------------------- the queries
@pytest.mark.parametrize("raw, query, value", [
    (MARGINAL, "P(y) > 1 / 2", "P(y)"),
    (CORRELATION, "P(y | x) - P(y | not x) > 0", "P(y | x) - P(y | not x)"),
    (EXP_AWAY, "P(y | x, v3) - P(y | v3) > 0", "P(y | x, v3) - P(y | v3)"),
    (FORK_ATE, "ATE(x, y) > 0", "ATE(x, y)"),
    (ETT, "ETT(x, y) > 0", "ETT(x, y)"),
    (NDE, "NDE(x, y, v2) > 0", "NDE(x, y, v2)"),
    (NIE, "NIE(x, y, v2, v3) > 0", "NIE(x, y, v2, v3)"),
    (COLLIDER, "ATE(x, y) = 0", None),
    # method 1's set smaller: it is the more correct one exactly when it is valid
    (BACKADJ, "BACKDOOR(x, y, {})", None),
    (BACKADJ_LARGER, "BACKDOOR(x, y, {v1}) & not BACKDOOR(x, y, {})", None),
    (DETCF, "y under do(not x)", None),
    (DETCF_EV, "not y under do(x) given v1", None),
])
def test_query_text(raw, query, value):
    p = prog(raw)
    assert p.query == query and p.value_query == value


def test_exp_away_collider_value_from_the_formal_form():
    raw = q("exp_away", 1, 4, {"P(X)": 0.4, "P(Y | X, V3)": [[0.1, 0.4], [0.1, 0.2]]}, collider="V3",
            formal_form="P(Y = 1 | X = 1, V3 = 0] - P(Y = 1 | V3 = 0)")
    assert prog(raw).query == "P(y | x, not v3) - P(y | not v3) > 0"


def test_det_counterfactual_equations():
    p = prog(DETCF)
    assert "v2 := x.\ny := x | v2." in p.text
    p = prog(DETCF_EV)          # `V1 = 1` restates the evidence: left out
    eqs = [S.show(s) for s in p.statements if isinstance(s, S.Equation)]
    assert eqs == ["x := v1.", "y := x & not v1."]


# ---------------------------------------------------------------------- the step4 translator
@pytest.mark.parametrize("rhs, text", [
    ("X", "x"),
    ("not V2", "not v2"),
    ("X or not V2", "x | not v2"),
    ("X and V2 and V3", "x & v2 & v3"),
    ("not (X and V2) or V3", "not (x & v2) | v3"),
    ("(X or V2) and not (V3 or not X)", "(x | v2) & not (v3 | not x)"),
    ("X and 1", "x"),
    ("X or 0", "x"),
    ("not 0 and V2", "v2"),
])
def test_mechanism_translator(rhs, text):
    f = P.mechanism(rhs, {"X", "V2", "V3"})
    assert S.show_formula(f) == text
    assert parse_program(f"y := {text}.")[0].rhs == f


def test_mechanism_constants_fold():
    assert P.mechanism("X or 1") is True and P.mechanism("X and not 1") is False


@pytest.mark.parametrize("bad", ["X + V2", "X or", "(X and V2", "X V2", "", "__import__('os')", "W9 or X"])
def test_bad_mechanism_raises_clearly(bad):
    with pytest.raises(P.ProgramError, match="bad mechanism"):
        P.mechanism(bad, {"X", "V2"})


def test_bad_mechanism_line_and_formal_form():
    with pytest.raises(P.ProgramError, match="bad mechanism line"):
        prog(det("Y_{X=0} = 1 | ", {}, "V2 := X\nY = X"))
    with pytest.raises(P.ProgramError, match="formal form"):
        prog(det("Y given X", {}, "V2 = X\nY = X"))


# ---------------------------------------------------------------------- deciding
@dataclass
class Ans:
    verdict: str
    value: object = None


def decide(raw, verdict, value=None, **meta):
    raw = {**raw, "meta": {**raw["meta"], **meta}}
    return prog(raw).decide(Ans(verdict, value))


@pytest.mark.parametrize("qt_raw", [FORK_ATE, CORRELATION, EXP_AWAY, NDE, NIE])
def test_decide_signed_effects(qt_raw):
    assert decide(qt_raw, "TRUE", F(1, 5), polarity=True) == "yes"
    assert decide(qt_raw, "TRUE", F(1, 5), polarity=False) == "no"
    assert decide(qt_raw, "FALSE", F(-1, 5), polarity=True) == "no"
    assert decide(qt_raw, "FALSE", F(-1, 5), polarity=False) == "yes"
    assert decide(qt_raw, "FALSE", F(0), polarity=False) == "no"        # no effect: no, either polarity
    assert decide(qt_raw, "FALSE", F(0), polarity=True) == "no"
    # without a number: FALSE cannot tell 0 from negative for polarity False
    assert decide(qt_raw, "TRUE", polarity=True) == "yes"
    assert decide(qt_raw, "FALSE", polarity=True) == "no"
    assert decide(qt_raw, "FALSE", polarity=False) == "unknown"
    assert decide(qt_raw, "UNKNOWN", F(1, 5)) == "unknown"


def test_decide_ett_reverses_polarity():
    assert decide(ETT, "TRUE", F(1, 5), polarity=True) == "no"
    assert decide(ETT, "TRUE", F(1, 5), polarity=False) == "yes"
    assert decide(ETT, "FALSE", F(-1, 5), polarity=True) == "yes"
    assert decide(ETT, "FALSE", F(-1, 5), polarity=False) == "no"
    assert decide(ETT, "FALSE", F(0), polarity=True) == "no"
    assert decide(ETT, "FALSE", polarity=True) == "unknown"
    assert decide(ETT, "FALSE", polarity=False) == "no"


def test_decide_marginal_collider_backadj_det():
    assert decide(MARGINAL, "TRUE", F(3, 5), polarity=True) == "yes"
    assert decide(MARGINAL, "TRUE", F(3, 5), polarity=False) == "no"
    assert decide(MARGINAL, "FALSE", F(1, 2), polarity=True) == "no"
    assert decide(MARGINAL, "FALSE", polarity=False) == "yes"
    # ATE = 0: yes iff (effect != 0) == polarity
    assert decide(COLLIDER, "TRUE", polarity=True) == "no"
    assert decide(COLLIDER, "TRUE", polarity=False) == "yes"
    assert decide(COLLIDER, "FALSE", polarity=True) == "yes"
    assert decide(COLLIDER, "FALSE", polarity=False) == "no"
    for raw in (BACKADJ, DETCF, DETCF_EV):
        for pol in (True, False):
            assert decide(raw, "TRUE", polarity=pol) == "yes"
            assert decide(raw, "FALSE", polarity=pol) == "no"
            assert decide(raw, "UNKNOWN", polarity=pol) == "unknown"


def test_decide_agrees_with_the_direct_runner():
    from evals.cladder.task import decide as direct
    for raw in (FORK_ATE, CORRELATION, ETT, NDE, MARGINAL):
        for pol in (True, False):
            for v in (F(-3, 10), F(0), F(1, 10**12), F(1, 2), F(7, 10)):
                it = one({**raw, "meta": {**raw["meta"], "polarity": pol}})
                threshold = F(1, 2) if raw is MARGINAL else 0
                verdict = "TRUE" if v > threshold else "FALSE"
                assert P.decide(it, Ans(verdict, v)) == direct(it, v), (raw["desc_id"], pol, v)


# ---------------------------------------------------------------------- the runner and the suite
def test_runner_records_every_item_and_writes_programs(tmp_path):
    from evals.cladder.causal import run, table
    bad = det("Y_{X=0} = 1 | ", {}, "V2 = X plus\nY = X")        # the program cannot be built
    items = items_from(ALL + [bad], MODELS)
    records, report = run(items, tmp_path)
    assert len(records) == len(items)
    assert all(r["prediction"] in ("yes", "no", "unknown", "error") for r in records)
    assert records[-1]["prediction"] == "error" and "bad mechanism" in records[-1]["reason"]
    assert not records[-1]["correct"]
    s = report["causal"]["scientia"]
    assert s["all"]["n"] == len(items) and s["errors"] >= 1
    assert {"rung=1", "rung=2", "rung=3", "ate", "det-counterfactual", "all"} <= set(s)
    assert report["causal"]["scientia-direct"]["all"]["n"] == len(items)
    assert (tmp_path / "report.json").exists() and (tmp_path / "details.jsonl").exists()
    kb_file = tmp_path / "programs" / "hand-ate.kb"
    assert kb_file.read_text().rstrip().endswith("?- ATE(x, y) > 0.")
    assert "category" in table(report)


def test_suite_causal_needs_cladder(capsys):
    import evals.suite as suite
    assert suite.main(["causal"]) == 1
    assert "--cladder" in capsys.readouterr().err


# ---------------------------------------------------------------------- end to end (the engine)
E2E_MODELS = MODELS + [{"model_id": 6, "structure": "X->Y"}]
E2E = [
    # fork: ATE = P(y | x) - P(y | not x) = 0.75 - 0.25 = 1/2 > 0
    (q("ate", 2, 2, {"p(Y | X)": [0.25, 0.75]}, answer="yes"), "yes", F(1, 2)),
    # mediation: NDE = sum_m P(m | not x) [P(y | x, m) - P(y | not x, m)] = 0.8 * 0.4 + 0.2 * 0.6 = 0.44
    (q("nde", 3, 3, {"p(Y | X, V2)": [[0.1, 0.3], [0.5, 0.9]], "p(V2 | X)": [0.2, 0.6]}, mediators=["V2"],
       answer="yes"), "yes", F(11, 25)),
    # v2 := x, y := x | v2; under do(not x): v2 = 0, y = 0, so `y` is false
    (det("Y_{X=0} = 1 | ", {}, "V2 = X\nY = X or V2"), "no", 0),
    # P(y) = 0.8 * 0.5 + 0.2 * 0.9 = 0.58 > 1/2; polarity False asks the opposite
    (q("marginal", 1, 6, {"P(X)": 0.2, "P(Y | X)": [0.5, 0.9]}, answer="no", polarity=False), "no", F(29, 50)),
]


def _engine_answers_causal_queries() -> bool:
    from engine.kb import KnowledgeBase
    try:
        kb = KnowledgeBase()
        kb.tell("var x, y : bool.\ngraph x -> y.\nP(y | x) = 0.5.\nP(y | not x) = 0.5.\n")
        return hasattr(kb.ask("ATE(x, y) = 0"), "value")
    except Exception:      # noqa: BLE001
        return False


@pytest.mark.skipif(not _engine_answers_causal_queries(), reason="the engine does not answer causal queries yet")
@pytest.mark.parametrize("raw, expected, value", E2E, ids=["fork-ate", "mediation-nde", "det-cf", "marginal"])
def test_end_to_end_by_hand(raw, expected, value):
    from evals.cladder.causal import answer_item
    item = items_from([raw], E2E_MODELS)[0]
    rec = answer_item(item)
    assert rec["prediction"] == expected, rec
    assert rec["correct"] and rec["proof_accepted"], rec
    if isinstance(value, F):
        assert rec["exact"] == str(value) if "exact" in rec else abs(rec["value"] - float(value)) < 1e-12
    else:
        assert rec["value"] == value


def test_decide_uses_the_value_query_and_the_negative_query():
    assert prog(FORK_ATE).negative_query == "ATE(x, y) < 0" and prog(MARGINAL).negative_query is None
    assert decide(FORK_ATE, "FALSE", polarity=False) == "unknown"
    pol_false = one({**FORK_ATE, "meta": {**FORK_ATE["meta"], "polarity": False}})
    assert P.decide(pol_false, Ans("FALSE"), F(-1, 5)) == "yes"          # the value query's number
    assert P.decide(pol_false, Ans("FALSE"), None, Ans("TRUE")) == "yes"  # < 0
    assert P.decide(pol_false, Ans("FALSE"), None, Ans("FALSE")) == "no"  # = 0
    assert P.decide(pol_false, Ans("FALSE"), None, Ans("UNKNOWN")) == "unknown"
    ett = one({**ETT, "meta": {**ETT["meta"], "polarity": True}})
    assert P.decide(ett, Ans("FALSE"), None, Ans("TRUE")) == "yes"
    assert P.decide(ett, Ans("FALSE"), None, Ans("FALSE")) == "no"


def test_mechanism_parents_the_structure_lacks_are_added():
    # CLadder's diamondcut: structure V1 -> V3, mechanism V3 = not X (its answers follow the mechanism)
    models = [{"model_id": 7, "structure": "V1->V3,V1->X,X->Y,V3->Y"}]
    raw = det("Y_{X=0} = 1 | V1=0", {"V1": 0}, "V1 = 0\nX = V1\nV3 = not X\nY = X or V3", model=7)
    p = P.program(items_from([raw], models)[0])
    graph = next(s for s in p.statements if isinstance(s, S.GraphDecl))
    assert ("x", "->", "v3") in graph.edges and ("v1", "->", "v3") in graph.edges
    assert "x -> v3 (added to the graph)" in p.text
    cyclic = det("Y_{X=0} = 1 | ", {}, "V2 = Y\nY = X or V2")
    with pytest.raises(P.ProgramError, match="cyclic"):
        prog(cyclic)
