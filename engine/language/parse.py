"""Source text → syntax. The grammar (grammar/scientia.lark) is the reference.

The token stream is split into statements first: a "." ends a statement unless it
closes a quantifier's variable list. Each statement is then parsed on its own, so
every syntax error of a file is reported, not only the first. Lark trees become
frozen syntax nodes here, with spans; formulas and terms share one precedence
grammar and are told apart by context.
"""
from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import LexerThread

from ..errors import Diagnostic, ParseError, Span, UsageError
from . import facts, modal
from . import syntax as S

GRAMMAR = Path(__file__).resolve().parents[2] / "grammar" / "scientia.lark"
MAX_ERRORS = 50
MAX_DEPTH = 150      # formulas and terms nested deeper are refused (E009): the checker, printer,
                     # solver encoding and kernel walk formulas recursively

_READABLE = {
    "DOT": "'.'", "COMMA": "','", "LPAR": "'('", "RPAR": "')'", "LNAME": "a name",
    "QNAME": "a quoted name", "VAR": "a variable", "NUMBER": "a number", "NOT": "'not'",
    "QUANT": "'forall' or 'exists'", "CMPOP": "a comparison", "EQ": "'='", "PLUS": "'+'",
    "MINUS": "'-'", "MULOP": "'*' or '/'", "VBAR": "'|'", "AMPERSAND": "'&'", "COLON": "':'",
    "LBRACE": "'{'", "RBRACE": "'}'", "$END": "the end of the statement",
    "CVAR": "'var'", "EXO": "'exo'", "GRAPH": "'graph'", "GIVEN": "'given'", "UNDER": "'under'",
    "CAUSES": "'causes'", "PROB": "'P('", "BACKDOOR": "'BACKDOOR('", "EFFECT": "ATE, ETT, NDE or NIE", "ASSIGN": "':='",
    "LAW": "'law'", "STRING": "a string", "CARET": "'^'",
}
_KEYWORD_TYPES = {"TYPE", "OPEN", "PRED", "FUN", "CONST", "CLOSED", "USE",
                  "CVAR", "EXO", "GRAPH", "GIVEN", "UNDER", "CAUSES"}


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(GRAMMAR.read_text(), parser="lalr", start="statement",
                propagate_positions=True, maybe_placeholders=True, cache=False)


@lru_cache(maxsize=1)
def _lexer():
    """One basic lexer for whole texts (Lark.lex would rebuild it on every call under LALR)."""
    return _lark()._build_lexer()


def parse_program(text: str, file: str = "<input>") -> list:
    """Parse a whole text into statements, or raise ParseError listing every problem."""
    _require_text(text)
    diagnostics: list[Diagnostic] = []
    shown = text
    if _SURROGATE.search(text):         # not Unicode characters: report each, render them as U+FFFD
        diagnostics += _surrogates(text, file)
        shown, text = _SURROGATE.sub("\ufffd", text), _SURROGATE.sub(" ", text)
    elif facts.usable(text):
        statements = _split_parse(text, file)
        if statements is not None:
            return statements
    tokens = _tokens(text, file, diagnostics)
    bad_chars = [(d.span.line, d.span.col) for d in diagnostics if d.code == "E001" and d.span]
    statements = []
    for chunk in _statements(tokens, file, diagnostics):
        if any((chunk[0].line, chunk[0].column) <= at <= (chunk[-1].line, chunk[-1].column) for at in bad_chars):
            continue        # the bad character is the error: what the parser says after it is noise
        node = _ground_fact(chunk, file) or _parse_statement(chunk, file, diagnostics)
        if node is not None:
            statements.append(node)
        if len(diagnostics) >= MAX_ERRORS:
            break
    if diagnostics:
        diagnostics.sort(key=lambda d: (d.span.line, d.span.col) if d.span else (0, 0))
        raise ParseError(diagnostics, {file: shown})
    return statements


def _split_parse(text: str, file: str) -> list | None:
    """The statements of a text whose plain fact lines are read without the lexer
    (engine/language/facts.py); None when that cannot be done exactly (a piece between them
    leaves a statement open, or has an error): the caller then lexes the whole text."""
    pieces = facts.split(text, file)
    if len(pieces) == 1 and pieces[0][0] == "text":
        return None
    statements, diagnostics = [], []
    for piece in pieces:
        if piece[0] == "fact":
            statements.append(piece[1])
            continue
        _, chunk_text, line, start = piece
        tokens = _tokens(chunk_text, file, diagnostics)
        for tok in tokens:          # positions in the whole text
            tok.line += line
            tok.end_line += line
            tok.start_pos += start
            tok.end_pos += start
        for chunk in _statements(tokens, file, diagnostics):
            node = _ground_fact(chunk, file) or _parse_statement(chunk, file, diagnostics)
            if diagnostics:
                return None
            if node is not None:
                statements.append(node)
        if diagnostics:             # an open statement at the end of the piece (E003), or another error
            return None
    return statements


def parse_formula(text: str, file: str = "<query>"):
    """Parse one formula (a trailing '.' is optional); used for queries and proofs."""
    _require_text(text)
    text = text.strip()
    stmts = parse_program(text if text.endswith(".") else text + ".", file)
    if len(stmts) != 1 or not isinstance(stmts[0], (S.Axiom, S.Query)):
        raise ParseError([Diagnostic("E002", "expected exactly one formula", Span(file, 1, 1))], {file: text})
    return stmts[0].formula


_PLAIN = r"[a-z][A-Za-z0-9_]*"
_GROUND_ATOM = re.compile(rf"\s*(not\s+)?({_PLAIN})\s*\(\s*((?:{_PLAIN}|[0-9]+)(?:\s*,\s*(?:{_PLAIN}|[0-9]+))*)\s*\)\s*\.?\s*")
_ARG_SPLIT = re.compile(r"\s*,\s*")


def parse_ground_literal(text: str):
    """The formula of `p(a, 3)` or `not p(a, 3)` over plain names and integers, read without
    the LALR parser (proof claims are mostly such literals); None for anything else, which
    then goes through parse_formula. Gives exactly what parse_formula gives, spans aside."""
    m = _GROUND_ATOM.fullmatch(text)
    if m is None:
        return None
    pred, args = m.group(2), _ARG_SPLIT.split(m.group(3))
    if pred in S.KEYWORDS or pred == "believes" or any(a in S.KEYWORDS for a in args):
        return None
    atom = S.Atom(pred, tuple(S.Num(int(a)) if a[0].isdigit() else S.Const(a) for a in args))
    return S.Not(atom) if m.group(1) else atom


def parse_statement(text: str, file: str = "<input>"):
    stmts = parse_program(text, file)
    if len(stmts) != 1:
        raise ParseError([Diagnostic("E002", "expected exactly one statement", Span(file, 1, 1))], {file: text})
    return stmts[0]


def _require_text(text) -> None:
    """The API takes source text as str; anything else is a usage error, not a TypeError."""
    if not isinstance(text, str):
        raise UsageError([Diagnostic("E020", f"expected source text (a str), got {type(text).__name__}", None,
                                     "decode bytes first, e.g. data.decode('utf-8')")])


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogates(text: str, file: str) -> list[Diagnostic]:
    out = []
    for m in _SURROGATE.finditer(text):
        line, col = text.count("\n", 0, m.start()) + 1, m.start() - text.rfind("\n", 0, m.start())
        out.append(Diagnostic("E001", f"unexpected character {m.group()!r}", Span(file, line, col, line, col + 1),
                              _char_hint(m.group())))
    return out[:MAX_ERRORS]


_NOT_NESTING = frozenset({"args", "body", "names", "name", "qvars", "qvar", "int_lit", "givens", "pitems", "pitem"})


def too_deep(tree, file: str, flat: frozenset = frozenset(), limit: int | None = None) -> Diagnostic | None:
    """E009 at the first node (in source order) nested more than `limit` (MAX_DEPTH) levels
    deep, counting the tree nodes whose rule is not in `flat`; None when the tree is shallow.
    Iterative, so that it runs safely before anything walks the tree recursively."""
    limit = MAX_DEPTH if limit is None else limit
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, Tree):
            continue
        depth += node.data not in flat
        if depth > limit:
            meta = node.meta
            span = None if getattr(meta, "empty", True) else \
                Span(file, meta.line, meta.column, meta.end_line, meta.end_column)
            return Diagnostic("E009", f"nesting too deep: formulas and terms may nest at most {limit} levels",
                              span, "split the formula: name a subformula with a rule or an auxiliary predicate")
        stack.extend((c, depth) for c in reversed(node.children))
    return None


# ---------------------------------------------------------------- lexing and splitting
def _tokens(text: str, file: str, diagnostics: list) -> list[Token]:
    """Lex the whole text; a bad character is reported, blanked out, and lexing restarts."""
    while True:
        try:
            return list(LexerThread.from_text(_lexer(), text).lex(None))
        except UnexpectedCharacters as e:
            at = e.pos_in_stream
            ch = text[at]
            width = 2 if text.startswith("\\+", at) else 1      # Prolog's \+ is one operator
            diagnostics.append(Diagnostic(
                "E001", f"unexpected character {ch!r}" if width == 1 else f"unexpected '{text[at:at + width]}'",
                Span(file, e.line, e.column, e.line, e.column + width), _char_hint(text[at:at + width])))
            text = text[:at] + " " * width + text[at + width:]
            close = text.find("]", at, text.find("\n", at) % (len(text) + 1))
            if ch == "[" and close > 0:      # a Prolog list: one error for the pair of brackets
                text = text[:close] + " " + text[close + 1:]
            if len(diagnostics) >= MAX_ERRORS:
                return []


def _char_hint(ch: str) -> str | None:
    if "\ud800" <= ch <= "\udfff":
        return "a lone surrogate is not a Unicode character; was the text decoded wrongly?"
    if ch == '"':
        return "strings are not a type in v1; quote names with single quotes: 'New York'"
    if ch == "'":
        return "a quoted name must end with ' on the same line"
    if ch == "\\+":
        return "negation is written `not` (or `~`); for negation as failure declare the predicate `closed`"
    if ch == "\\":
        return "did you mean the negation `not` or `~`?"
    if ch == ";":
        return "disjunction is written `|` (`;` is Prolog's)"
    if ch == "!":
        return "there is no cut: write `not` for negation, and declare predicates `closed` for negation as failure"
    if ch in "[]":
        return "there are no lists in v1: name the elements, or use a predicate such as member(X, s)"
    return None


def _statements(tokens: list[Token], file: str, diagnostics: list):
    """Split tokens into statements: a DOT ends one unless it closes a quantifier's variables."""
    chunk, pending = [], 0
    for tok in tokens:
        chunk.append(tok)
        if tok.type == "QUANT":
            pending += 1
        elif tok.type == "DOT":
            if pending:
                pending -= 1
            else:
                yield chunk
                chunk = []
    if chunk:
        last = chunk[-1]
        diagnostics.append(Diagnostic(
            "E003", "statement does not end with '.'", _token_span(last, file),
            "every fact, rule, declaration and query ends with a full stop"))


def _token_span(tok: Token, file: str) -> Span:
    return Span(file, tok.line, tok.column, tok.end_line or tok.line,
                tok.end_column or tok.column + len(tok.value))


# ---------------------------------------------------------------- parsing one statement
def _ground_fact(chunk: list[Token], file: str):
    """`p(a, 3).` read straight off its tokens (most of a large KB is such facts), with the
    spans the parser gives; None for any other statement."""
    if len(chunk) < 5 or chunk[0].type != "LNAME" or chunk[0].value == "believes" or chunk[1].type != "LPAR" \
            or chunk[-2].type != "RPAR" or chunk[-1].type != "DOT" or len(chunk) % 2 == 0:
        return None
    args = []
    for k in range(2, len(chunk) - 2):
        tok = chunk[k]
        if k % 2:
            if tok.type != "COMMA":
                return None
        elif tok.type == "LNAME":
            args.append(S.Const(tok.value, _token_span(tok, file)))
        elif tok.type == "NUMBER":
            args.append(S.Num(_number(tok.value), _token_span(tok, file)))
        else:
            return None
    first, close = chunk[0], chunk[-2]
    span = Span(file, first.line, first.column, close.end_line or close.line, close.end_column or close.column + 1)
    return S.Axiom(S.Atom(first.value, tuple(args), span), span)


def _parse_statement(chunk: list[Token], file: str, diagnostics: list):
    ip = _lark().parse_interactive(start="statement")
    previous, fed = None, []
    for tok in chunk:
        try:
            ip.feed_token(tok)
        except UnexpectedToken as e:
            if tok.type in _KEYWORD_TYPES and "LNAME" in e.expected:
                tok = Token.new_borrow_pos("LNAME", tok.value, tok)
                try:                # the LALR tables merge lookaheads: the name may not fit either
                    ip.feed_token(tok)
                except UnexpectedToken as again:
                    diagnostics.append(_unexpected(tok, previous, _acceptable(fed, again.expected), file))
                    return None
            else:
                diagnostics.append(_unexpected(tok, previous, _acceptable(fed, e.expected), file))
                return None
        fed.append(tok)
        previous = tok
    try:
        tree = ip.feed_eof(chunk[-1])
    except UnexpectedInput as e:
        diagnostics.append(_unexpected(chunk[-1], previous, _acceptable(fed, getattr(e, "expected", set())), file))
        return None
    deep = too_deep(tree, file, _NOT_NESTING)
    if deep is not None:
        diagnostics.append(deep)
        return None
    try:
        return _Convert(file).statement(tree)
    except _ConvertError as e:
        diagnostics.append(e.diagnostic)
        return None


def _acceptable(fed: list[Token], expected) -> set:
    """The terminals that can really come next after the tokens `fed`. The LALR tables merge
    lookaheads, so the set an error carries may list tokens that no statement allows there
    (after `anc(tom`, 'open', '}' and ':'); replaying the tokens and asking the parser which
    terminals it would shift keeps only those that can continue the statement."""
    ip = _lark().parse_interactive(start="statement")
    try:
        for tok in fed:
            ip.feed_token(tok)
        accepted = ip.accepts()
    except UnexpectedInput:
        return set(expected)
    accepted = {x for x in accepted if x not in _KEYWORD_TYPES or "LNAME" not in accepted}
    # Where the parser had already reduced for this token, what it expected there is the
    # narrower (and still true) list: `p(A.` expects ')' or ','.
    return (accepted & set(expected)) or accepted or set(expected)


_PROLOG_HINTS = {    # (previous token, this token) -> hint, for Prolog habits the language does not share
    ("VAR", "is"): "there is no `is`: arithmetic is a comparison, write `Y = X + 1`",
    ("=", "="): "equality is a single `=` (there is no `==`)",
    ("=", "<"): "less-or-equal is written `<=` (not `=<`)",
    ("\\", "+"): "negation is written `not` (or `~`)",
}


def _unexpected(tok: Token, previous: Token | None, expected, file: str) -> Diagnostic:
    if tok.type == "STRING":        # strings belong to a law's provenance only: the character is the error
        return Diagnostic("E001", "unexpected character '\"'", Span(file, tok.line, tok.column, tok.line,
                                                                     tok.column + 1), _char_hint('"'))
    quiet = {"PROB", "EFFECT", "BACKDOOR"} if set(expected) - {"PROB", "EFFECT", "BACKDOOR"} else set()   # causal terms: not listed
    names = sorted({_READABLE.get(x, repr(x.lower()) if x.isupper() else x) for x in expected
                    if not x.startswith("__") and x not in quiet})
    what = "end of statement" if tok.type == "DOT" else repr(tok.value)
    message = f"unexpected {what}; expected {', '.join(names) if names else 'something else'}"
    hint = None
    prolog = None if previous is None else \
        _PROLOG_HINTS.get((previous.type if previous.type == "VAR" else previous.value, tok.value))
    if prolog is not None:
        hint = prolog
    elif previous is not None and previous.end_line and tok.line > previous.end_line and tok.type != "DOT":
        hint = "is a '.' missing at the end of the previous line?"
    elif tok.type == "VAR" and "LNAME" in expected:
        hint = "names of constants, predicates and sorts start with a lower-case letter; variables with upper-case"
    elif tok.type == "DOT" and "RPAR" in expected:
        hint = "a ')' is missing"
    return Diagnostic("E002", message, _token_span(tok, file), hint)


class _ConvertError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


class _Convert:
    """Lark tree → syntax. One method per grammar rule; `formula` and `term` dispatch by context."""

    def __init__(self, file: str):
        self.file = file

    def span(self, node) -> Span | None:
        if isinstance(node, Token):
            return _token_span(node, self.file)
        meta = node.meta
        if getattr(meta, "empty", True):
            return None
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def fail(self, node, message: str, hint: str | None = None, code: str = "E010"):
        raise _ConvertError(Diagnostic(code, message, self.span(node), hint))

    # ---- statements
    def statement(self, t: Tree):
        sp = self.span(t)
        match t.data:
            case "rule":
                head = self.formula(t.children[0])
                if not isinstance(head, S.Atom):
                    self.fail(t.children[0], "the head of a rule must be an atom such as p(X)",
                              "write a formula without ':-', e.g. forall X. (body -> head)")
                return S.Rule(head, tuple(self.formula(c) for c in t.children[1].children), sp)
            case "query":
                body = t.children[0]
                if isinstance(body, Tree) and body.data in ("prob", "effect", "binop", "minus"):
                    return S.CausalQuery(self.term(body), None, (), sp)     # the value of a causal quantity
                return S.Query(self.formula(body), sp)
            case "axiom":
                return S.Axiom(self.formula(t.children[0]), sp)
            case "type_closed":
                return S.TypeDecl(self.name(t.children[0]), "closed", span=sp)
            case "type_open":
                return S.TypeDecl(self.name(t.children[0]), "open", span=sp)
            case "type_enum":
                return S.TypeDecl(self.name(t.children[0]), "enum", self.names(t.children[2]), span=sp)
            case "type_range":
                lo, hi = self.int_lit(t.children[2]), self.int_lit(t.children[3])
                if lo > hi:
                    self.fail(t, f"empty range {lo}..{hi}", "write the smaller bound first")
                return S.TypeDecl(self.name(t.children[0]), "range", (), lo, hi, sp)
            case "pred_decl":
                sorts = self.names(t.children[1]) if t.children[1] is not None else ()
                return S.PredDecl(self.name(t.children[0]), sorts, sp)
            case "fun_decl":
                args = self.names(t.children[1]) if t.children[1] is not None else ()
                return S.FunDecl(self.name(t.children[0]), args, self.name(t.children[2]), sp)
            case "const_decl":
                return S.ConstDecl(self.names(t.children[0]), self.name(t.children[1]), sp)
            case "closed_decl":
                return S.ClosedDecl(self.names(t.children[0]), sp)
            case "use_decl":
                return S.Use(self.name(t.children[0]), sp)
            case "var_decl" | "exo_decl":
                return S.VarDecl(self.names(t.children[1]), self.name(t.children[2]), t.data == "exo_decl", sp)
            case "graph_decl":
                return S.GraphDecl(tuple((self.name(e.children[0]), "->" if e.data == "edge_directed" else "<->",
                                          self.name(e.children[1])) for e in t.children[1:]), sp)
            case "equation":
                var, rhs = self.name(t.children[0]), t.children[2]
                body = self.term(rhs) if _is_term_tree(rhs) else self.formula(rhs)
                return S.Equation(var, body, sp)
            case "given_query":
                return S.CausalQuery(self.formula(t.children[0]), None, self.givens(t.children[2]), sp)
            case "under_query":
                given = self.givens(t.children[4]) if t.children[4] is not None else ()
                return S.CausalQuery(self.formula(t.children[0]), self.do(t.children[2]), given, sp)
            case "law_decl":
                from .lawdecl import LawError, law_decl
                try:
                    return law_decl(self, t, _number)
                except LawError as e:
                    raise _ConvertError(Diagnostic("E070", e.message, self.span(e.node), e.hint)) from None
            case "cause_query":
                given = self.givens(t.children[4]) if t.children[4] is not None else ()
                return S.CauseQuery(self.formula(t.children[0]), self.formula(t.children[2]), given, sp)
        raise AssertionError(f"unhandled statement {t.data}")

    def givens(self, t: Tree) -> tuple:
        return tuple(self.do(c) if _is_do(c) else self.formula(c) for c in t.children)

    def do(self, t) -> S.Do:
        if not _is_do(t):
            self.fail(t, "expected an intervention do(...)", "write do(x = v), do(x) or do(not x)")
        if t.children[1] is None:
            self.fail(t, "do() needs at least one assignment", "write do(x = v)")
        return S.Do(tuple(self.formula(c) for c in t.children[1].children), self.span(t))

    def prob(self, t: Tree) -> S.Prob:
        events, under = [], None
        for item in t.children[1].children:
            events.append(self.formula(item.children[0]))
            if item.children[2] is not None:
                if under is not None:
                    self.fail(item, "one `under do(...)` per probability", "join the interventions: do(a, b)")
                under = self.do(item.children[2])
        given = ()
        if t.children[2] is not None:
            given = tuple(self.do(i.children[0]) if _is_do(i.children[0]) else self.formula(i.children[0])
                          for i in t.children[2].children)
            for i in t.children[2].children:
                if i.children[2] is not None:
                    self.fail(i, "`under` belongs to the events, before `|`",
                              "write P(y under do(x) | evidence)")
        return S.Prob(tuple(events), under, given, self.span(t))

    def name(self, t) -> str:
        tok = t.children[0] if isinstance(t, Tree) else t
        if tok.type == "QNAME":
            text = _unquote(tok.value)
            if modal.is_modal(text):
                self.fail(t, f"names starting with {modal.PREFIX!r} are reserved for belief contexts",
                          "write believes(Agent, Formula) instead", "E076")
            return text
        return str(tok.value)

    def names(self, t: Tree) -> tuple:
        return tuple(self.name(c) for c in t.children)

    def int_lit(self, t: Tree) -> int:
        toks = [c for c in t.children if c is not None]
        number = toks[-1].value
        if "." in number:
            self.fail(t, "range bounds must be integers")
        return -int(number) if len(toks) == 2 else int(number)

    # ---- formulas
    def formula(self, t):
        sp = self.span(t)
        if isinstance(t, Token):
            self.fail(t, f"expected a formula, found {t.value!r}")
        match t.data:
            case "iff":
                return S.Iff(self.formula(t.children[0]), self.formula(t.children[1]), sp)
            case "implies":
                return S.Implies(self.formula(t.children[0]), self.formula(t.children[1]), sp)
            case "disj":
                return S.Or(self.flat(t, S.Or), sp)
            case "conj":
                return S.And(self.flat(t, S.And), sp)
            case "negation":
                return S.Not(self.formula(t.children[1]), sp)
            case "quant":
                qvars = tuple((v.children[0].value, self.name(v.children[1]) if v.children[1] else None)
                              for v in t.children[1].children)
                return S.Quant(str(t.children[0].value), qvars, self.formula(t.children[2]), sp)
            case "compare":
                left, op, right = t.children
                return S.Cmp(str(op.value), self.term(left), self.term(right), sp)
            case "symbol":
                return S.Atom(self.name(t.children[0]), (), sp)
            case "apply":
                if _is_believes(t):
                    return self.believes(t, sp)
                args = self.args(t.children[1]) if t.children[1] is not None else ()
                return S.Atom(self.name(t.children[0]), args, sp)
            case "backdoor":
                z = self.names(t.children[3]) if t.children[3] is not None else ()
                return S.Backdoor(self.name(t.children[1]), self.name(t.children[2]), z, sp)
            case "var":
                self.fail(t, f"a variable ({t.children[0].value}) cannot stand for a formula",
                          "write an atom such as p(X), or a comparison such as X = a")
            case "number" | "binop" | "minus" | "prob" | "effect":
                self.fail(t, "expected a formula, found an arithmetic term",
                          "compare it with something, e.g. X + 1 > 3")
        raise AssertionError(f"unhandled formula {t.data}")

    def believes(self, t: Tree, sp):
        args = t.children[1].children if t.children[1] is not None else ()
        if len(args) != 2:
            self.fail(t, f"believes takes 2 arguments (an agent and a formula), not {len(args)}",
                      "write believes(sally, at(ball, basket))", "E075")
        try:
            return modal.believes(self.term(args[0]), self.formula(args[1]), sp)
        except modal.ModalError as e:
            self.fail(args[1], str(e), e.hint, "E075")

    def flat(self, t: Tree, cls) -> tuple:
        items = []
        for c in t.children:
            if isinstance(c, Token):
                continue
            f = self.formula(c)
            items.append(f)
        return tuple(items)

    # ---- terms
    def term(self, t):
        sp = self.span(t)
        match t.data:
            case "number":
                return S.Num(_number(t.children[0].value), sp)
            case "var":
                return S.Var(str(t.children[0].value), sp)
            case "symbol":
                return S.Const(self.name(t.children[0]), sp)
            case "apply":
                if _is_believes(t):
                    self.fail(t, "believes(...) is a formula, not a term",
                              "formulas cannot be arguments; write believes(A, F) where a formula belongs", "E075")
                args = t.children[1].children if t.children[1] is not None else ()
                return S.Fn(self.name(t.children[0]), tuple(self.named(a) or self.term(a) for a in args), sp)
            case "binop":
                left, op, right = t.children
                return S.Op(str(op.value), (self.term(left), self.term(right)), sp)
            case "minus":
                inner = self.term(t.children[1])
                if isinstance(inner, S.Num):
                    return S.Num(-inner.value, sp)
                return S.Op("-", (inner,), sp)
            case "prob":
                return self.prob(t)
            case "effect":
                return S.Effect(str(t.children[0].value), self.names(t.children[1]), sp)
        self.fail(t, "expected a term (a constant, variable, number or function value), found a formula",
                  "formulas cannot be arguments; use a predicate for the inner statement")

    def named(self, t):
        """`name = value` as a function's argument: a law's named argument (S.NamedArg)."""
        if isinstance(t, Tree) and t.data == "compare" and t.children[1].type == "EQ" \
                and isinstance(t.children[0], Tree) and t.children[0].data == "symbol":
            return S.NamedArg(self.name(t.children[0].children[0]), self.term(t.children[2]), self.span(t))
        return None

    def args(self, t: Tree) -> tuple:
        return tuple(self.term(a) for a in t.children)


def _is_believes(t) -> bool:
    name = t.children[0].children[0]
    return name.type == "LNAME" and name.value == "believes"


def _is_do(t) -> bool:
    return isinstance(t, Tree) and t.data == "apply" and t.children[0].children[0].value == "do"


def _is_term_tree(t) -> bool:
    """An equation's right side read as a term: arithmetic, a number, or a bare name (a name
    is a variable's value, read again by the causal reader)."""
    return isinstance(t, Tree) and t.data in ("number", "binop", "minus")


def _number(text: str):
    if "." in text or "e" in text or "E" in text:
        return Fraction(text)
    return int(text)


def _unquote(text: str) -> str:
    body = text[1:-1]
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            i += 1
        out.append(body[i])
        i += 1
    return "".join(out)
