"""`scientia eval --quick`: the whole suite, small. CI fails if Scientia falls under 99 % on a
logical task (or on its renamed items) or if the kernel rejects a single proof."""
import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from engine.shell.cli import main          # noqa: E402
from evals.suite import TASKS        # noqa: E402


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval")
    rc = main(["eval", "--quick", "--no-progress", "--out", str(out)])
    return rc, out


def test_quick_suite_passes_its_own_gate(quick_report):
    rc, out = quick_report
    assert rc == 0, (out / "report.md").read_text()


def test_report_shape_and_scientia_floor(quick_report):
    _, out = quick_report
    report = json.loads((out / "report.json").read_text())
    details = json.loads((out / "details.json").read_text())
    assert set(TASKS) <= set(report)
    for task in TASKS:
        systems = report[task]
        assert "scientia" in systems and len(systems) >= 3, f"{task}: Scientia and at least two baselines"
        for system, cats in systems.items():
            assert "all" in cats
            for cat, entry in cats.items():
                assert 0.0 <= entry["accuracy"] <= 1.0 and entry["n"] > 0, (task, system, cat)
        s = details[task]["scientia"]
        assert s["proofs"] > 0 and s["proofs_accepted"] == s["proofs"], task
        if details[task]["logical"]:
            assert systems["scientia"]["all"]["accuracy"] >= 0.99, task
        assert (out / f"{task}.png").stat().st_size > 1000
    assert "renaming" in report
    md = (out / "report.md").read_text()
    assert all(f"## {task}" in md for task in TASKS)


def fake_result(task):
    cats = {"k=2": {"accuracy": 1.0, "n": 3}, "all": {"accuracy": 1.0, "n": 3}}
    return {"task": task, "axis": "k", "categories": ["k=2"], "logical": True, "notes": [],
            "systems": {"scientia": cats, "scientia (best-supported)": cats, "lstm": cats, "transformer": cats},
            "scientia": {"answers": 3, "proofs": 3, "proofs_accepted": 3, "unknown": 0, "wall_s": 0.1}}


def test_eval_prints_where_it_wrote_the_report(tmp_path, monkeypatch, capsys):
    import evals.suite as S
    monkeypatch.setattr(S, "run_task", lambda name, **kw: fake_result(name))
    out = tmp_path / "rep"
    assert S.main(["clutrr", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    tail = printed[printed.index("report written to:"):]
    for name in ("report.json", "details.json", "report.md", "clutrr.png"):
        assert str((out / name).resolve()) in tail and (out / name).exists()
    md = (out / "report.md").read_text()
    assert "| scientia (best-supported) | 100.0 % (n=3) | 100.0 % (n=3) |" in md


def test_install_extras_match_ci():
    """clingo is in the test extra (README installs run the clingo differential tests, as CI does), CI adds
    nothing on top of the extras, and pytest's addopts no longer doubles the README's -q."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    pyproject = (root / "pyproject.toml").read_text()
    test_extra = next(line for line in pyproject.splitlines() if line.startswith("test = ["))
    assert '"clingo' in test_extra
    assert 'addopts = "-q"' not in pyproject
    ci = (root / ".ci" / "run").read_text()
    installs = [line for line in ci.splitlines() if "pip install" in line and "-e" in line]
    assert installs and not any("clingo" in line for line in installs)
