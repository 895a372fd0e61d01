"""The kernel's own writer from syntax to z3 (the z3 Python API), sharing nothing with the
search's translator (engine/smt/solver.py, engine/smt/text.py).

Semantics written here, as README.md states them:
- a finite sort (named individuals `type s.` and `thing`, an enum `{r, g}`) is a z3
  enumeration of exactly its constants: distinct, and nothing else (domain closure); a range
  `lo..hi` is the integers between the bounds; quantifiers over finite sorts are expanded;
- an open sort is an uninterpreted z3 sort: its constants may be equal, it has other
  elements, its quantifiers stay quantifiers;
- int and real are z3's; `/` is exact division with `x / 0 = 0`; ints meet reals as reals;
- a predicate is an uninterpreted relation, a function an uninterpreted function whose
  value lies in its result sort (a range result: between the bounds).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import z3

from ..language import syntax as S
from ..language.signature import Signature
from .terms import Rejected

MAX_NODES = 200_000        # expanded nodes per question; beyond it the step is unconfirmed


@dataclass(frozen=True)
class Outcome:
    status: str            # "sat" | "unsat" | "unknown"
    reason: str = ""


class TooBig(Exception):
    pass


class Writer:
    def __init__(self, sig: Signature):
        self.sig, self.ctx = sig, z3.Context()
        self.sorts, self.elements, self.symbols, self.axioms, self.nodes = {}, {}, {}, [], 0

    def sort(self, name: str):
        if name not in self.sorts:
            info = self.sig.sorts.get(name)
            if info is None:
                raise Rejected(f"unknown sort {name}")
            if info.kind in ("int", "range"):
                self.sorts[name] = z3.IntSort(self.ctx)
            elif info.kind == "real":
                self.sorts[name] = z3.RealSort(self.ctx)
            elif info.kind in ("closed", "enum") and info.elements:
                names = [str(e) for e in info.elements]
                z3sort, values = z3.EnumSort(f"|s {name}|", [f"|e {name} {e}|" for e in names], ctx=self.ctx)
                self.sorts[name] = z3sort
                self.elements[name] = dict(zip(names, values))
            elif info.kind in ("closed", "enum", "open"):
                self.sorts[name] = z3.DeclareSort(f"|s {name}|", self.ctx)
            else:
                raise Rejected(f"sort {name} of kind {info.kind}")
        return self.sorts[name]

    def domain(self, name: str):
        """The elements of a finite sort as z3 values, else None."""
        info = self.sig.sorts.get(name)
        if info is None or info.kind not in ("closed", "enum", "range"):
            return None
        if info.kind == "range":
            return [z3.IntVal(v, self.ctx) for v in info.elements]
        self.sort(name)
        return list(self.elements.get(name, {}).values())

    def symbol(self, name: str, args: tuple, result):
        key = (name, "p" if result is None else "f")
        if key not in self.symbols:
            res = z3.BoolSort(self.ctx) if result is None else self.sort(result)
            f = z3.Function(f"|{key[1]} {name}|", *[self.sort(s) for s in args], res)
            self.symbols[key] = f
            info = self.sig.sorts.get(result) if result is not None else None
            if info is not None and info.kind == "range":     # the value lies in the range
                xs = [z3.Const(f"|x{i}|", self.sort(s)) for i, s in enumerate(args)]
                app = f(*xs)
                within = z3.And(app >= info.elements[0], app <= info.elements[-1]) if info.elements \
                    else z3.BoolVal(False, self.ctx)
                self.axioms.append(z3.ForAll(xs, within) if xs else within)
        return self.symbols[key]

    # ------------------------------------------------------------ formulas
    def formula(self, f, env: dict):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise TooBig()
        match f:
            case S.Atom(pred, args):
                sorts = self.sig.preds.get(pred)
                if sorts is None or len(sorts) != len(args):
                    raise Rejected(f"unknown predicate {pred}/{len(args)}")
                if not args:
                    return self.symbol(pred, (), None)()
                return self.symbol(pred, tuple(sorts), None)(*[self.at(a, s, env) for a, s in zip(args, sorts)])
            case S.Cmp(op, left, right):
                a, b = self.term(left, env), self.term(right, env)
                if a.sort() != b.sort():
                    a, b = _real(a), _real(b)
                if op == "=":
                    return a == b
                if op == "!=":
                    return a != b
                if not (z3.is_arith(a) and z3.is_arith(b)):
                    raise Rejected("an order comparison between non-numbers")
                return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
            case S.Not(body):
                return z3.Not(self.formula(body, env))
            case S.And(items):
                return z3.And([self.formula(x, env) for x in items] or [z3.BoolVal(True, self.ctx)])
            case S.Or(items):
                return z3.Or([self.formula(x, env) for x in items] or [z3.BoolVal(False, self.ctx)])
            case S.Implies(left, right):
                return z3.Implies(self.formula(left, env), self.formula(right, env))
            case S.Iff(left, right):
                return self.formula(left, env) == self.formula(right, env)
            case S.Quant(kind, vars_, body):
                return self.quantifier(kind, list(vars_), body, env)
        raise Rejected(f"not a formula: {type(f).__name__}")

    def quantifier(self, kind, vars_, body, env):
        if not vars_:
            return self.formula(body, env)
        (name, sort), rest = vars_[0], vars_[1:]
        if sort is None:
            raise Rejected(f"variable {name} has no sort")
        values = self.domain(sort)
        if values is not None:          # a finite sort: one instance per element
            parts = [self.quantifier(kind, rest, body, {**env, name: v}) for v in values]
            return (z3.And if kind == "forall" else z3.Or)(parts or [z3.BoolVal(kind == "forall", self.ctx)])
        x = z3.Const(f"|v {name} {self.nodes}|", self.sort(sort))
        inner = self.quantifier(kind, rest, body, {**env, name: x})
        return (z3.ForAll if kind == "forall" else z3.Exists)([x], inner)

    # ------------------------------------------------------------ terms
    def at(self, t, sort: str, env: dict):
        """A term at a position of the given sort (ints are read as reals at a real position)."""
        e = self.term(t, env)
        target = self.sort(sort)
        if e.sort() == target:
            return e
        if target == z3.RealSort(self.ctx) and z3.is_int(e):
            return z3.ToReal(e)
        raise Rejected(f"a term of sort {e.sort()} where {sort} is expected")

    def term(self, t, env: dict):
        self.nodes += 1
        match t:
            case S.Var(name):
                if name not in env:
                    raise Rejected(f"free variable {name}")
                return env[name]
            case S.Const(name):
                sort = self.sig.consts.get(name)
                if sort is None:
                    raise Rejected(f"unknown constant {name}")
                self.sort(sort)
                if sort in self.elements:
                    if name not in self.elements[sort]:
                        raise Rejected(f"{name} is not an element of {sort}")
                    return self.elements[sort][name]
                if self.sig.sorts[sort].kind != "open":
                    raise Rejected(f"constant {name} of sort {sort}")
                return z3.Const(f"|c {name}|", self.sorts[sort])
            case S.Num(value):
                if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
                    raise Rejected(f"bad number {value!r}")
                if Fraction(value).denominator == 1:
                    return z3.IntVal(int(value), self.ctx)
                return z3.RealVal(f"{value.numerator}/{value.denominator}", self.ctx)
            case S.Fn(name, args):
                typed = self.sig.funs.get(name)
                if typed is None or len(typed[0]) != len(args):
                    raise Rejected(f"unknown function {name}/{len(args)}")
                f = self.symbol(name, tuple(typed[0]), typed[1])
                return f(*[self.at(a, s, env) for a, s in zip(args, typed[0])]) if args else f()
            case S.Op("-", (arg,)):
                return -_number(self.term(arg, env))
            case S.Op(op, (left, right)):
                a, b = _number(self.term(left, env)), _number(self.term(right, env))
                if op == "/":
                    a, b = _real(a), _real(b)
                    return z3.If(b == 0, z3.RealVal(0, self.ctx), a / b)
                if a.sort() != b.sort():
                    a, b = _real(a), _real(b)
                if op == "+":
                    return a + b
                if op == "-":
                    return a - b
                if op == "*":
                    return a * b
        raise Rejected(f"not a term: {type(t).__name__}")


def _number(e):
    if not z3.is_arith(e):
        raise Rejected("arithmetic on a non-number")
    return e


def _real(e):
    return z3.ToReal(e) if z3.is_int(e) else e


def satisfiable(sig: Signature, formulas: list, timeout_ms: int) -> Outcome:
    """Is the conjunction of the (closed) formulas satisfiable in the language's semantics?"""
    w = Writer(sig)
    try:
        written = [w.formula(f, {}) for f in formulas]
    except TooBig:
        return Outcome("unknown", f"over {MAX_NODES:,} nodes once finite sorts are expanded")
    solver = z3.Solver(ctx=w.ctx)
    solver.set("timeout", max(1, int(timeout_ms)))
    solver.add(*w.axioms, *written)
    status = str(solver.check())
    return Outcome(status, solver.reason_unknown() if status == "unknown" else "")


def entails(sig: Signature, premises: list, claim, timeout_ms: int = 10_000) -> Outcome:
    """premises ∧ ¬claim: "unsat" means the claim follows."""
    return satisfiable(sig, [*premises, S.Not(claim)], timeout_ms)
