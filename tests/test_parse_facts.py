"""Plain fact lines are read without the lexer (engine/language/facts.py); everything else
goes through lark. The fast path must give exactly what lexing the whole text gives: the same
statements, the same spans, the same errors. Random texts mix fact lines with every shape
that could be mistaken for one: continuation lines of rules and quantified formulas, keywords
as names, numbers, comments, block comments, CRLF, errors."""
from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings, strategies as st

from engine.errors import ParseError
from engine.language import facts, syntax as S
from engine.language.parse import parse_program


def plain(text: str):
    with mock.patch.object(facts, "usable", lambda _: False):
        return parse_program(text, "f.kb")


def outcome(parse, text: str):
    """The statements with every node's span, or the errors with theirs."""
    try:
        statements = parse(text)
    except ParseError as e:
        return "error", [(d.code, d.message, d.span) for d in e.diagnostics]
    return "ok", [(st, [(type(n).__name__, getattr(n, "span", None)) for n in S.nodes(st)]) for st in statements]


NAMES = st.sampled_from(["a", "b1", "n17", "x_y", "tom", "not", "closed", "var", "law", "believes", "exists",
                         "Var", "'q n'", "1", "42", "3.5", "007", "1e3", "-2"])
SPACE = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def fact_line(draw):
    pred = draw(st.sampled_from(["p", "edge", "q2", "type", "law", "believes", "not"]))
    args = draw(st.lists(NAMES, min_size=1, max_size=3))
    sep = draw(SPACE) + "," + draw(SPACE)
    return f"{draw(SPACE)}{pred}({draw(SPACE)}{sep.join(args)}{draw(SPACE)}){draw(SPACE)}.{draw(SPACE)}"


OTHER = st.sampled_from([
    "", "% a comment", "p(a). % with a comment", "q(X) :- p(X).", "q(X) :-", "  p(a).", "r(X) :-\n  p(X),\n  s(X).",
    "forall X: thing.", "forall X: thing. p(X).", "exists X: thing.\n p(X).", "/* p(a). */", "/* open", "*/",
    "type thing.", "closed p.", "p(a, b", "p(a) .", "?- p(X).", "p(a).\r", "p(a) & q(b).", "not p(c).",
    "p(f(a)).", "x = 1 + 2.", "p(a).p(b).", "@", "p(a)", "law f(x) = x."])


@given(st.lists(st.one_of(fact_line(), OTHER), min_size=1, max_size=12), st.sampled_from(["\n", "\r\n"]))
@settings(max_examples=300, deadline=None, derandomize=True)
def test_the_fast_path_gives_what_the_lexer_gives(lines, newline):
    text = newline.join(lines) + newline
    assert outcome(lambda t: parse_program(t, "f.kb"), text) == outcome(plain, text)


def test_fact_lines_are_read_with_their_spans():
    text = "% edges\nedge(a, b).\n  edge( c ,\t1 ) .\nq(X) :- edge(X, _).\n"
    fast = outcome(lambda t: parse_program(t, "f.kb"), text)
    assert fast == outcome(plain, text) and len(fast[1]) == 3
    pieces = facts.split(text, "f.kb")
    assert [p[0] for p in pieces] == ["text", "fact", "fact", "text"]
    atom = pieces[2][1].formula
    assert atom.args[1] == S.Num(1) and atom.args[1].span.line == 3 and atom.args[1].span.col == 13


@pytest.mark.parametrize("text", ["q(X) :-\n  p(a).\n", "forall X: thing.\np(a).\n", "/* p(a).\n*/ p(b).\n"])
def test_a_line_inside_a_statement_is_not_taken_for_a_fact(text):
    assert outcome(lambda t: parse_program(t, "f.kb"), text) == outcome(plain, text)


def test_a_keyword_where_the_tables_merge_lookaheads_is_an_error_not_a_traceback():
    with pytest.raises(ParseError) as e:
        plain("p(a, b\ntype thing.\n")
    assert e.value.diagnostics[0].code == "E002" and e.value.diagnostics[0].span.line == 2
