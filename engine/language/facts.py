"""Lines that are plain ground facts, read without the lexer.

Most of a large knowledge base is lines such as `edge(n17, n42).`: lexing them with lark costs
~30 us a fact (1.4 s for 48,000 edges) where a regular expression over the whole text costs
under 1 us. `split` finds those lines and hands everything else back as pieces of text for the
ordinary lexer and parser (engine/language/parse.py), with their line offsets.

Equal results, by construction, rather than by a second grammar:
- a line is taken only when the whole line is `name(arg, ..., arg).` with plain names (not
  keywords) or unsigned decimal numbers, so its tokens are exactly LNAME LPAR (LNAME | NUMBER)
  (COMMA ...)* RPAR DOT, and the spans below are the ones lark would give those tokens;
- a line begins a statement only if the text before it ends one: the caller parses each piece
  and gives up the fast path when a piece leaves a statement open (a rule or quantifier whose
  continuation line looks like a fact) or has any error;
- a text with a block comment (`/*`) is never split: a comment may span lines.
The caller falls back to lexing the whole text whenever anything is unusual, so the fast path
can only give what the ordinary one gives (tests/test_parse_facts.py compares the two).
"""
from __future__ import annotations

import re
from fractions import Fraction

from ..errors import Span
from . import syntax as S

_NAME = r"[a-z][A-Za-z0-9_]*"
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_ARG = rf"(?:{_NAME}|{_NUMBER})(?![A-Za-z0-9_.])"
FACT_LINE = re.compile(rf"^[ \t]*({_NAME})\([ \t]*({_ARG}(?:[ \t]*,[ \t]*{_ARG})*)[ \t]*\)[ \t]*\.[ \t\r]*$",
                       re.MULTILINE)
_ARG_TOKEN = re.compile(rf"{_NAME}|{_NUMBER}")
# words the lexer reads as something other than a name somewhere (keywords, `law`, `believes`)
_RESERVED = S.KEYWORDS | {"law", "believes"}


def usable(text: str) -> bool:
    """Whether splitting can be tried at all: no block comment anywhere."""
    return "/*" not in text


def split(text: str, file: str):
    """The text in source order, as ("text", piece, line offset, start position) for the lexer
    and ("fact", Axiom) for a plain fact line."""
    pos, line, out = 0, 0, []           # line: newlines before pos
    count = text.count
    for m in FACT_LINE.finditer(text):
        if m.group(1) in _RESERVED:
            continue
        if m.start() > pos and not text[pos:m.start()].isspace():
            out.append(("text", text[pos:m.start()], line, pos))
        line += count("\n", pos, m.start())
        fact = _fact(m, line + 1, file)
        if fact is None:                    # a reserved word among the arguments
            out.append(("text", text[m.start():m.end()], line, m.start()))
        else:
            out.append(("fact", fact))
        pos = m.end()
    if pos < len(text) and not text[pos:].isspace():
        out.append(("text", text[pos:], line, pos))
    return out


def _fact(m, line: int, file: str):
    """The Axiom of one fact line, with the spans the lexer's tokens would give."""
    start_of_line = m.string.rfind("\n", 0, m.start()) + 1
    args = []
    for a in _ARG_TOKEN.finditer(m.string, m.start(2), m.end(2)):
        value = a.group()
        if value in _RESERVED:
            return None
        col = a.start() - start_of_line + 1
        span = Span(file, line, col, line, col + len(value))
        args.append(S.Num(_number(value), span) if value[0].isdigit() else S.Const(value, span))
    first = m.start(1) - start_of_line + 1
    close = m.string.rindex(")", m.end(2), m.end()) - start_of_line + 1
    span = Span(file, line, first, line, close + 1)
    return S.Axiom(S.Atom(m.group(1), tuple(args), span), span)


def _number(text: str):
    return Fraction(text) if "." in text else int(text)
