"""The kernel's check of answers that use laws (docs/language.md, "Laws from data").

Steps (data as JSON values; rationals as "#p/q"):
  law       the claim is the law statement at `source`, with provenance: the kernel reads the
            data file itself (relative to the folder of the KB file the law came from), checks
            its sha256 and row count, evaluates the law on every row with Python floats and
            accepts only when the largest relative error (|f - y| / |y|, or / rms(y) where
            y = 0) is within the recorded max_rel_error (slack: 1e-9 relative, 1e-13 absolute)
  premise   a law told by hand (no provenance): the claim is the law statement at `source`
  evaluate  the comparison at the query point: the kernel encloses both sides in intervals
            (exact rationals for + - * / and integer powers; math functions widened by
            a few ulps) and recomputes `verdict`; an interval that does not settle the
            comparison rejects the step
  solve     `var` = the solution enclosed by [lo, hi]: the law side minus the other side is
            defined on the whole enclosure (so continuous there) and has opposite strict signs
            at lo and hi, or, when lo = hi, is exactly zero there
Every law a query uses must be cited by an earlier law or premise step.
"""
from __future__ import annotations

import csv
import hashlib
import math
from fractions import Fraction
from pathlib import Path

from ..language import syntax as S
from .terms import Rejected, checked, in_order

_ULP = Fraction(1, 2 ** 48)         # relative widening of a math-library result (a few ulps)
_TINY = Fraction(1, 2 ** 1000)


def check_law(proof, view, formula, verdict: str, binding=None) -> None:
    """Accept the proof of `verdict` for the law query `formula` (with `binding` {var: (lo, hi)}
    for a solution), or raise ProofError (E050)."""
    checked("law", _check, proof, view, formula, verdict, binding)


def _check(proof, view, formula, verdict, binding):
    laws, decided, solved = {}, None, None
    for step, data in in_order(proof):
        match step.by:
            case "law" | "premise":
                decl = view.law_at(step.source)
                if decl is None or decl != step.claim:
                    raise Rejected(f"step {step.id}: no such law statement at {step.source}")
                if (step.by == "law") != (decl.source is not None):
                    raise Rejected(f"step {step.id}: a law with provenance is cited by `law`, one told by hand as a premise")
                if decl.source is not None:
                    check_data(decl, data_path(step.source, decl.source.file))
                laws[decl.name] = decl
            case "evaluate":
                decided = _compare(formula, laws, {})
                if decided is None:
                    raise Rejected(f"step {step.id}: the enclosures do not settle {data.get('verdict')!r}")
                if data.get("verdict") != decided:
                    raise Rejected(f"step {step.id}: the comparison is {decided}, not {data.get('verdict')!r}")
            case "solve":
                solved = _check_solve(step, formula, laws, data)
            case _:
                raise Rejected(f"step {step.id}: unknown kind {step.by!r}")
    if binding is not None:
        if solved != binding:
            raise Rejected(f"the proof's solution {solved} is not the answer's {binding}")
        return
    if decided != verdict:
        raise Rejected(f"the proof concludes {decided!r}, the answer says {verdict!r}")


# ---------------------------------------------------------------- the data
def data_path(source: str, file: str) -> Path:
    """The data file of a law told at `source` (file:line:col): an absolute path as it is, a
    relative one from the folder of the KB file (the working folder for text told directly)."""
    path = Path(file)
    if path.is_absolute():
        return path
    kb_file = (source or "").rsplit(":", 2)[0]
    if not kb_file or kb_file.startswith("<"):
        return path
    return Path(kb_file).parent / path


def check_data(decl, path: Path) -> None:
    """The data file's hash and rows, and the law's error on every row, as recorded."""
    src = decl.source
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise Rejected(f"law {decl.name}: cannot read its data {path} ({e.strerror})") from None
    if hashlib.sha256(raw).hexdigest() != src.sha256:
        raise Rejected(f"law {decl.name}: the data {src.file} has changed (sha256 differs from the recorded one)")
    header, rows = read_table(raw)
    if len(rows) != src.rows:
        raise Rejected(f"law {decl.name}: {src.file} has {len(rows)} rows, {src.rows} recorded")
    missing = [c for c in (*decl.params, src.target) if c not in header]
    if missing:
        raise Rejected(f"law {decl.name}: {src.file} has no column {missing[0]}")
    worst = max_rel_error(decl, header, rows)
    bound = float(Fraction(src.max_rel_error))
    if not worst <= bound * (1 + 1e-9) + 1e-13:
        raise Rejected(f"law {decl.name}: its relative error on {src.file} reaches {worst:.3g}, "
                       f"more than the recorded {src.max_rel_error}")


def read_table(raw: bytes):
    """(header, rows of floats) of a CSV file with a header row; blank lines skipped."""
    lines = raw.decode("utf-8-sig").splitlines()
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for row in reader:
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise Rejected(f"a data row has {len(row)} cells, the header {len(header)}")
        rows.append([float(c) for c in row])
    return header, rows


def max_rel_error(decl, header, rows) -> float:
    """The largest relative error of the law on the rows (its own float evaluation)."""
    at = {name: header.index(name) for name in (*decl.params, decl.source.target)}
    ys = [row[at[decl.source.target]] for row in rows]
    rms = math.sqrt(sum(y * y for y in ys) / len(ys)) if ys else 1.0
    worst = 0.0
    for row, y in zip(rows, ys):
        env = {p: row[at[p]] for p in decl.params}
        try:
            value = float_value(decl.body, env)
        except (ArithmeticError, ValueError, TypeError):
            return math.inf
        err = abs(value - y) / (abs(y) or rms or 1.0)
        if not err <= worst:
            worst = err if err == err else math.inf
    return worst


_FLOAT_FUNCTIONS = {name: getattr(math, name) for name in S.LAW_FUNCTIONS}
_FLOAT_CONSTANTS = {"pi": math.pi, "e": math.e}


def float_value(t, env: dict) -> float:
    match t:
        case S.Num(v):
            return float(v)
        case S.Const(name):
            return env[name] if name in env else _FLOAT_CONSTANTS[name]
        case S.Fn(name, (arg,)):
            return _FLOAT_FUNCTIONS[name](float_value(arg, env))
        case S.Op("-", (arg,)):
            return -float_value(arg, env)
        case S.Op(op, (a, b)):
            x, y = float_value(a, env), float_value(b, env)
            match op:
                case "+": return x + y
                case "-": return x - y
                case "*": return x * y
                case "/": return x / y
                case "^":
                    r = x ** y
                    if isinstance(r, complex):
                        raise ValueError("complex power")
                    return float(r)
    raise Rejected(f"not a law body: {t!r}")


# ---------------------------------------------------------------- intervals
class Undefined(Exception):
    """The expression is not defined everywhere on the enclosure (or not enclosed)."""


def _widen(x: float):
    if math.isnan(x) or math.isinf(x):
        raise Undefined("overflow")
    f = Fraction(x)
    d = abs(f) * _ULP + _TINY
    return f - d, f + d


def _down(q: Fraction) -> float:
    return math.nextafter(float(q), -math.inf)


def _up(q: Fraction) -> float:
    return math.nextafter(float(q), math.inf)


def _monotone(fn, lo, hi, increasing=True):
    a, b = (fn(_down(lo)), fn(_up(hi))) if increasing else (fn(_up(hi)), fn(_down(lo)))
    return _widen(a)[0], _widen(b)[1]


def _mul(x, y):
    products = [x[0] * y[0], x[0] * y[1], x[1] * y[0], x[1] * y[1]]
    return min(products), max(products)


def _div(x, y):
    if y[0] <= 0 <= y[1]:
        raise Undefined("division by an interval that contains 0")
    return _mul(x, (1 / y[1], 1 / y[0]))


def _ipow(x, n: int):
    if n < 0:
        return _div((Fraction(1), Fraction(1)), _ipow(x, -n))
    a, b = x[0] ** n, x[1] ** n
    if n % 2 == 0 and x[0] <= 0 <= x[1]:
        return Fraction(0), max(a, b)
    return min(a, b), max(a, b)


def _clamp(x, lo, hi):
    return max(x[0], lo), min(x[1], hi)


def _sin_like(fn, x):
    mid = (x[0] + x[1]) / 2
    rad = (x[1] - x[0]) / 2 + abs(mid) * _ULP + _TINY
    lo, hi = _widen(fn(float(mid)))
    return _clamp((lo - rad, hi + rad), Fraction(-1), Fraction(1))


def interval(t, env: dict):
    """An enclosure (lo, hi) of the value of a law body or query term; Undefined if none."""
    match t:
        case S.Num(v):
            return Fraction(v), Fraction(v)
        case S.Const(name):
            if name in env:
                return env[name]
            if name == "pi":
                return _widen(math.pi)
            if name == "e":
                return _widen(math.e)
            raise Undefined(f"unknown name {name}")
        case S.Op("-", (arg,)):
            lo, hi = interval(arg, env)
            return -hi, -lo
        case S.Op(op, (a, b)):
            return _binop(op, interval(a, env), interval(b, env))
        case S.Fn(name, (arg,)):
            x = interval(arg, env)
            return _FUNCTIONS[name](x)
    raise Undefined(f"not a law term: {t!r}")


def _binop(op, x, y):
    match op:
        case "+":
            return x[0] + y[0], x[1] + y[1]
        case "-":
            return x[0] - y[1], x[1] - y[0]
        case "*":
            return _mul(x, y)
        case "/":
            return _div(x, y)
        case "^":
            if y[0] == y[1] and y[0].denominator == 1 and abs(y[0]) <= 64:
                return _ipow(x, int(y[0]))
            if x[0] <= 0:
                raise Undefined("a power of a base that may be 0 or negative")
            return _exp(_mul(y, _log(x)))
    raise Undefined(f"unknown operator {op}")


def _log(x):
    if x[0] <= 0:
        raise Undefined("log of a number that may be 0 or negative")
    return _monotone(math.log, x[0], x[1])


def _exp(x):
    try:
        return _monotone(math.exp, x[0], x[1])
    except OverflowError:
        raise Undefined("exp overflows") from None


def _sqrt(x):
    if x[0] < 0:
        raise Undefined("sqrt of a number that may be negative")
    lo = max(_down(x[0]), 0.0)
    return max(_widen(math.sqrt(lo))[0], Fraction(0)), _widen(math.sqrt(_up(x[1])))[1]


def _asin_acos(fn, increasing):
    def run(x):
        if x[0] < -1 or x[1] > 1:
            raise Undefined(f"{fn.__name__} outside [-1, 1]")
        a, b = max(_down(x[0]), -1.0), min(_up(x[1]), 1.0)
        lo, hi = (fn(a), fn(b)) if increasing else (fn(b), fn(a))
        return _widen(lo)[0], _widen(hi)[1]
    return run


def _tan(x):
    return _div(_sin_like(math.sin, x), _sin_like(math.cos, x))


_FUNCTIONS = {
    "sqrt": _sqrt, "exp": _exp, "log": _log,
    "sin": lambda x: _sin_like(math.sin, x), "cos": lambda x: _sin_like(math.cos, x), "tan": _tan,
    "asin": _asin_acos(math.asin, True), "acos": _asin_acos(math.acos, False),
    "atan": lambda x: _monotone(math.atan, x[0], x[1]), "tanh": lambda x: _monotone(math.tanh, x[0], x[1]),
}


# ---------------------------------------------------------------- the query
def term_interval(t, laws: dict, env: dict):
    """An enclosure of a query side: numbers, + - * /, and law applications."""
    match t:
        case S.Num(v):
            return Fraction(v), Fraction(v)
        case S.Op("-", (arg,)):
            lo, hi = term_interval(arg, laws, env)
            return -hi, -lo
        case S.Op(op, (a, b)) if op in "+-*/":
            return _binop(op, term_interval(a, laws, env), term_interval(b, laws, env))
        case S.Var(name):
            if name not in env:
                raise Rejected(f"the variable {name} has no value")
            return env[name]
        case S.Fn(name, args):
            decl = laws.get(name)
            if decl is None:
                raise Rejected(f"the law {name} is not cited by an earlier step")
            return interval(decl.body, _arguments(decl, args, laws, env))
    raise Rejected(f"not a term of a law query: {t!r}")


def _arguments(decl, args, laws, env) -> dict:
    named = [a for a in args if isinstance(a, S.NamedArg)]
    if named and len(named) != len(args):
        raise Rejected(f"law {decl.name}: mixed positional and named arguments")
    if named:
        names = [a.name for a in named]
        if sorted(names) != sorted(decl.params) or len(set(names)) != len(names):
            raise Rejected(f"law {decl.name}: the named arguments are not its parameters")
        values = {a.name: a.value for a in named}
    else:
        if len(args) != len(decl.params):
            raise Rejected(f"law {decl.name}: {len(args)} arguments for {len(decl.params)} parameters")
        values = dict(zip(decl.params, args))
    return {p: term_interval(v, laws, env) for p, v in values.items()}


def _compare(formula, laws, env):
    """'true' / 'false' when the enclosures settle the comparison, else None."""
    if not isinstance(formula, S.Cmp):
        raise Rejected("a law query is a comparison")
    try:
        left = term_interval(formula.left, laws, env)
        right = term_interval(formula.right, laws, env)
    except (Undefined, ZeroDivisionError, OverflowError, ValueError):
        return None
    lo, hi = left[0] - right[1], left[1] - right[0]
    if formula.left == formula.right:       # the same ground term, defined: equal whatever its value
        lo = hi = Fraction(0)
    match formula.op:
        case "<":
            return "true" if hi < 0 else "false" if lo >= 0 else None
        case "<=":
            return "true" if hi <= 0 else "false" if lo > 0 else None
        case ">":
            return "true" if lo > 0 else "false" if hi <= 0 else None
        case ">=":
            return "true" if lo >= 0 else "false" if hi < 0 else None
        case "=":
            return "true" if lo == hi == 0 else "false" if lo > 0 or hi < 0 else None
        case "!=":
            return "false" if lo == hi == 0 else "true" if lo > 0 or hi < 0 else None
    return None


def _check_solve(step, formula, laws, data):
    if not isinstance(formula, S.Cmp) or formula.op != "=":
        raise Rejected(f"step {step.id}: only an equation is solved")
    var = data.get("var")
    try:
        lo, hi = Fraction(str(data.get("lo", "")).lstrip("#")), Fraction(str(data.get("hi", "")).lstrip("#"))
    except (ValueError, ZeroDivisionError):
        raise Rejected(f"step {step.id}: a bad enclosure") from None
    if not isinstance(var, str) or lo > hi:
        raise Rejected(f"step {step.id}: a bad enclosure")

    def difference(x):
        env = {var: x}
        left = term_interval(formula.left, laws, env)
        right = term_interval(formula.right, laws, env)
        return left[0] - right[1], left[1] - right[0]
    try:
        whole = difference((lo, hi))         # defined on all of [lo, hi]: continuous there
        if lo == hi:
            if whole != (0, 0):
                raise Rejected(f"step {step.id}: {var} = {lo} is not an exact solution")
        else:
            a, b = difference((lo, lo)), difference((hi, hi))
            if not (a[1] < 0 < b[0] or b[1] < 0 < a[0]):
                raise Rejected(f"step {step.id}: no sign change on [{lo}, {hi}]")
    except Undefined as e:
        raise Rejected(f"step {step.id}: the law is not defined on the enclosure ({e})") from None
    return {var: (lo, hi)}
