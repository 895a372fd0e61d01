"""`scientia eval --quick`: the whole suite, small. CI fails if Scientia falls under 99 % on a
logical task (or on its renamed items) or if the kernel rejects a single proof."""
import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from engine.cli import main          # noqa: E402
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
