"""The `law` statement read from its parse tree (docs/language.md, "Laws from data"): the
body's names must be parameters or the constants pi, e; its functions those of
S.LAW_FUNCTIONS; the optional provenance clause `from "FILE" [target "COLUMN"] sha256 "HEX"
rows N max_rel_error X` names each key once. Problems are E070 at the offending token."""
from __future__ import annotations

import re

from lark import Tree

from . import syntax as S

_KEYS = ("from", "target", "sha256", "rows", "max_rel_error")
_HEX = re.compile(r"[0-9a-f]{64}\Z")


class LawError(Exception):
    """A problem of a law statement at a tree node; the parser reports it as E070."""

    def __init__(self, node, message: str, hint: str | None = None):
        super().__init__(message)
        self.node, self.message, self.hint = node, message, hint


def law_decl(conv, t: Tree, number) -> S.LawDecl:
    """A LawDecl from the tree of `law_decl`; `conv` is the parser's converter (names, spans),
    `number` reads a number token's text."""
    name = conv.name(t.children[1])
    params = conv.names(t.children[2]) if t.children[2] is not None else ()
    for i, p in enumerate(params):
        if p in params[:i]:
            _fail(conv, t.children[2], f"parameter {p} is named twice", "give each parameter its own name")
        if p in S.LAW_CONSTANTS or p in S.LAW_FUNCTIONS:
            _fail(conv, t.children[2], f"parameter {p} is the name of a constant or function of law bodies",
                  "rename the parameter")
    body = _body(conv, t.children[4], set(params), number)
    source = _source(conv, t.children[5], name) if t.children[5] is not None else None
    return S.LawDecl(name, params, body, source, conv.span(t))


def _fail(conv, node, message, hint=None):
    raise LawError(node, message, hint)


def _body(conv, t, params: set, number):
    sp = conv.span(t)
    match t.data:
        case "lnum":
            return S.Num(number(t.children[0].value), sp)
        case "lname":
            name = conv.name(t.children[0])
            if name not in params and name not in S.LAW_CONSTANTS:
                _fail(conv, t, f"{name} is not a parameter of the law",
                      f"the body may use the parameters ({', '.join(sorted(params)) or 'none'}) and pi, e")
            return S.Const(name, sp)
        case "lcall":
            name = conv.name(t.children[0])
            if name not in S.LAW_FUNCTIONS:
                _fail(conv, t.children[0], f"unknown function {name} in a law body",
                      "the functions are " + ", ".join(sorted(S.LAW_FUNCTIONS)))
            return S.Fn(name, (_body(conv, t.children[1], params, number),), sp)
        case "lneg":
            inner = _body(conv, t.children[1], params, number)
            if isinstance(inner, S.Num):
                return S.Num(-inner.value, sp)
            return S.Op("-", (inner,), sp)
        case "lbinop":
            left, op, right = t.children
            return S.Op(str(op.value), (_body(conv, left, params, number), _body(conv, right, params, number)), sp)
    _fail(conv, t, "expected an arithmetic expression")


def _source(conv, t: Tree, name: str) -> S.LawSource:
    items = [c for c in t.children]
    pairs = [(items[i], items[i + 1]) for i in range(0, len(items), 2)]
    seen = {}
    for key_tree, value in pairs:
        key = conv.name(key_tree)
        if key not in _KEYS:
            _fail(conv, key_tree, f"unexpected {key!r} in the provenance of a law",
                  'write: from "FILE" [target "COLUMN"] sha256 "HEX" rows N max_rel_error X')
        if key in seen:
            _fail(conv, key_tree, f"{key} is given twice")
        if not pairs.index((key_tree, value)) and key != "from":
            _fail(conv, key_tree, "the provenance of a law starts with `from \"FILE\"`")
        want_string = key in ("from", "target", "sha256")
        if want_string != (value.type == "STRING"):
            _fail(conv, value, f"{key} takes {'a string' if want_string else 'a number'}",
                  f'for example {key} "..."' if want_string else f"for example {key} 100")
        seen[key] = value.value[1:-1] if want_string else value.value
    for key in ("sha256", "rows", "max_rel_error"):
        if key not in seen:
            _fail(conv, t, f"the provenance of a law needs {key}",
                  'write: from "FILE" [target "COLUMN"] sha256 "HEX" rows N max_rel_error X')
    if not _HEX.match(seen["sha256"]):
        _fail(conv, t, "sha256 must be 64 lower-case hexadecimal digits")
    if not seen["rows"].isdigit():
        _fail(conv, t, "rows must be a whole number")
    if not seen["from"]:
        _fail(conv, t, "the data file's name is empty")
    return S.LawSource(seen["from"], seen.get("target", name), seen["sha256"], int(seen["rows"]),
                       seen["max_rel_error"])
