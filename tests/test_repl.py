"""The REPL, driven as a user drives it.

Golden transcripts: tests/repl/NAME.in is piped into `scientia repl` and its output
must equal tests/repl/NAME.out (set SCIENTIA_UPDATE_GOLDEN=1 to rewrite them).
Interactive sessions: pexpect types into the real `scientia repl` on a pseudo-terminal.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TRANSCRIPTS = sorted((HERE / "repl").glob("*.in"))
REPL = [sys.executable, "-m", "engine", "repl"]
PROMPT = "scientia> "


def _env(tmp_path: Path) -> dict:
    # PYTHONHASHSEED: the order of the answers of an open query follows set iteration in the engine
    return {**os.environ, "SCIENTIA_HISTORY": str(tmp_path / "history"), "TERM": "dumb",
            "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}


# ---------------------------------------------------------------- piped transcripts
@pytest.mark.parametrize("script", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(script: Path, tmp_path: Path):
    with script.open() as stdin:
        run = subprocess.run(REPL, stdin=stdin, capture_output=True, text=True, cwd=tmp_path,
                             env=_env(tmp_path), timeout=60)
    assert "Traceback" not in run.stderr
    golden = script.with_suffix(".out")
    if os.environ.get("SCIENTIA_UPDATE_GOLDEN"):
        golden.write_text(run.stdout)
    assert run.stdout == golden.read_text()
    assert run.returncode == (1 if "error:" in run.stdout else 0)


def test_script_prints_no_prompt(tmp_path: Path):
    run = subprocess.run(REPL, input="p(a).\n?- p(a).\n", capture_output=True, text=True,
                         cwd=tmp_path, env=_env(tmp_path), timeout=30)
    assert run.stdout == "ok: 1 statement told\n?- p(a).\n   true\n      p(a)    [premise <repl#1>:1:1]\n"
    assert PROMPT not in run.stdout and run.returncode == 0


# ---------------------------------------------------------------- interactive sessions
def _spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    child = pexpect.spawn(REPL[0], REPL[1:] + list(args), cwd=str(tmp_path), env=_env(tmp_path),
                          encoding="utf-8", timeout=15, dimensions=(40, 200))
    child.expect_exact(PROMPT)
    return child


def _say(child: pexpect.spawn, line: str, *expected: str) -> None:
    """Type a line; see each expected text in order, then the next prompt."""
    child.sendline(line)
    for text in expected:
        child.expect_exact(text)
    child.expect_exact(PROMPT)


def _leave(child: pexpect.spawn) -> None:
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_session_tell_ask_errors_why_whynot_undo(tmp_path: Path):
    child = _spawn(tmp_path)
    _say(child, "parent(alice, bob). parent(bob, carol).", "ok: 2 statements told")
    child.sendline("ancestor(X, Y) :-")              # a statement over two lines
    child.expect_exact("|  ")
    _say(child, "    parent(X, Y).", "ok: 1 statement told")
    _say(child, "ancestor(X, Z) :- parent(X, Y), ancestor(Y, Z).", "ok: 1 statement told")
    _say(child, "?- ancestor(alice, carol).", "true", "ancestor(alice, carol)", "more line (:why)")
    _say(child, "parent(dave erin).", "error: unexpected 'erin'", "^")        # the caret
    _say(child, "?- parent(dave, W).", "'dave' is not an individual")     # KB unchanged: no dave
    _say(child, "?- ancestor(alice, W).", "[1] W = ", "[2] W = ")
    _say(child, ":why 1", "[premise <repl#1>:1:1]")
    _say(child, ":whynot ancestor(carol, alice)", "unknown (open world)",
         "the witnesses differ on: ancestor(carol, alice)")
    _say(child, "closed parent, ancestor.", "ok: 1 statement told")
    _say(child, ":whynot ancestor(carol, alice)", "false", "closed world: not ancestor(carol, alice)")
    _say(child, ":undo", "undone: tell of closed parent, ancestor.")
    _say(child, "?- ancestor(carol, alice).", "unknown (open world)")
    child.send("parent(x")                          # Ctrl-C at the prompt clears the line
    time.sleep(0.3)
    child.sendcontrol("c")
    child.expect_exact(PROMPT)
    _say(child, "?- parent(alice, bob).", "true")
    _leave(child)


def test_save_then_load_in_a_fresh_session_with_history(tmp_path: Path):
    child = _spawn(tmp_path)
    _say(child, "forall X. p(X) -> q(X).", "ok: 1 statement told")
    _say(child, "p(a).", "ok: 1 statement told")
    _say(child, ":save mine.kb", "saved 2 statements to mine.kb")
    child.sendline(":quit")
    child.expect(pexpect.EOF)
    assert (tmp_path / "history").read_text().splitlines()[-1] == ":quit"
    child = _spawn(tmp_path)
    _say(child, "?- q(a).", "'a' is not an individual")      # a new session knows no a
    _say(child, ":load mine.kb", "loaded mine.kb: 2 statements")
    _say(child, "?- q(a).", "true", "[premise mine.kb:")
    child.send("\x1b[A")                            # the up arrow recalls the last line
    child.sendline("")
    child.expect_exact("true")
    child.expect_exact(PROMPT)
    _leave(child)


def test_tab_completion_of_commands_predicates_and_constants(tmp_path: Path):
    child = _spawn(tmp_path)
    _say(child, "likes(alice, bob).", "ok: 1 statement told")
    child.send(":whyn\t")
    child.expect_exact(":whynot")
    child.send(" lik\t")
    child.expect_exact("likes")
    child.send("(ali\t")
    child.expect_exact("alice")
    _say(child, ", bob)", "true")
    _leave(child)


def test_ctrl_c_interrupts_a_long_query(tmp_path: Path):
    pigeons = ", ".join(f"p{i}" for i in range(1, 12))
    holes = ", ".join(f"h{i}" for i in range(1, 11))
    (tmp_path / "php.kb").write_text(
        f"type pigeon = {{{pigeons}}}.\ntype hole = {{{holes}}}.\npred sits(pigeon, hole).\n"
        "forall P: pigeon. exists H: hole. sits(P, H).\nlikes(alice, bob).\n")
    child = _spawn(tmp_path, "--timeout-ms", "600000", "php.kb")
    child.sendline("?- exists P: pigeon, Q: pigeon, H: hole. P != Q & sits(P, H) & sits(Q, H).")
    time.sleep(2)
    start = time.monotonic()
    child.sendcontrol("c")
    child.expect_exact("unknown (interrupted)", timeout=10)
    child.expect_exact(PROMPT)
    assert time.monotonic() - start < 10
    _say(child, "?- likes(alice, bob).", "true")
    _leave(child)
