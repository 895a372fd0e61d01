"""Queries that use laws (docs/language.md, "Laws from data"), answered with sympy.

A law is a numeric function of its parameters. A query is a comparison whose sides are
arithmetic over numbers and law applications with ground arguments (positional or named):
it is decided exactly (rational arithmetic) or by a numeric evaluation far from the
threshold; an equation with one variable is solved for it (sympy.solve, real solutions).
Each result carries the proof steps the kernel re-checks (engine/kernel/laws.py): a `law`
step per law used (a `premise` for a law told by hand), then `evaluate` or `solve`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from ..errors import Diagnostic, TypeCheckError
from ..language import syntax as S
from ..proof import Step

_FUNCTIONS = {"sqrt": sympy.sqrt, "exp": sympy.exp, "log": sympy.log, "sin": sympy.sin, "cos": sympy.cos,
              "tan": sympy.tan, "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan, "tanh": sympy.tanh}
_CONSTANTS = {"pi": sympy.pi, "e": sympy.E}
_OPS = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
        "/": lambda x, y: x / y, "^": lambda x, y: x ** y}
_DIGITS = 60            # numeric evaluation of a comparison
_ENCLOSURE = Fraction(1, 10 ** 9)     # relative half-width of a solution's enclosure


class LawBook:
    """The KB's laws: (statement, source) pairs, by name and by source."""

    def __init__(self, statements=()):
        self.statements = tuple(statements)
        self.by_name = {d.name: (d, src) for d, src in self.statements}
        self.by_source = {src: d for d, src in self.statements}

    def law_at(self, source):
        return self.by_source.get(source)

    def __bool__(self):
        return bool(self.statements)


@dataclass
class Result:
    verdict: str                    # true | false | unknown
    reason: str | None = None
    steps: list = field(default_factory=list)
    bindings: dict = field(default_factory=dict)
    enclosure: dict | None = None   # solutions: {var: (lo, hi)}


def is_law_query(formula, book) -> bool:
    """Does the query apply a law (or use a named argument, which only laws take)?"""
    return any(isinstance(n, S.NamedArg) or isinstance(n, S.Fn) and book and n.name in book.by_name
               for n in S.nodes(formula))


def _error(message, span, hint=None):
    return TypeCheckError([Diagnostic("E072", message, span, hint)])


# ---------------------------------------------------------------- to sympy
def body_to_sympy(t, env: dict):
    """A law body as a sympy expression, its parameters replaced by `env`'s values."""
    match t:
        case S.Num(v):
            return sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else sympy.Integer(v)
        case S.Const(name):
            return env[name] if name in env else _CONSTANTS[name]
        case S.Fn(name, (arg,)):
            return _FUNCTIONS[name](body_to_sympy(arg, env))
        case S.Op("-", (arg,)):
            return -body_to_sympy(arg, env)
        case S.Op(op, (a, b)):
            x, y = body_to_sympy(a, env), body_to_sympy(b, env)
            return _OPS[op](x, y)
    raise TypeError(f"not a law body: {t!r}")


def _query_sympy(t, book, symbols: dict, used: list):
    match t:
        case S.Num(v):
            return body_to_sympy(t, {})
        case S.Var(name):
            return symbols.setdefault(name, sympy.Symbol(name, real=True))
        case S.Op("-", (arg,)):
            return -_query_sympy(arg, book, symbols, used)
        case S.Op(op, (a, b)):
            x, y = _query_sympy(a, book, symbols, used), _query_sympy(b, book, symbols, used)
            return _OPS[op](x, y)
        case S.Fn(name, args):
            if name not in book.by_name:
                raise _error(f"{name} is not a law of the knowledge base", t.span,
                             "a law query compares numbers and law applications such as f(x = 1) > 2")
            decl, src = book.by_name[name]
            if (decl, src) not in used:
                used.append((decl, src))
            values = _arguments(decl, args, t.span)
            env = {p: _query_sympy(v, book, symbols, used) for p, v in values.items()}
            return body_to_sympy(decl.body, env)
        case S.NamedArg(name):
            raise _error(f"a named argument {name} = ... outside a law application", t.span)
    raise _error("a law query compares numbers, variables and law applications", getattr(t, "span", None),
                 "write for example ?- f(x = 1) > 2. or ?- f(x = X) = 3.")


def _arguments(decl, args, span) -> dict:
    named = [a for a in args if isinstance(a, S.NamedArg)]
    if named and len(named) != len(args):
        raise _error(f"law {decl.name}: give all arguments by name or none", span)
    if named:
        for a in named:
            if a.name not in decl.params:
                raise _error(f"law {decl.name} has no parameter {a.name}", a.span,
                             f"its parameters are {', '.join(decl.params)}")
        names = [a.name for a in named]
        if len(set(names)) != len(names) or set(names) != set(decl.params):
            missing = sorted(set(decl.params) - set(names))
            raise _error(f"law {decl.name}: each parameter once" + (f"; missing {', '.join(missing)}" if missing else ""),
                         span, f"its parameters are {', '.join(decl.params)}")
        return {a.name: a.value for a in named}
    if len(args) != len(decl.params):
        raise _error(f"law {decl.name} takes {len(decl.params)} arguments ({', '.join(decl.params)}), "
                     f"given {len(args)}", span)
    return dict(zip(decl.params, args))


# ---------------------------------------------------------------- answering
def answer(book: LawBook, formula) -> list:
    """The Results of a law query: one for a comparison, one per real solution of an equation
    with one variable (none when there is none)."""
    if not isinstance(formula, S.Cmp):
        raise _error("a law query is one comparison", formula.span if hasattr(formula, "span") else None,
                     "write for example ?- f(x = 1) > 2.")
    symbols, used = {}, []
    diff = _query_sympy(formula.left, book, symbols, used) - _query_sympy(formula.right, book, symbols, used)
    cited = _citations(used)
    if not symbols:
        return [_decide(diff, formula, cited)]
    if len(symbols) != 1 or formula.op != "=":
        raise _error("a law query with variables is an equation in one variable", formula.span,
                     "write for example ?- f(x = X) = 3.")
    (name, sym), = symbols.items()
    return _solve(diff, sym, name, formula, cited)


def _citations(used) -> list:
    steps = []
    for decl, src in used:
        if decl.source is None:
            steps.append(Step(len(steps) + 1, decl, "premise", source=src))
        else:
            s = decl.source
            steps.append(Step(len(steps) + 1, decl, "law", source=src,
                              data={"name": decl.name, "file": s.file, "target": s.target, "sha256": s.sha256,
                                    "rows": s.rows, "max_rel_error": s.max_rel_error}))
    return steps


def _decide(diff, formula, cited) -> Result:
    sign = _sign(diff)
    if sign is None:
        return Result("unknown", "the law is not defined at this point, or its value is not a real number")
    if sign == "zero?":
        if formula.op in ("=", "!="):
            return Result("unknown", "equality of irrational numbers cannot be certified by evaluation")
        return Result("unknown", "the two sides are too close to compare at this precision")
    holds = {"<": sign < 0, "<=": sign <= 0, ">": sign > 0, ">=": sign >= 0, "=": sign == 0,
             "!=": sign != 0}[formula.op]
    verdict = "true" if holds else "false"
    claim = formula if holds else S.Not(formula)
    steps = cited + [Step(len(cited) + 1, claim, "evaluate", premises=tuple(s.id for s in cited),
                          data={"verdict": verdict})]
    return Result(verdict, steps=steps)


def _sign(diff):
    """-1, 0, 1; "zero?" when numerically too close to 0 to tell; None when not a real number."""
    try:
        if diff.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            return None
        if diff.is_Rational:
            return int(bool(diff > 0)) - int(bool(diff < 0))
        value = diff.evalf(_DIGITS)
        if not value.is_real or not value.is_Number:
            return None
        if abs(value) > sympy.Float(10) ** (-_DIGITS // 2):
            return 1 if value > 0 else -1
        return "zero?"
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _solve(diff, sym, name, formula, cited) -> list:
    try:
        solutions = sympy.solve(diff, sym)
    except (NotImplementedError, ValueError, TypeError):
        return [Result("unknown", f"sympy cannot solve for {name}")]
    out = []
    rational = not diff.atoms(sympy.Function) and not diff.has(sympy.pi, sympy.E) and \
        all(p.exp.is_Integer for p in diff.atoms(sympy.Pow))
    for s in solutions:
        if s.is_real is not True:
            continue
        if s.is_Rational and rational:
            lo = hi = shown = Fraction(int(s.p), int(s.q))
        else:
            approx = Fraction(str(sympy.Float(s.evalf(40), 40)))
            half = abs(approx) * _ENCLOSURE + Fraction(1, 10 ** 30)
            lo, hi = approx - half, approx + half
            shown = Fraction(int(s.p), int(s.q)) if s.is_Rational else str(s)
        claim = _substituted(formula, name, shown)
        steps = cited + [Step(len(cited) + 1, claim, "solve", premises=tuple(x.id for x in cited),
                              data={"var": name, "lo": _rat(lo), "hi": _rat(hi), "value": str(s),
                                    "lo_text": f"{float(lo):.12g}", "hi_text": f"{float(hi):.12g}"})]
        approx = "" if isinstance(shown, Fraction) and shown.denominator < 10 ** 6 else f"{name} ≈ {float(s):.12g}"
        out.append(Result("true", approx or None, steps, {name: shown}, {name: (lo, hi)}))
    return out


def _rat(q: Fraction) -> str:
    return f"#{q.numerator}/{q.denominator}"


def _substituted(formula, name, value):
    """The query with the variable replaced by its value, for display (a Num, or a name for
    an irrational value)."""
    term = S.Num(value) if isinstance(value, Fraction) else S.Const(value)

    def sub(t):
        match t:
            case S.Var(n) if n == name:
                return term
            case S.Fn(f, args):
                return S.Fn(f, tuple(sub(a) for a in args))
            case S.NamedArg(n, v):
                return S.NamedArg(n, sub(v))
            case S.Op(op, args):
                return S.Op(op, tuple(sub(a) for a in args))
        return t
    return S.Cmp(formula.op, sub(formula.left), sub(formula.right))
