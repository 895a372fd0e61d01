"""`scientia eval equations` (evals/equations): reading AI Feynman's two table layouts, failing
loudly on a row it cannot read, renaming, RMS-scaled noise, SRBench's recovery test, and the
report's shape on a tiny table with a small budget. Core-only: gplearn, pyoperon and torch are
tested only where installed."""
from __future__ import annotations

import json
import math
import random

import pytest
import sympy

from evals.equations import baselines, data, score
from evals.equations.data import EquationsError

BOM = "\ufeff"
FEYNMAN = ("Filename,Number,Output,Formula,# variables,v1_name,v1_low,v1_high,v2_name,v2_low,v2_high\n"
           "I.1,1,F,mass*accel,2,mass,1,5,accel,1,5\n"
           "I.2,2,E,charge/dist,2,charge,1,5,dist,1,5\n"
           "I.3,3,v,sqrt(lambda),1,lambda,1,5,,,\n"
           ",,,,,,,,,,\n")
BONUS = ("Filename,Number,Name,Eqn. No.,Output,Formula,# variables,v1_name,v1_low,v1_high,v2_name,v2_low,v2_high\n"
         "test_1,1,Product,1,F,m*a,2,m,1,5,a,1,5\n"
         "test_2,2,Angle,2,t,arccos(u/w)*pi,2,u,1,2,w,3,4\n")
x1, x2 = sympy.symbols("x1 x2")


def write(tmp_path, text, name="eqs.csv"):
    path = tmp_path / name
    path.write_text(BOM + text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- reading
def test_reads_the_feynman_layout_with_a_bom_and_renames(tmp_path):
    eqs = data.read(write(tmp_path, FEYNMAN))
    assert [e.filename for e in eqs] == ["I.1", "I.2", "I.3"]       # the all-empty padding row is not a row
    assert eqs[0].truth == x1 * x2 and eqs[1].truth == x1 / x2
    assert eqs[2].truth == sympy.sqrt(x1)                           # `lambda`, a Python keyword, is a name here
    assert eqs[0].variables == [("mass", 1.0, 5.0), ("accel", 1.0, 5.0)] and eqs[0].nonnegative
    cols = data.table(data.sample(eqs[0], 20, seed=0), [0.0] * 20)
    assert set(cols) == {"x1", "x2", "y"}
    assert not any(n in str(eqs[0].truth) + "".join(cols) for n in ("mass", "accel"))


def test_reads_the_bonus_layout(tmp_path):
    eqs = data.read(write(tmp_path, BONUS))
    assert [(e.filename, e.name) for e in eqs] == [("test_1", "Product"), ("test_2", "Angle")]
    assert eqs[1].truth == sympy.pi * sympy.acos(x1 / x2)


@pytest.mark.parametrize("bad, words", [
    ("I.9,9,F,m*(a,2,m,1,5,a,1,5", ["line 3", "I.9", "cannot parse"]),
    ("I.9,9,F,m*b,2,m,1,5,a,1,5", ["line 3", "I.9", "b"]),
    ("I.9,9,F,m*a,2,m,1,5,a,1,", ["line 3", "I.9", "variable 2"]),
    ("I.9,9,F,m*a,two,m,1,5,a,1,5", ["line 3", "I.9", "# variables"]),
    ("I.9,9,F,,2,m,1,5,a,1,5", ["line 3", "I.9", "no formula"]),
    ("I.9,9,F,m*a,2,m,5,1,a,1,5", ["line 3", "I.9", "range"]),
    ("I.9,9,F,m*foo(a),2,m,1,5,a,1,5", ["line 3", "I.9", "foo"]),
])
def test_an_unreadable_row_fails_loudly_naming_the_row(tmp_path, bad, words):
    lines = FEYNMAN.splitlines()
    path = write(tmp_path, "\n".join(lines[:2] + [bad] + lines[2:]) + "\n")
    with pytest.raises(EquationsError) as err:
        data.read(path)
    for w in words:
        assert w in str(err.value)


def test_a_table_of_another_layout_is_refused(tmp_path):
    with pytest.raises(EquationsError, match="Formula"):
        data.read(write(tmp_path, "a,b\n1,2\n"))


def test_undefined_rows_are_dropped_and_counted(tmp_path):
    eq = data.read(write(tmp_path, "Filename,Formula,# variables,v1_name,v1_low,v1_high\nS,sqrt(x-2),1,x,1,3\n"))[0]
    rows = data.sample(eq, 400, seed=1)
    assert rows["dropped"] + len(rows["y"]) == 400 and 120 < rows["dropped"] < 280
    assert all(x[0] >= 2 for x in rows["x"])
    beyond = data.outside(eq, 50, seed=1)                         # x in [3, 5]: defined everywhere
    assert beyond["dropped"] == 0 and all(3 <= x[0] <= 5 for x in beyond["x"])


def test_sampling_is_fixed_by_the_seed(tmp_path):
    eq = data.read(write(tmp_path, FEYNMAN))[0]
    assert data.sample(eq, 10, seed=3) == data.sample(eq, 10, seed=3) != data.sample(eq, 10, seed=4)


# ---------------------------------------------------------------- noise
def test_noise_is_scaled_by_the_rms_of_the_target():
    y = [10.0 if i % 2 else -10.0 for i in range(20000)]             # RMS 10, mean 0
    noisy = data.noisy(y, 0.01, seed="s")
    spread = math.sqrt(sum((a - b) ** 2 for a, b in zip(noisy, y)) / len(y))
    assert spread == pytest.approx(0.1, rel=0.03)                    # sigma * RMS(y), not sigma * |y| or sigma
    scaled = data.noisy([100 * v for v in y], 0.01, seed="s")
    assert all(math.isclose(a - 100 * b, 100 * (c - b), rel_tol=1e-9, abs_tol=1e-9)
               for a, b, c in zip(scaled, y, noisy))
    assert data.noisy(y, 0.0, seed="s") == y


# ---------------------------------------------------------------- SRBench's recovery test
@pytest.mark.parametrize("found, truth, ok", [
    (x1 * x2, x1 * x2, True),
    (x1 * x2 + 3.7, x1 * x2, True),                                  # a constant offset
    (2.5 * x1 / x2, x1 / x2, True),                                  # a constant ratio
    (3.14159 * sympy.sqrt(x1), sympy.pi * sympy.sqrt(x1), True),
    (x1 ** 2.0004 * x2, x1 ** 2 * x2, True),                         # 3 significant digits: 2.00
    (x1 ** 2.04 * x2, x1 ** 2 * x2, False),
    (x1 * x2 + 0.00004 * x1, x1 * x2, True),                         # under 1e-4: 0 (as SRBench)
    (x1 * x2 + 0.01 * x1, x1 * x2, False),
    (x1 + x2, x1 * x2, False),
    (sympy.Integer(0), x1, False),                                   # ratio 0 is not a recovery
    (sympy.sin(x1) ** 2 + sympy.cos(x1) ** 2 + x2, x2, True),       # simplify: 1 + x2
])
def test_srbench_recovery(found, truth, ok):
    assert score.recovered(found, truth, positive=True)["recovered"] is ok


def test_rounding_to_three_significant_digits():
    assert score.round_constants(1.23456 * x1 + 0.000123456) == sympy.Float("1.23") * x1 + sympy.Float("0.000123")
    assert float(score.round_constants(123456.7 * x1).as_coeff_Mul()[0]) == 123000.0


def test_positive_symbols_only_when_the_ranges_are_nonnegative():
    assert score.recovered(sympy.sqrt(x1 ** 2), x1, positive=True)["recovered"]
    assert not score.recovered(sympy.sqrt(x1 ** 2) * x2, x1 * x2, positive=False)["recovered"]


# ---------------------------------------------------------------- the task and the suite
def test_the_suite_runs_the_task_and_writes_the_report(tmp_path, monkeypatch):
    from evals import suite
    # the baselines as on a core install: the report says "not installed", nothing crashes
    monkeypatch.setattr(baselines, "missing", lambda systems=baselines.SYSTEMS: {
        s: "not installed (pip install -e '.[laws-baselines]')" for s in systems})
    out = tmp_path / "out"
    rc = suite.main(["equations", "--feynman", str(write(tmp_path, FEYNMAN)), "--budget", "1", "--rows", "60",
                     "--noise", "0,0.01", "--out", str(out), "--no-progress"])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())["equations"]
    assert set(report) == {"scientia"}
    assert set(report["scientia"]) == {"noise=0", "noise=0.01", "all"}
    assert report["scientia"]["noise=0"] == {"accuracy": 1.0, "n": 3}            # x*y, a/b, sqrt(x)
    assert report["scientia"]["all"]["n"] == 6
    details = json.loads((out / "details.json").read_text())["equations"]
    assert details["scientia"]["wrongly_exact"] == 0
    rec = details["details"][0]
    for key in ("equation", "noise", "system", "found", "status", "recovered", "wrongly_exact", "max_rel_error",
                "rms_rel_error", "outside_median_rel_error", "seconds", "dropped", "rows"):
        assert key in rec
    assert rec["found"] == "x1*x2" and rec["status"] == "exact" and rec["outside_median_rel_error"] == 0
    md = (out / "report.md").read_text()
    assert "Wrongly exact" in md and "gplearn: not installed" in md and "mlp: not installed" in md


def test_the_suite_wants_the_file_and_sane_noise(tmp_path, capsys):
    from evals import suite
    assert suite.main(["equations"]) == 1
    assert "--feynman" in capsys.readouterr().err
    assert suite.main(["equations", "--feynman", "x.csv", "--noise", "0,-1"]) == 1


def test_a_wrongly_exact_law_fails_the_suite():
    from evals import suite
    res = {"equations": {"systems": {"scientia": {"all": {"accuracy": 0.5, "n": 2}}},
                         "scientia": {"wrongly_exact": 1}}}
    assert any("exact" in b for b in suite.failures(res))


# ---------------------------------------------------------------- baselines, where installed
def _rows(n=200):
    rng = random.Random(0)
    x = [[rng.uniform(1, 3), rng.uniform(1, 3)] for _ in range(n)]
    return x, [a * b for a, b in x]


def test_gplearn_program_to_sympy():
    pytest.importorskip("gplearn")
    from gplearn.functions import _function_map
    program = [_function_map["add"], _function_map["mul"], 0, 1, _function_map["sqrt"], 0.25]
    assert baselines._gp_sympy(program, (x1, x2)) == x1 * x2 + sympy.sqrt(sympy.Float(0.25))


@pytest.mark.parametrize("system", ["gplearn", "pyoperon"])
def test_symbolic_baselines_give_sympy(system):
    pytest.importorskip("numpy")
    pytest.importorskip(system)
    x, y = _rows()
    fit = baselines.FITS[system](x, y, 1.0, seed=0)
    assert isinstance(fit["expression"], sympy.Expr) and fit["expression"].free_symbols <= {x1, x2}
    assert fit["predict"]([2.0, 2.0]) == pytest.approx(4.0, rel=0.1)


def test_mlp_baseline_predicts():
    pytest.importorskip("torch")
    x, y = _rows()
    fit = baselines.fit_mlp(x, y, 1.0, seed=0, max_steps=300)
    assert fit["expression"] is None and math.isfinite(fit["predict"]([2.0, 2.0]))
