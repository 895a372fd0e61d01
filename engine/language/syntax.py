"""The abstract syntax: frozen dataclasses for terms, formulas and statements.

Spans are carried on every node but take no part in equality, so that
`parse(show(x)) == x` holds. `show` prints any node back as source text that
parses to an equal node.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union

from ..errors import Span

_SPAN = dict(default=None, compare=False, repr=False)


# ---------------------------------------------------------------- terms
@dataclass(frozen=True)
class Var:
    name: str
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Const:
    name: str
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Num:
    value: Union[int, Fraction]
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Fn:
    """A function application f(t1, ..., tn) of a declared or inferred function."""

    name: str
    args: tuple
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Op:
    """Arithmetic: `+ - * /` binary, or unary `-` (one argument)."""

    op: str
    args: tuple
    span: Span | None = field(**_SPAN)


Term = Union[Var, Const, Num, Fn, Op]


# ---------------------------------------------------------------- formulas
@dataclass(frozen=True)
class Atom:
    pred: str
    args: tuple = ()
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Cmp:
    op: str  # = != < <= > >=
    left: Term
    right: Term
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Not:
    body: "Formula"
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class And:
    items: tuple
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Or:
    items: tuple
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Implies:
    left: "Formula"
    right: "Formula"
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Iff:
    left: "Formula"
    right: "Formula"
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Quant:
    kind: str  # forall | exists
    vars: tuple  # of (name, sort or None)
    body: "Formula"
    span: Span | None = field(**_SPAN)


Formula = Union[Atom, Cmp, Not, And, Or, Implies, Iff, Quant]     # and, in causal queries, Backdoor


# ---------------------------------------------------------------- statements
@dataclass(frozen=True)
class TypeDecl:
    """`type s.` (kind closed), `type s open.`, `type s = {a, b}.` (enum), `type s = 0..9.` (range)."""

    name: str
    kind: str
    elements: tuple = ()
    lo: int = 0
    hi: int = 0
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class PredDecl:
    name: str
    sorts: tuple
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class FunDecl:
    name: str
    args: tuple
    result: str
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class ConstDecl:
    names: tuple
    sort: str
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class ClosedDecl:
    preds: tuple
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Use:
    name: str
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Rule:
    """head :- body. Free variables are universal; body-only variables existential."""

    head: Atom
    body: tuple
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Axiom:
    """Any other sentence: a fact, a negative fact, a function value, a formula.
    Free variables are read as universally quantified, as in Prolog facts."""

    formula: Formula
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Query:
    formula: Formula
    span: Span | None = field(**_SPAN)


# ---------------------------------------------------------------- causal models
# An assignment (in `do(...)`, evidence, events) is a formula: `x` (x = true), `not x`
# (x = false) or `x = v`; the causal reader (engine/reason/causal) gives it its meaning.
@dataclass(frozen=True)
class Do:
    """do(a1, ..., an): an intervention, as a tuple of assignment formulas."""

    items: tuple
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Prob:
    """P(events [under do(...)] | given): a term. `given` items are formulas or Do nodes."""

    events: tuple
    under: "Do | None" = None
    given: tuple = ()
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Effect:
    """ATE(x, y), ETT(x, y), NDE(x, y, m...), NIE(x, y, m...): a term."""

    kind: str
    names: tuple
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Backdoor:
    """BACKDOOR(x, y, {z1, ..., zn}): a formula, true iff {z...} satisfies the back-door
    criterion for the effect of x on y in the model's graph."""

    x: str
    y: str
    z: tuple
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class VarDecl:
    """`var a, b : s.` (endogenous causal variables) or `exo u : s.` (exogenous)."""

    names: tuple
    sort: str
    exogenous: bool = False
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class GraphDecl:
    """`graph x -> y, x <-> y.`: edges as (a, "->" | "<->", b)."""

    edges: tuple
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class Equation:
    """`v := expression.`: the structural equation of v (a formula for a bool variable, a term otherwise)."""

    var: str
    rhs: object
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class CausalQuery:
    """`?- F given e1, ..., en.` (observation, or intervention with a `do(...)` item) and
    `?- F under do(...) given e1, ..., en.` (a counterfactual: the evidence holds in the actual
    world, F in the world changed by the intervention)."""

    formula: object
    under: "Do | None" = None
    given: tuple = ()
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class CauseQuery:
    """`?- C causes E given e1, ..., en.`: is C an actual cause of E (modified Halpern-Pearl)?"""

    cause: object
    effect: object
    given: tuple = ()
    span: Span | None = field(**_SPAN)


# ---------------------------------------------------------------- laws (docs/language.md, "Laws from data")
@dataclass(frozen=True)
class NamedArg:
    """`name = value` as an argument of a law: gravity(m1 = 2, r = R)."""

    name: str
    value: object
    span: Span | None = field(**_SPAN)


@dataclass(frozen=True)
class LawSource:
    """Where a discovered law came from: the data file (relative to the KB file's folder), its
    target column, sha256, row count, and the law's maximum relative error on it (number text)."""

    file: str
    target: str
    sha256: str
    rows: int
    max_rel_error: str


@dataclass(frozen=True)
class LawDecl:
    """`law f(x, y) = body [from "FILE" ...].`: a numeric function; `body` is a term of Num,
    Const (a parameter, pi or e), Op (+ - * / ^, unary -) and Fn (sqrt, exp, log, ...)."""

    name: str
    params: tuple
    body: object
    source: "LawSource | None" = None
    span: Span | None = field(**_SPAN)


LAW_FUNCTIONS = frozenset({"sqrt", "exp", "log", "sin", "cos", "tan", "asin", "acos", "atan", "tanh"})
LAW_CONSTANTS = frozenset({"pi", "e"})


def show_law_term(t, prec: int = 0) -> str:
    """A law body as source text: precedence + - 1, * / 2, unary - 3, ^ 4 (right-associative)."""
    match t:
        case Num(value):
            short = repr(float(value))
            text = short if Fraction(short) == value and "e" in short else show_number(value)
            return f"({text})" if prec >= 3 and text.startswith("-") else text
        case Const(name):
            return name
        case Fn(name, (arg,)):
            return f"{name}({show_law_term(arg)})"
        case Op("-", (arg,)):
            return _wrap("-" + show_law_term(arg, 3), prec > 3)
        case Op("^", (left, right)):
            return _wrap(f"{show_law_term(left, 5)} ^ {show_law_term(right, 3)}", prec > 4)
        case Op(op, (left, right)):
            p = _TERM_PREC[op]
            return _wrap(f"{show_law_term(left, p)} {op} {show_law_term(right, p + 1)}", prec > p)
    raise TypeError(f"not a law body: {t!r}")


def show_law(d: LawDecl) -> str:
    text = f"law {d.name}({', '.join(d.params)}) = {show_law_term(d.body)}"
    s = d.source
    if s is not None:
        target = "" if s.target == d.name else f' target "{s.target}"'
        text += f' from "{s.file}"{target} sha256 "{s.sha256}" rows {s.rows} max_rel_error {s.max_rel_error}'
    return text + "."


TERMS = (Var, Const, Num, Fn, Op, Prob, Effect)


Decl = Union[TypeDecl, PredDecl, FunDecl, ConstDecl, ClosedDecl, Use, VarDecl, GraphDecl]
Statement = Union[Decl, Rule, Axiom, Query, Equation, CausalQuery, CauseQuery]


# ---------------------------------------------------------------- printing
_PLAIN_NAME = re.compile(r"[a-z][A-Za-z0-9_]*\Z")
KEYWORDS = frozenset({"type", "open", "pred", "fun", "const", "closed", "use",
                      "forall", "exists", "not", "var", "exo", "graph", "given", "under", "causes"})   # `law` is one only before `name(`


# ---------------------------------------------------------------- walking
def children(node) -> tuple:
    """The immediate parts of a node, in source order: a term's arguments, a formula's
    subformulas and terms, a rule's head and body, an axiom's or query's formula."""
    match node:
        case Atom(_, args) | Fn(_, args) | Op(_, args):
            return args
        case Cmp(_, left, right) | Implies(left, right) | Iff(left, right):
            return (left, right)
        case Not(body) | Quant(_, _, body) | Axiom(body) | Query(body):
            return (body,)
        case And(items) | Or(items):
            return items
        case Rule(head, body):
            return (head, *body)
        case Do(items):
            return items
        case Prob(events, under, given):
            return (*events, *((under,) if under is not None else ()), *given)
        case Equation(_, rhs):
            return (rhs,)
        case CausalQuery(formula, under, given):
            return (formula, *((under,) if under is not None else ()), *given)
        case CauseQuery(cause, effect, given):
            return (cause, effect, *given)
        case NamedArg(_, value):
            return (value,)
    return ()


def plain_fact(st) -> bool:
    """A statement `p(a, 3).` with names and numbers only (most of a large KB): the passes that
    look for other node kinds skip it without walking it."""
    return type(st) is Axiom and type(st.formula) is Atom and all(type(a) in (Const, Num) for a in st.formula.args)


def nodes(node):
    """Every node under `node`, itself first (pre-order, source order)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def show_name(name: str) -> str:
    if _PLAIN_NAME.match(name) and name not in KEYWORDS:
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def show_number(value) -> str:
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        return str(int(value))
    value = Fraction(value)
    sign, value = ("-" if value < 0 else ""), abs(value)
    whole, rest = divmod(value.numerator, value.denominator)
    digits = []
    for _ in range(60):
        if not rest:
            return f"{sign}{whole}." + "".join(digits)
        rest *= 10
        digit, rest = divmod(rest, value.denominator)
        digits.append(str(digit))
    return f"({sign}{value.numerator} / {value.denominator})"


_TERM_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def show_term(t: Term, prec: int = 0) -> str:
    match t:
        case Var(name):
            return name
        case Const(name):
            return show_name(name)
        case Num(value):
            text = show_number(value)
            return f"({text})" if prec >= 3 and text.startswith("-") else text
        case Fn(name, args):
            return f"{show_name(name)}({', '.join(show_term(a) for a in args)})"
        case Op("-", (arg,)):
            text = "-" + show_term(arg, 3)
            return f"({text})" if prec > 3 else text
        case Prob(events, under, given):
            text = ", ".join(show_formula(e, 5) for e in events)
            if under is not None:
                text += " under " + show_do(under)
            if given:
                text += " | " + ", ".join(show_given(g) for g in given)
            return f"P({text})"
        case Effect(kind, names):
            return f"{kind}({', '.join(map(show_name, names))})"
        case Op(op, (left, right)):
            p = _TERM_PREC[op]
            text = f"{show_term(left, p)} {op} {show_term(right, p + 1)}"
            return f"({text})" if prec > p else text
        case NamedArg(name, value):
            return f"{show_name(name)} = {show_term(value)}"
    raise TypeError(f"not a term: {t!r}")


def show_do(d: Do) -> str:
    return f"do({', '.join(show_formula(x, 5) for x in d.items)})"


def show_given(g) -> str:
    return show_do(g) if isinstance(g, Do) else show_formula(g, 5)


def decode_belief(pred: str) -> tuple[tuple, str]:
    """(negations per level, inner predicate) of a belief predicate's name (engine/language/modal.py:
    `@` + one `b` per level, `~` after a negated content, `/`, the inner predicate); ValueError if
    `pred` is not one."""
    if not pred.startswith("@") or "/" not in pred:
        raise ValueError(pred)
    code, inner = pred[1:].split("/", 1)
    parts = code.split("b")
    if parts[0] or len(parts) < 2 or any(x not in ("", "~") for x in parts[1:]) or not inner:
        raise ValueError(pred)
    return tuple(x == "~" for x in parts[1:]), inner


def show_belief(a: Atom) -> str:
    """A belief literal as the nested `believes(...)` it stands for."""
    negs, inner = decode_belief(a.pred)
    n = len(negs)
    rest = a.args[n:]
    text = show_name(inner) + (f"({', '.join(show_term(x) for x in rest)})" if rest else "")
    for agent, neg in reversed(list(zip(a.args[:n], negs))):
        text = f"believes({show_term(agent)}, {'not ' if neg else ''}{text})"
    return text


def show_atom(a: Atom) -> str:
    if a.pred.startswith("@"):          # a belief literal (engine/language/modal.py)
        try:
            return show_belief(a)
        except ValueError:
            pass
    if not a.args:
        return show_name(a.pred)
    return f"{show_name(a.pred)}({', '.join(show_term(x) for x in a.args)})"


def show_qvars(vars_: tuple) -> str:
    return ", ".join(f"{n}: {show_name(s)}" if s else n for n, s in vars_)


def show_formula(f: Formula, prec: int = 0) -> str:
    """Precedence, loosest first: <-> 1, -> 2, | 3, & 4, not 5, atoms 6.
    A quantifier reaches as far right as it can, so it is bracketed below level 0."""
    match f:
        case Atom():
            return show_atom(f)
        case Backdoor(x, y, z):
            return f"BACKDOOR({show_name(x)}, {show_name(y)}, {{{', '.join(map(show_name, z))}}})"
        case Cmp(op, left, right):
            return f"{show_term(left)} {op} {show_term(right)}"
        case Not(body):
            return "not " + show_formula(body, 5)
        case And(items):
            return _wrap(" & ".join(show_formula(x, 5) for x in items), prec > 4)
        case Or(items):
            return _wrap(" | ".join(show_formula(x, 4) for x in items), prec > 3)
        case Implies(left, right):
            return _wrap(f"{show_formula(left, 3)} -> {show_formula(right, 2)}", prec > 2)
        case Iff(left, right):
            return _wrap(f"{show_formula(left, 2)} <-> {show_formula(right, 2)}", prec > 1)
        case Quant(kind, vars_, body):
            return _wrap(f"{kind} {show_qvars(vars_)}. {show_formula(body, 0)}", prec > 0)
    raise TypeError(f"not a formula: {f!r}")


def _wrap(text: str, brackets: bool) -> str:
    return f"({text})" if brackets else text


def show(node) -> str:
    """Print a term, formula or statement as source text (statements end with '.')."""
    match node:
        case Var() | Const() | Num() | Fn() | Op() | Prob() | Effect():
            return show_term(node)
        case TypeDecl(name, "closed"):
            return f"type {show_name(name)}."
        case TypeDecl(name, "open"):
            return f"type {show_name(name)} open."
        case TypeDecl(name, "enum", elements):
            return f"type {show_name(name)} = {{{', '.join(map(show_name, elements))}}}."
        case TypeDecl(name, "range", _, lo, hi):
            return f"type {show_name(name)} = {lo}..{hi}."
        case PredDecl(name, sorts):
            return f"pred {show_name(name)}({', '.join(map(show_name, sorts))})." if sorts else f"pred {show_name(name)}."
        case FunDecl(name, args, result):
            head = f"{show_name(name)}({', '.join(map(show_name, args))})" if args else show_name(name)
            return f"fun {head} -> {show_name(result)}."
        case ConstDecl(names, sort):
            return f"const {', '.join(map(show_name, names))} : {show_name(sort)}."
        case ClosedDecl(preds):
            return f"closed {', '.join(map(show_name, preds))}."
        case Use(name):
            return f"use {show_name(name)}."
        case Rule(head, body):
            return f"{show_atom(head)} :- {', '.join(show_formula(b, 5) for b in body)}."
        case Axiom(formula):
            return show_formula(formula) + "."
        case Query(formula):
            return f"?- {show_formula(formula)}."
        case VarDecl(names, sort, exogenous):
            return f"{'exo' if exogenous else 'var'} {', '.join(map(show_name, names))} : {show_name(sort)}."
        case GraphDecl(edges):
            return "graph " + ", ".join(f"{show_name(a)} {k} {show_name(b)}" for a, k, b in edges) + "."
        case Equation(var, rhs):
            body = show_term(rhs) if isinstance(rhs, TERMS) else show_formula(rhs)
            return f"{show_name(var)} := {body}."
        case CausalQuery(formula, under, given):
            text = "?- " + (show_term(formula) if isinstance(formula, TERMS) else show_formula(formula, 5))
            if under is not None:
                text += " under " + show_do(under)
            if given:
                text += " given " + ", ".join(show_given(g) for g in given)
            return text + "."
        case CauseQuery(cause, effect, given):
            text = f"?- {show_formula(cause, 5)} causes {show_formula(effect, 5)}"
            if given:
                text += " given " + ", ".join(show_given(g) for g in given)
            return text + "."
        case Do():
            return show_do(node)
        case LawDecl():
            return show_law(node)
    return show_formula(node)
