"""docs/language.md keeps to the engine: its runnable examples give the answers it shows, and
every diagnostic code the engine raises is documented there.

The convention (stated at the top of docs/language.md):
- a fenced block whose info string is exactly `scientia` is runnable: it is told, whole, to a
  fresh KnowledgeBase. A query line `?- Q.  % expect: V` must get V (`true`, `false`,
  `unknown`, the bindings `X=a; X=b`, or `none`), the notation of tests/golden. A line
  `% expect-error: E0xx` means the tell must be refused with that code (and leave the KB
  empty); `% expect-warning: W0xx` means the tell, or an answer it gives, carries that warning;
- a block tagged `scientia no-test` is shown but not run (the text says why);
- a fenced `output` block right after a runnable block is what `scientia run example.kb`
  prints for it (stdout and stderr as a terminal interleaves them), compared line by line.
"""
from __future__ import annotations

import contextlib
import io
import re
import textwrap
from pathlib import Path

import pytest

from engine.errors import ScientiaError
from engine.kb import KnowledgeBase
from test_golden import query_key

from engine.shell import cli

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "language.md"
FENCE = re.compile(r"^[ \t]*```([^\n`]*)\n(.*?)^[ \t]*```[ \t]*$", re.S | re.M)     # indented in a list too
EXPECT = re.compile(r"^\s*\?-(?P<query>.*?)\.\s*%\s*expect:\s*(?P<want>.+?)\s*$")
EXPECT_ERROR = re.compile(r"%\s*expect-error:\s*([EW]\d+)")
EXPECT_WARNING = re.compile(r"%\s*expect-warning:\s*([EW]\d+)")
CODE = re.compile(r"\b[EW]0\d\d\b")


def blocks(text: str) -> list:
    """(info string, body, line number, the output block that follows or None) per fenced block."""
    found = [(m.group(1).strip(), textwrap.dedent(m.group(2)), text.count("\n", 0, m.start()) + 1, m.end())
             for m in FENCE.finditer(text)]
    out = []
    for k, (info, body, line, end) in enumerate(found):
        if info in ("output",):
            continue
        follow = None
        if k + 1 < len(found) and found[k + 1][0] == "output":
            between = text[end:text.index("```", end)]
            if not between.strip():
                follow = found[k + 1][1]
        out.append((info, body, line, follow))
    return out


def runnable() -> list:
    return [(body, line, follow) for info, body, line, follow in blocks(DOC.read_text()) if info == "scientia"]


def outcome(answers: list) -> str:
    if len(answers) == 1 and not answers[0].bindings:
        return answers[0].verdict.value
    rows = sorted(", ".join(f"{k}={v}" for k, v in sorted(a.to_json()["bindings"].items())) for a in answers)
    return "; ".join(rows) if rows else "none"


def canon(s: str) -> str:
    if s in ("true", "false", "unknown", "none"):
        return s
    rows = [sorted(p.replace(" ", "") for p in row.split(",")) for row in s.split(";")]
    return "; ".join(sorted(", ".join(r) for r in rows))


def test_the_doc_has_runnable_examples():
    assert len(runnable()) >= 20


@pytest.mark.parametrize("body, line, follow", runnable(), ids=lambda x: f"line{x}" if isinstance(x, int) else "")
def test_example(body: str, line: int, follow):
    errors = EXPECT_ERROR.findall(body)
    warnings = EXPECT_WARNING.findall(body)
    wanted = [(query_key(m["query"]), m["want"].strip())
              for m in map(EXPECT.match, body.splitlines()) if m]
    assert errors or wanted or warnings or follow, f"the example at line {line} states no expectation"
    kb = KnowledgeBase()
    if errors:
        with pytest.raises(ScientiaError) as info:
            kb.tell(body, file="example.kb")
        assert set(errors) <= set(info.value.codes), info.value.render()
        assert kb.entries == ()
    else:
        told = kb.tell(body, file="example.kb")
        seen_codes = {w.code for w in told.warnings}
        got: dict = {}
        for query, answers in told:
            got.setdefault(query, []).append(answers)
            for a in answers:
                seen_codes |= {w.code for w in a.warnings}
            seen_codes |= {w.code for w in getattr(answers, "warnings", ())}
        assert set(warnings) <= seen_codes, f"line {line}: expected warnings {warnings}, got {seen_codes}"
        index: dict = {}
        for query, want in wanted:
            k = index.get(query, 0)
            index[query] = k + 1
            assert query in got and k < len(got[query]), f"line {line}: {query} was not answered"
            actual = outcome(got[query][k])
            assert canon(actual) == canon(want), f"docs/language.md:{line}: ?- {query}.  the doc says {want}, got {actual}"
    if follow is not None:
        assert run_output(body) == normal(follow), f"docs/language.md:{line}: the output block differs"


def run_output(body: str) -> str:
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        cwd = os.getcwd()
        os.chdir(d)
        try:
            Path("example.kb").write_text(body)
            stream = io.StringIO()
            with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
                cli.main(["run", "example.kb"])
        finally:
            os.chdir(cwd)
    return normal(stream.getvalue())


def normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def test_every_code_the_engine_raises_is_documented():
    raised = set()
    for path in (ROOT / "engine").rglob("*.py"):
        raised |= set(CODE.findall(path.read_text()))
    doc = DOC.read_text()
    documented = set(re.findall(r"^\| `([EW]0\d\d)` \|", doc, re.M))
    assert raised, "no diagnostic codes found in engine/"
    missing = sorted(raised - documented)
    assert not missing, f"codes raised in engine/ without a row in the diagnostics table of docs/language.md: {missing}"
    stale = sorted(documented - raised)
    assert not stale, f"docs/language.md documents codes the engine no longer raises: {stale}"
