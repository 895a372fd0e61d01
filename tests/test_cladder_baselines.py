"""evals/cladder/baselines.py on small hand-built models in CLadder's models.json layout.

The groundtruth of each model is computed here, independently of engine.causal, by brute
force: every node gets an exogenous response function (one output per parent configuration,
drawn independently with the CPT's probabilities, a coupling different from from_cpts'
quantile coupling; ATE, ETT, NDE and NIE of a Markovian model do not depend on it), and every
combination of response functions is enumerated with exact Fractions.

The Scientia path, the table and the JSON structure need neither pgmpy nor DoWhy; the pgmpy
and DoWhy tests run only where those are installed. No test reads /work/shared.
"""
import itertools
import json
import sys
from fractions import Fraction

import pytest

from evals.cladder import baselines as bl


# ---------------------------------------------------------------------- brute force
def _cpt(model, v):
    """(parents, {parent values: P(v=1)}) read from the params as written (nested lists)."""
    for key, values in model["params"].items():
        head, _, rest = key[2:-1].partition("|")
        if head.strip() == v:
            parents = tuple(p.strip() for p in rest.split(",")) if rest.strip() else ()
            table = {}
            for combo in itertools.product((0, 1), repeat=len(parents)):
                x = values
                for c in combo:
                    x = x[c]
                table[combo] = Fraction(str(x))
            return parents, table
    raise KeyError(v)


def _worlds(model):
    """[(weight, {v: response function as {parent values: output}})], every combination."""
    nodes = list(dict.fromkeys(n for e in model["structure"].split(",") for n in e.split("->")))
    per_node = []
    for v in nodes:
        parents, table = _cpt(model, v)
        configs = list(table)
        options = []
        for outs in itertools.product((0, 1), repeat=len(configs)):
            w = Fraction(1)
            for c, o in zip(configs, outs):
                w *= table[c] if o else 1 - table[c]
            if w:
                options.append((w, parents, dict(zip(configs, outs))))
        per_node.append((v, options))
    order = _order(model, nodes)
    out = []
    for choice in itertools.product(*(opts for _, opts in per_node)):
        w = Fraction(1)
        fns = {}
        for (v, _), (wv, parents, fn) in zip(per_node, choice):
            w *= wv
            fns[v] = (parents, fn)
        out.append((w, fns, order))
    return out


def _order(model, nodes):
    edges = [tuple(e.split("->")) for e in model["structure"].split(",")]
    order = []
    while len(order) < len(nodes):
        order.append(next(n for n in nodes if n not in order
                          and all(a in order for a, b in edges if b == n)))
    return order


def _solve(fns, order, do):
    world = {}
    for v in order:
        parents, fn = fns[v]
        world[v] = do[v] if v in do else fn[tuple(world[p] for p in parents)]
    return world


def brute_force_truth(model, mediators):
    ws = _worlds(model)

    def E(f, cond=lambda u: True):
        num = sum(w * f(fns, order) for w, fns, order in ws if cond((fns, order)))
        den = sum(w for w, fns, order in ws if cond((fns, order)))
        return num / den

    def y(do):
        return lambda fns, order: _solve(fns, order, do)["Y"]

    def nested(x, xm):
        def f(fns, order):
            mw = _solve(fns, order, {"X": xm})
            return _solve(fns, order, {"X": x, **{m: mw[m] for m in mediators}})["Y"]
        return f

    def factual(v, a):
        return lambda u: _solve(u[0], u[1], {})[v] == a

    nodes = _order(model, list(dict.fromkeys(n for e in model["structure"].split(",") for n in e.split("->"))))
    truth = {
        "ATE(Y | X)": E(y({"X": 1})) - E(y({"X": 0})),
        "ETT(Y | X)": E(lambda f, o: y({"X": 1})(f, o) - y({"X": 0})(f, o), factual("X", 1)),
        "NDE(Y | X)": E(nested(1, 0)) - E(y({"X": 0})),
        "NIE(Y | X)": E(nested(0, 1)) - E(y({"X": 0})),
        "P(Y=1 | X=1)": E(lambda f, o: _solve(f, o, {})["Y"], factual("X", 1)),
        "P(Y=1 | X=0)": E(lambda f, o: _solve(f, o, {})["Y"], factual("X", 0)),
    }
    for v in nodes:
        truth[f"P({v}=1)"] = E(lambda f, o, v=v: _solve(f, o, {})[v])
    return truth


# ---------------------------------------------------------------------- the models
def _model(model_id, graph_id, structure, params, mediators):
    m = {"model_id": model_id, "graph_id": graph_id, "structure": structure, "params": params}
    m["groundtruth"] = {k: float(v) for k, v in brute_force_truth(m, mediators).items()}
    return m


MEDIATION = _model(0, "mediation", "X->V2,X->Y,V2->Y",
                   {"p(X)": 0.6, "p(V2 | X)": [0.3, 0.8], "p(Y | X, V2)": [[0.1, 0.5], [0.4, 0.9]]},
                   ("V2",))
FRONTDOOR = _model(1, "frontdoor", "V1->X,X->V3,V1->Y,V3->Y",
                   {"p(V1)": 0.35, "p(X | V1)": [0.25, 0.7], "p(V3 | X)": [0.2, 0.85],
                    "p(Y | V1, V3)": [[0.15, 0.6], [0.45, 0.95]]},
                   ("V3",))
# P(X=1 | V1) is 0 or 1: the conditionals E[Y | X=0, V1=1] of the textbook formulas are
# undefined, the quantities are not (the CPTs are given)
DEGENERATE = _model(2, "confounding", "V1->X,V1->Y,X->Y",
                    {"p(V1)": 0.4, "p(X | V1)": [0.0, 1.0], "p(Y | V1, X)": [[0.2, 0.7], [0.5, 0.1]]},
                    ())
ARROWHEAD = {"model_id": 3, "graph_id": "arrowhead", "structure": "X->Y", "params": {},
             "groundtruth": {"ATE(Y | X)": 0.5}}
MODELS = [MEDIATION, FRONTDOOR, DEGENERATE, ARROWHEAD]
EFFECTS = ("ATE", "ETT", "NDE", "NIE")


def test_the_brute_force_is_sane():
    g = MEDIATION["groundtruth"]
    assert g["ETT(Y | X)"] == pytest.approx(g["ATE(Y | X)"])               # X is a root
    d = DEGENERATE["groundtruth"]
    assert d["NIE(Y | X)"] == 0 and d["NDE(Y | X)"] == d["ATE(Y | X)"]
    # ETT with X = V1: E[Y_1 - Y_0 | V1 = 1] = 0.1 - 0.5
    assert d["ETT(Y | X)"] == pytest.approx(-0.4, abs=1e-12)


def test_read_model_and_the_adjustment_sets():
    spec = bl.read_model(FRONTDOOR)
    assert spec.nodes.index("V1") < spec.nodes.index("X") < spec.nodes.index("V3") < spec.nodes.index("Y")
    assert spec.mediators("X", "Y") == ("V3",)
    assert spec.backdoor("X") == ("V1",)
    assert spec.mediation_adjustment("X", "Y") == ("V1",)
    assert bl.read_model(MEDIATION).mediators("X", "Y") == ("V2",)
    assert bl.read_model(DEGENERATE).mediators("X", "Y") == ()
    types = {q.key: q.qtype for q in spec.queries}
    assert types["P(Y=1 | X=1)"] == "P conditional" and types["P(V1=1)"] == "P marginal"
    assert types["NDE(Y | X)"] == "NDE"
    with pytest.raises(bl.BaselineError):
        bl.parse_query("PNS(Y | X)")


def test_scientia_reproduces_every_number_and_skips_arrowhead():
    r = bl.run_baselines(MODELS, systems=("scientia",))
    assert r["skipped"]["arrowhead"] == 1 and "reason" in r["skipped"]
    assert r["models"] == 3
    s = r["scientia"]
    assert s["status"] == "ok" and s["time_s"] >= 0
    for qt in (*EFFECTS, "P marginal", "P conditional"):
        assert s[qt]["accuracy"] == 1.0 and s[qt]["within_0.01"] == 1.0, (qt, s[qt])
        assert s[qt]["failures"] == 0
    assert s["ATE"]["n"] == 3 and s["P conditional"]["n"] == 6
    assert s["P marginal"]["n"] == 3 + 4 + 3


def test_identification_formulas_are_exact_with_an_exact_oracle():
    """ett_formula / natural_effects (the pgmpy assembly) with Scientia's BayesNet as pdo."""
    for model in (MEDIATION, FRONTDOOR, DEGENERATE):
        spec = bl.read_model(model)
        bn = bl._Scientia(spec).bn

        def pdo(event, do):
            clash = any(v in do and do[v] != a for v, a in event.items())
            event = {v: a for v, a in event.items() if v not in do}
            return Fraction(0) if clash else (bn.probability(event, do=do) if event else Fraction(1))

        truth = brute_force_truth(model, spec.mediators("X", "Y"))
        assert bl.ett_formula(pdo, "X", "Y", spec.backdoor("X")) == truth["ETT(Y | X)"]
        nde, nie = bl.natural_effects(pdo, "X", "Y", spec.mediators("X", "Y"),
                                      spec.mediation_adjustment("X", "Y"))
        assert (nde, nie) == (truth["NDE(Y | X)"], truth["NIE(Y | X)"])


def test_a_miss_and_an_inconsistent_groundtruth_are_reported():
    bad = json.loads(json.dumps(MEDIATION))
    bad["groundtruth"]["P(Y=1)"] += 0.05
    bad["groundtruth"]["NIE(Y | X)"] += 0.005
    r = bl.run_baselines([bad], systems=("scientia",))
    s = r["scientia"]
    assert s["P marginal"]["accuracy"] == pytest.approx(2 / 3)
    assert s["NIE"]["accuracy"] == 0 and s["NIE"]["within_0.01"] == 1.0
    assert {m["key"] for m in s["NIE"]["misses"] + s["P marginal"]["misses"]} == {"NIE(Y | X)", "P(Y=1)"}
    assert r["groundtruth_checks"]["model_ids"] == [0]


def test_a_missing_package_is_reported_not_raised(monkeypatch):
    monkeypatch.setitem(sys.modules, "pgmpy", None)          # import pgmpy -> ImportError
    monkeypatch.setitem(sys.modules, "dowhy", None)
    r = bl.run_baselines(MODELS, systems=("scientia", "pgmpy", "dowhy"))
    for s in ("pgmpy", "dowhy"):
        assert r[s]["status"] == "not installed" and "not installed" in r[s]["message"]
    text = bl.table(r)
    assert "pgmpy     not installed" in text and "dowhy     not installed" in text
    assert "scientia  NDE" in text and "arrowhead 1" in text
    json.dumps(r)
    with pytest.raises(bl.BaselineError):
        bl.run_baselines(MODELS, systems=("nope",))


def test_cli_prints_a_table_and_writes_json(tmp_path, capsys):
    (tmp_path / "models.json").write_text(json.dumps(MODELS))
    out = tmp_path / "r.json"
    bl.main(["--cladder", str(tmp_path), "--systems", "scientia", "--out", str(out)])
    printed = capsys.readouterr().out
    assert "scientia  ATE" in printed and "skipped: arrowhead 1" in printed
    data = json.loads(out.read_text())
    assert data["scientia"]["ETT"]["accuracy"] == 1.0 and data["skipped"]["arrowhead"] == 1


# ---------------------------------------------------------------------- the baselines, where installed
def test_pgmpy_matches_the_brute_force():
    pytest.importorskip("pgmpy")
    r = bl.run_baselines(MODELS, systems=("pgmpy",))
    p = r["pgmpy"]
    assert p["status"] == "ok"
    for qt in (*EFFECTS, "P marginal", "P conditional"):
        assert p[qt]["failures"] == 0 and p[qt]["accuracy"] == 1.0, (qt, p[qt])


def test_dowhy_estimates_are_close_and_abduction_failures_are_recorded():
    pytest.importorskip("dowhy")
    r = bl.run_baselines(MODELS, systems=("dowhy",), samples=20_000, seed=0)
    d = r["dowhy"]
    assert d["status"] == "ok" and d["samples"] == 20_000
    for qt in (*EFFECTS, "P marginal", "P conditional"):
        row = d[qt]
        assert row["failures"] == 0 and row["max_abs_error"] < 0.03, (qt, row)
    ab = d["ETT (abduction)"]
    # DoWhy's abduction needs invertible mechanisms; ClassifierFCM is not (dowhy issues 1146, 1241)
    assert ab["n"] == 3 and (ab["failures"] == 3 or ab["max_abs_error"] < 0.03)
    for msg in ab["errors"]:
        assert "\n" not in msg and ":" in msg
    again = bl.run_baselines(MODELS, systems=("dowhy",), samples=20_000, seed=0)["dowhy"]
    assert {k: v for k, v in again.items() if k != "time_s"} == {k: v for k, v in d.items() if k != "time_s"}
