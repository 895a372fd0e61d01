"""The command line, run as a user runs it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scientia(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300)


def test_run_json_shape():
    out = scientia("run", "kb/family.kb", "--json")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows[0]["query"] == "ancestor(alice, carol)"
    first = rows[0]["answers"][0]
    assert first["verdict"] == "true" and first["bindings"] == {} and first["proof"]["steps"]
    unknown = rows[1]["answers"][0]
    assert unknown["verdict"] == "unknown" and unknown["reason"] == "open world"
    assert set(unknown["witnesses"]) == {"holds", "fails"}


def test_errors_exit_1_without_traceback(tmp_path):
    bad = tmp_path / "bad.kb"
    bad.write_text("p(a).\nq(b\nr(c).\n")
    out = scientia("check", str(bad))
    assert out.returncode == 1
    assert f"{bad}:3:1: error:" in out.stderr and "^" in out.stderr and "Traceback" not in out.stderr
    missing = scientia("run", str(tmp_path / "nope.kb"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


def test_verify_saved_proof_and_reject_tampering(tmp_path):
    kb = tmp_path / "f.kb"
    kb.write_text("parent(alice, bob). parent(bob, carol).\n"
                  "ancestor(X, Y) :- parent(X, Y).\nancestor(X, Z) :- parent(X, Y), ancestor(Y, Z).\n")
    out = scientia("ask", str(kb), "--query", "ancestor(alice, carol)", "--json")
    proof = json.loads(out.stdout)["answers"][0]["proof"]
    good = tmp_path / "p.json"
    good.write_text(json.dumps(proof))
    assert scientia("verify", str(kb), "--proof", str(good)).returncode == 0
    proof["steps"][0]["claim"] = "parent(alice, carol)"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(proof))
    out = scientia("verify", str(kb), "--proof", str(bad))
    assert out.returncode == 1 and "step 1" in out.stderr


def test_tptp_problem():
    out = scientia("run", "tests/tptp/socrates.p")
    assert out.returncode == 0, out.stderr
    assert "true" in out.stdout


def test_demo_prints_proofs():
    out = scientia("demo")
    assert out.returncode == 0 and "[rule " in out.stdout and "smt" in out.stdout
