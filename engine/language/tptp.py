"""TPTP problems (FOF, CNF, a TFF subset) → Scientia statements. grammar/tptp.lark is the reference.

The mapping: one open sort `iota` for TPTP's individuals; a declaration for every symbol
(from a TFF type, else `iota` everywhere); axiom-like roles become `Axiom`s; the
conjecture, or the negation of the negated conjectures, becomes the one `Query`. CNF
clauses are read as their universal closures. Statements come out as: sorts and
declarations, then the axioms in source order (includes expanded in place), then the query.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Mapping

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from . import syntax as S
from ..errors import Diagnostic, ParseError, Span, UsageError, read_source
from .parse import _require_text, too_deep

GRAMMAR = Path(__file__).resolve().parents[2] / "grammar" / "tptp.lark"
IOTA = "iota"
MAX_ERRORS = 50
AXIOM_ROLES = frozenset({"axiom", "hypothesis", "definition", "assumption", "lemma", "theorem",
                         "corollary", "plain"})
ROLES = AXIOM_ROLES | {"conjecture", "negated_conjecture", "type"}
TRUE = S.Quant("forall", (("X_true", IOTA),), S.Cmp("=", S.Var("X_true"), S.Var("X_true")))
SORTS = {"$i": IOTA, "$int": "int", "$o": "$o", "$tType": "$tType"}
CMPS = {"$less": "<", "$lesseq": "<=", "$greater": ">", "$greatereq": ">="}
OPS = {"$sum": "+", "$difference": "-", "$product": "*"}
WORDS = {"LOWER_WORD": "a name", "UPPER_WORD": "a variable", "SINGLE_QUOTED": "a quoted name",
         "DOLLAR_WORD": "a defined word such as $true", "INTEGER": "an integer", "REAL": "a number",
         "DISTINCT_OBJECT": "a distinct object", "QUANTIFIER": "'!' or '?'", "$END": "end of input"}


@dataclass(frozen=True)
class Unit:
    """One annotated formula: its name, role and body (a formula, or a TFF typing)."""

    name: str
    role: str
    body: object
    span: Span


_NOT_NESTING = frozenset({"arguments", "functor", "name", "variable", "typing", "tff_type"})


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(GRAMMAR.read_text(), parser="lalr", propagate_positions=True, maybe_placeholders=False)


def load_tptp(path, include_dirs: list[str] | None = None, env: Mapping[str, str] | None = None) -> list:
    """Read a TPTP file; includes are searched next to the including file, then in the
    problem's folder, include_dirs and $TPTP, and must lie inside one of those three (E008).
    A file that cannot be read (missing, a directory, not UTF-8 text) is a UsageError E004."""
    return parse_tptp(read_source(path), str(path), include_dirs, env)


def parse_tptp(text: str, file: str = "<tptp>", include_dirs: list[str] | None = None,
               env: Mapping[str, str] | None = None) -> list:
    """Parse a TPTP problem into statements, or raise ParseError with every problem found.
    `env` defaults to os.environ, read now; its TPTP entry is the last include directory."""
    _require_text(text)
    env = os.environ if env is None else env
    reader = _Reader([*(include_dirs or ()), *([env["TPTP"]] if env.get("TPTP") else [])], Path(file).parent)
    units = reader.units(text, file, ())
    if reader.diagnostics:
        raise ParseError(reader.diagnostics, reader.sources)
    return _statements(units)


# ---------------------------------------------------------------- files, includes, units
class _Reader:
    def __init__(self, roots: list[str], home: Path = Path(".")):
        self.roots, self.diagnostics, self.sources = roots, [], {}
        self.allowed = [home, *map(Path, roots)]      # where included files may lie

    def units(self, text: str, file: str, chain: tuple) -> list[Unit]:
        self.sources[file] = text
        tree = self.parse(text, file)
        out = []
        for node in tree.children if tree else ():
            if node.data == "include":
                out += self.include(node, file, chain + (str(Path(file).resolve()),))
            else:
                out += self.unit(node, file)
        return out

    def parse(self, text: str, file: str) -> Tree | None:
        """The file's tree; when it does not parse, every input (`fof(...).` and so on) is
        parsed on its own so that each syntax error is reported, not only the first."""
        try:
            return _lark().parse(text)
        except UnexpectedInput:
            pass
        before = len(self.diagnostics)
        for start, end in _inputs(text):
            line = text.count("\n", 0, start) + 1
            col = start - (text.rfind("\n", 0, start) + 1) + 1
            self._parse_input(text[start:end], file, line, col)
            if len(self.diagnostics) - before >= MAX_ERRORS:
                break
        if len(self.diagnostics) == before:          # each input parses alone: report the whole
            self._parse_input(text, file, 1, 1)
        return None

    def _parse_input(self, chunk: str, file: str, line: int, col: int) -> None:
        """Parse one input whose first character is at (line, col); report its error there."""
        try:
            _lark().parse(chunk)
            return
        except UnexpectedCharacters as e:
            hint = "distinct objects (\"...\") are not supported" if e.char == '"' else None
            d = Diagnostic("E001", f"unexpected character {e.char!r}", Span(file, e.line, e.column, e.line, e.column + 1), hint)
        except UnexpectedToken as e:
            d = _unexpected(e, chunk, file)
        except UnexpectedInput as e:
            d = Diagnostic("E002", "unexpected input", Span(file, e.line, e.column))
        self.diagnostics.append(_moved(d, line, col))

    def include(self, node: Tree, file: str, chain: tuple) -> list[Unit]:
        """The units of an included file. It is looked for next to the including file, then in
        the problem's folder, the include_dirs and $TPTP, and used only when it lies (links and
        '..' resolved) inside one of the last three: nothing of a file outside them is read."""
        target, span = _unquote(node.children[0]), _span(node.meta, file)
        searched = list(dict.fromkeys(map(str, (Path(file).parent, *self.allowed))))
        path, refused = None, False
        for d in searched:
            try:
                candidate = (Path(d) / target)
                if not candidate.is_file():
                    continue
                if self.inside(candidate.resolve()):
                    path = candidate
                    break
                refused = True
            except (OSError, RuntimeError, ValueError):
                continue
        if path is None and refused:
            return self.error("E008", f"include file '{target}' lies outside the folders includes may come from", span,
                              f"includes must lie inside {', '.join(map(str, self.allowed))}; "
                              "pass include_dirs or set $TPTP")
        if path is None:
            return self.error("E006", f"include file '{target}' not found", span,
                              f"searched in {', '.join(searched)}; set $TPTP or pass include_dirs")
        if str(path.resolve()) in chain:
            return self.error("E007", f"include cycle: '{target}' is already being read", span)
        try:
            text = read_source(path, "include file")
        except UsageError as e:
            return self.error("E004", e.diagnostics[0].message, span)
        units = self.units(text, str(path), chain)
        if len(node.children) == 1:
            return units
        wanted = {_name(n) for n in node.children[1].children}
        return [u for u in units if u.name in wanted]

    def inside(self, path: Path) -> bool:
        for root in self.allowed:
            try:
                if path.is_relative_to(root.resolve()):
                    return True
            except (OSError, RuntimeError, ValueError):
                continue
        return False

    def unit(self, node: Tree, file: str) -> list[Unit]:
        name, role, body = node.children[:3]
        span, role = _span(node.meta, file), str(role)
        deep = too_deep(body, file, _NOT_NESTING)
        if deep is not None:
            self.diagnostics.append(deep)
            return []
        body = _ToSyntax(file, self.diagnostics).transform(body)
        if role not in ROLES:
            return self.error("E010", f"unsupported role '{role}'", span, "roles: " + ", ".join(sorted(ROLES)))
        if (role == "type") != isinstance(body, tuple) or (role == "type" and node.data != "tff"):
            return self.error("E010", "a type declaration needs the role 'type' in tff", span)
        if node.data == "cnf":
            body = _closure(body)
        for var in dict.fromkeys(_free(body)) if role != "type" else ():
            self.error("E010", f"free variable {var.name}", var.span or span, "quantify it with ! [X] : or ? [X] :")
        return [Unit(_name(name), role, body, span)]

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> list:
        self.diagnostics.append(Diagnostic(code, message, span, hint))
        return []


def _moved(d: Diagnostic, line: int, col: int) -> Diagnostic:
    """A diagnostic found in a piece of text that starts at (line, col) of its file."""
    sp = d.span
    shift = lambda ln, c: (ln + line - 1, c + col - 1 if ln == 1 else c)
    start, end = shift(sp.line, sp.col), shift(sp.end_line or sp.line, sp.end_col or sp.col)
    return replace(d, span=Span(sp.file, *start, *end))


def _inputs(text: str):
    """(start, end) offsets of the top-level inputs: each ends at a '.' that follows its
    closing ')' at bracket depth 0; quotes and comments are skipped. A trailing unfinished
    input runs to the end of the text."""
    i, n, depth, start, closed = 0, len(text), 0, None, False
    while i < n:
        c = text[i]
        if c == "%":
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c.isspace():
            i += 1
            continue
        if start is None:
            start, depth, closed = i, 0, False
        if c in "'\"":
            i = _quote_end(text, i)
            closed = False
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c == "." and depth <= 0 and closed:
            yield start, i + 1
            start = None
        closed = c == ")" and depth <= 0
        i += 1
    if start is not None:
        yield start, n


def _quote_end(text: str, i: int) -> int:
    quote, j = text[i], i + 1
    while j < len(text) and text[j] != quote and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
    return j + 1


def _unexpected(e: UnexpectedToken, text: str, file: str) -> Diagnostic:
    tok = e.token
    if tok.type == "$END":
        lines = text.split("\n")
        span, what = Span(file, len(lines), len(lines[-1]) + 1), "end of input"
    else:
        span, what = Span(file, tok.line, tok.column, tok.end_line, tok.end_column), repr(str(tok))
    expected = sorted({_word(t) for t in e.expected})
    hint = "TPTP needs brackets to mix '&' and '|'" if {str(tok)} & {"&", "|"} and {"AMPERSAND", "VBAR"} & set(e.expected) else None
    return Diagnostic("E002", f"unexpected {what}; expected {', '.join(expected)}", span, hint)


def _word(terminal: str) -> str:
    if terminal in WORDS:
        return WORDS[terminal]
    return repr(_lark().get_terminal(terminal).pattern.value)


# ---------------------------------------------------------------- lark tree → syntax
@v_args(meta=True)
class _ToSyntax(Transformer):
    """One method per grammar rule of a formula, term or TFF typing."""

    def __init__(self, file: str, diagnostics: list):
        super().__init__()
        self.file, self.diagnostics = file, diagnostics

    def fail(self, meta, message: str, result=TRUE):
        self.diagnostics.append(Diagnostic("E010", message, _span(meta, self.file)))
        return result

    def iff(self, meta, c): return S.Iff(c[0], c[1], _span(meta, self.file))
    def implies(self, meta, c): return S.Implies(c[0], c[1], _span(meta, self.file))
    def implied(self, meta, c): return S.Implies(c[1], c[0], _span(meta, self.file))
    def xor(self, meta, c): return S.Not(S.Iff(c[0], c[1]), _span(meta, self.file))
    def nor(self, meta, c): return S.Not(S.Or((c[0], c[1])), _span(meta, self.file))
    def nand(self, meta, c): return S.Not(S.And((c[0], c[1])), _span(meta, self.file))
    def disj(self, meta, c): return S.Or(tuple(c), _span(meta, self.file))
    def conj(self, meta, c): return S.And(tuple(c), _span(meta, self.file))
    def negation(self, meta, c): return S.Not(c[0], _span(meta, self.file))
    def clause(self, meta, c): return c[0] if len(c) == 1 else S.Or(tuple(c), _span(meta, self.file))
    def equal(self, meta, c): return S.Cmp("=", c[0], c[1], _span(meta, self.file))
    def unequal(self, meta, c): return S.Cmp("!=", c[0], c[1], _span(meta, self.file))
    def var(self, meta, c): return S.Var(str(c[0]), _span(meta, self.file))
    def number(self, meta, c): return S.Num(int(c[0]), _span(meta, self.file))
    def arguments(self, meta, c): return tuple(c)
    def functor(self, meta, c): return c[0]

    def quantified(self, meta, c):
        kind = "forall" if c[0] == "!" else "exists"
        return S.Quant(kind, tuple(c[1:-1]), c[-1], _span(meta, self.file))

    def variable(self, meta, c):
        sort = self.sort(meta, c[1]) if len(c) > 1 else IOTA
        return (str(c[0]), sort if sort not in ("$o", "$tType") else self.fail(meta, f"a variable cannot have type {c[1]}", IOTA))

    def atom(self, meta, c):
        tok, args, span = c[0], c[1] if len(c) > 1 else (), _span(meta, self.file)
        if tok.type != "DOLLAR_WORD":
            return S.Atom(_name(tok), args, span)
        match str(tok), len(args):
            case "$true", 0:
                return TRUE
            case "$false", 0:
                return S.Not(TRUE, span)
            case op, 2 if op in CMPS:
                return S.Cmp(CMPS[op], args[0], args[1], span)
            case "$distinct", n if n >= 2:
                pairs = tuple(S.Cmp("!=", a, b, span) for a, b in combinations(args, 2))
                return pairs[0] if len(pairs) == 1 else S.And(pairs, span)
        return self.fail(meta, f"unsupported defined predicate {tok}/{len(args)}")

    def fn(self, meta, c):
        tok, args, span = c[0], c[1] if len(c) > 1 else (), _span(meta, self.file)
        if tok.type != "DOLLAR_WORD":
            return S.Fn(_name(tok), args, span) if args else S.Const(_name(tok), span)
        match str(tok), len(args):
            case "$uminus", 1:
                return S.Num(-args[0].value, span) if isinstance(args[0], S.Num) else S.Op("-", args, span)
            case op, 2 if op in OPS:
                return S.Op(OPS[op], args, span)
        return self.fail(meta, f"unsupported defined function {tok}/{len(args)}", S.Const(str(tok), span))

    def typing(self, meta, c):
        return c[0] if isinstance(c[0], tuple) else (_name(c[0]), *c[1])

    def tff_type(self, meta, c):
        sorts = tuple(self.sort(meta, t) for t in c)
        return sorts[:-1], sorts[-1]

    def sort(self, meta, tok: Token) -> str:
        if tok.type == "LOWER_WORD":
            return str(tok)
        return SORTS.get(str(tok)) or self.fail(meta, f"unsupported type {tok}", IOTA)


# ---------------------------------------------------------------- units → statements
def _statements(units: list[Unit]) -> list:
    decls = {}
    for u in units:
        if u.role == "type":
            decls.setdefault((u.body[2] == "$tType", u.body[0]), _declare(*u.body, u.span))
    formulas = [u for u in units if u.role != "type"]
    for node in (n for u in formulas for n in S.nodes(u.body)):
        if isinstance(node, (S.Atom, S.Fn, S.Const)):
            decls.setdefault((False, getattr(node, "pred", None) or node.name), _infer(node))
    axioms = [S.Axiom(u.body, u.span) for u in formulas if u.role in AXIOM_ROLES]
    goals = [u for u in formulas if u.role == "conjecture"]
    refuted = [u for u in formulas if u.role == "negated_conjecture"]
    return [S.TypeDecl(IOTA, "open"), *decls.values(), *axioms, *_query(goals, refuted)]


def _declare(name: str, args: tuple, result: str, span: Span):
    if result == "$tType":
        return S.TypeDecl(name, "open", span=span)
    if result == "$o":
        return S.PredDecl(name, args, span)
    return S.FunDecl(name, args, result, span) if args else S.ConstDecl((name,), result, span)


def _infer(node):
    match node:
        case S.Atom(name, args):
            return S.PredDecl(name, (IOTA,) * len(args), node.span)
        case S.Fn(name, args):
            return S.FunDecl(name, (IOTA,) * len(args), IOTA, node.span)
    return S.ConstDecl((node.name,), IOTA, node.span)


def _query(goals: list[Unit], refuted: list[Unit]) -> list:
    """Axioms ∪ {¬C} ∪ N is unsatisfiable iff the axioms entail C ∨ ¬⋀N."""
    parts = ([_conj([u.body for u in goals])] if goals else []) + \
            ([S.Not(_conj([u.body for u in refuted]))] if refuted else [])
    if not parts:
        return []
    return [S.Query(parts[0] if len(parts) == 1 else S.Or(tuple(parts)), (goals or refuted)[0].span)]


def _conj(formulas: list):
    return formulas[0] if len(formulas) == 1 else S.And(tuple(formulas))


def _closure(clause):
    names = tuple(dict.fromkeys(v.name for v in _free(clause)))
    return S.Quant("forall", tuple((n, IOTA) for n in names), clause) if names else clause


# ---------------------------------------------------------------- walking syntax
def _free(node, bound: frozenset = frozenset()):
    """The free occurrences of variables, left to right."""
    match node:
        case S.Var(name) if name not in bound:
            yield node
        case S.Quant(_, vars_, body):
            yield from _free(body, bound | {n for n, _ in vars_})
        case _:
            for child in S.children(node):
                yield from _free(child, bound)


def _span(meta, file: str) -> Span | None:
    if getattr(meta, "empty", True):
        return None
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)


def _name(node) -> str:
    tok = node.children[0] if isinstance(node, Tree) else node
    return _unquote(tok) if tok.type == "SINGLE_QUOTED" else str(tok)


def _unquote(tok: Token) -> str:
    body, out, i = str(tok)[1:-1], [], 0
    while i < len(body):
        i += body[i] == "\\"
        out.append(body[i])
        i += 1
    return "".join(out)
