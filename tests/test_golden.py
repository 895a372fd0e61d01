"""Golden programs: every kb/*.kb and tests/golden/*.kb states the answers it expects.

    ?- ancestor(alice, carol).   % expect: true
    ?- ancestor(alice, X).       % expect: X=bob; X=carol      (every entailed binding, or none)
    % expect-error: E013                                       (the file must be refused with that code)
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.errors import ScientiaError
from engine.kb import KnowledgeBase
from engine.language.syntax import show_formula

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(ROOT.glob("kb/*.kb")) + sorted(ROOT.glob("tests/golden/*.kb"))
EXPECT = re.compile(r"^\s*\?-(?P<query>.*?)\.\s*%\s*expect:\s*(?P<want>.+?)\s*$")
EXPECT_ERROR = re.compile(r"%\s*expect-error:\s*(E\d+)")


def query_key(text: str) -> str:
    """The query as tell reports it: the formula printed, or a causal query statement printed."""
    from engine.language import syntax as S
    from engine.language.parse import parse_program
    st = parse_program(f"?- {text.strip()}.")[0]
    if isinstance(st, S.Query):
        return show_formula(st.formula)
    return S.show(st).removeprefix("?- ").removesuffix(".")


def expectations(text: str) -> list:
    """(query as the engine prints it, expected) for each annotated query line, in order."""
    out = []
    for line in text.splitlines():
        m = EXPECT.match(line)
        if m:
            out.append((query_key(m["query"]), m["want"].strip()))
    return out


def outcome(answers: list) -> str:
    if len(answers) == 1 and not answers[0].bindings:
        return answers[0].verdict.value
    rows = sorted(", ".join(f"{k}={v}" for k, v in sorted(a.to_json()["bindings"].items())) for a in answers)
    return "; ".join(rows) if rows else "none"



@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_golden(path: Path):
    text = path.read_text()
    errors = EXPECT_ERROR.findall(text)
    kb = KnowledgeBase()
    if errors:
        with pytest.raises(ScientiaError) as info:
            kb.load(path)
        assert set(errors) <= set(info.value.codes), info.value.render()
        assert kb.entries == (), "a refused file must leave the KB unchanged"
        return
    results = kb.load(path)
    wanted = expectations(text)
    assert wanted or path.name in ("kinship.kb", "events.kb", "events_deep.kb"), f"{path} states no expectations"   # libraries checked by their demos
    got = {}
    for query, answers in results:
        got.setdefault(query, []).append(answers)
    seen: dict = {}
    for query, want in wanted:
        k = seen.get(query, 0)
        seen[query] = k + 1
        assert query in got and k < len(got[query]), f"{query} was not answered"
        actual = outcome(got[query][k])
        assert _canon(actual) == _canon(want), f"{path.name}: ?- {query}.  expected {want}, got {actual}"
        for a in got[query][k]:
            if a.verdict.value in ("true", "false"):
                assert a.proof is not None


def _canon(s: str) -> str:
    if s in ("true", "false", "unknown", "none"):
        return s
    rows = [sorted(p.replace(" ", "") for p in row.split(",")) for row in s.split(";")]
    return "; ".join(sorted(", ".join(r) for r in rows))
