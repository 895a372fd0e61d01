"""Well-sortedness of claims and of the values of substitutions and instances (moved here
from the old single-module kernel, unchanged in meaning)."""
from __future__ import annotations

from fractions import Fraction

from ..language import syntax as S
from ..language.signature import Signature
from .terms import Rejected


def check_sorts(vars_, sub, sig: Signature):
    """Each instantiated value must belong to the sort of its variable."""
    for name, sort in vars_:
        if name in sub and not fits(sub[name], sort, sig):
            raise Rejected(f"instance value {sub[name]!r} is not of sort {sort}")


def fits(v, sort: str, sig: Signature) -> bool:
    """A ground value (constant name, int or Fraction) belongs to the sort: a constant declared
    with that sort (for closed and enum sorts, one of its elements), an integer for int, a
    number for real, an integer between the bounds for a range."""
    info = sig.sorts.get(sort)
    if info is None or isinstance(v, bool):
        return False
    if isinstance(v, str):
        return info.kind in ("closed", "enum", "open") and sig.consts.get(v) == sort
    if not isinstance(v, (int, Fraction)) or info.kind not in ("int", "real", "range"):
        return False
    if info.kind == "real":
        return True
    if Fraction(v).denominator != 1:
        return False
    return info.kind == "int" or bool(info.elements) and info.elements[0] <= v <= info.elements[-1]


_INT, _REAL = "#int", "#real"     # the sort of a number literal or an arithmetic result


def well_sorted(f, sig: Signature, env: dict | None = None) -> None:
    """Reject a claim unless it is well-sorted: each predicate and function is declared and
    applied to as many arguments as it takes, each argument fits the sort of its position,
    both sides of a comparison have one sort (or are both numeric), each quantified variable
    has a declared sort, and each constant is declared."""
    env = env or {}
    match f:
        case S.Atom(pred, args):
            sorts = sig.preds.get(pred)
            if sorts is None:
                raise Rejected(f"unknown predicate {pred}")
            if len(sorts) != len(args):
                raise Rejected(f"{pred} takes {len(sorts)} argument(s), not {len(args)}")
            for a, sort in zip(args, sorts):
                _fit_term(a, sort, sig, env)
        case S.Cmp(op, left, right):
            a, b = _term_sort(left, sig, env), _term_sort(right, sig, env)
            numeric = _numeric(a, sig) and _numeric(b, sig)
            if (op not in ("=", "!=") or a != b) and not numeric:
                raise Rejected(f"ill-sorted comparison {f.op + ' comparison'}")
        case S.Not(body):
            well_sorted(body, sig, env)
        case S.And(items) | S.Or(items):
            for x in items:
                well_sorted(x, sig, env)
        case S.Implies(left, right) | S.Iff(left, right):
            well_sorted(left, sig, env)
            well_sorted(right, sig, env)
        case S.Quant(_, vars_, body):
            inner = dict(env)
            for name, sort in vars_:
                if sort not in sig.sorts:
                    raise Rejected(f"variable {name} has no known sort")
                inner[name] = sort
            well_sorted(body, sig, inner)
        case _:
            raise Rejected("not a formula")


def _fit_term(t, sort: str, sig: Signature, env: dict) -> None:
    """The term may stand where `sort` is expected."""
    if isinstance(t, S.Num):
        if not fits(t.value, sort, sig):
            raise Rejected(f"{t!r} is not of sort {sort}")
        return
    if isinstance(t, S.Const):
        if t.name not in sig.consts:
            raise Rejected(f"unknown constant {t.name}")
        if not fits(t.name, sort, sig):
            raise Rejected(f"{t.name} is of sort {sig.consts[t.name]}, not {sort}")
        return
    found = _term_sort(t, sig, env)
    kind = sig.sorts[sort].kind if sort in sig.sorts else None
    if not (found == sort or found == _INT and kind in ("int", "real", "range") or found == _REAL and kind == "real"):
        raise Rejected(f"{t!r} is not of sort {sort}")


def _term_sort(t, sig: Signature, env: dict) -> str:
    """The sort of a term: a sort name, or _INT / _REAL for numbers and arithmetic."""
    match t:
        case S.Var(name):
            if name not in env:
                raise Rejected(f"free variable {name}")
            return env[name]
        case S.Const(name):
            if name not in sig.consts:
                raise Rejected(f"unknown constant {name}")
            return sig.consts[name]
        case S.Num(value):
            if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
                raise Rejected(f"bad number {value!r}")
            return _INT if Fraction(value).denominator == 1 else _REAL
        case S.Fn(name, args):
            typed = sig.funs.get(name)
            if typed is None:
                raise Rejected(f"unknown function {name}")
            if len(typed[0]) != len(args):
                raise Rejected(f"{name} takes {len(typed[0])} argument(s), not {len(args)}")
            for a, sort in zip(args, typed[0]):
                _fit_term(a, sort, sig, env)
            return typed[1]
        case S.Op(_, args):
            sorts = [_term_sort(a, sig, env) for a in args]
            if not all(_numeric(s, sig) for s in sorts):
                raise Rejected(f"arithmetic on a non-number in {t!r}")
            return _REAL if any(s in (_REAL, "real") for s in sorts) else _INT
    raise Rejected("not a term")


def _numeric(sort: str, sig: Signature) -> bool:
    return sort in (_INT, _REAL) or sig.is_numeric(sort)
