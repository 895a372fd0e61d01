"""Which statements the forward chainer takes, and as what: ground facts, and definite rules
(negation only as a body test) that are range-restricted and free of function symbols."""
from __future__ import annotations

from ..language import syntax as S
from .core import HornRule, Program
from .compile import HornError
from ..language.safety import unbound
from ..language.terms import free_vars, term_value


def ground_fact(st):
    if isinstance(st, S.Axiom) and isinstance(st.formula, S.Atom):
        values = tuple(term_value(a) for a in st.formula.args)
        if all(v is not None for v in values):
            return st.formula.pred, values
    return None


def simple_args(args) -> bool:
    return all(isinstance(a, (S.Var, S.Const, S.Num)) for a in args)


def no_functions(t) -> bool:
    match t:
        case S.Fn():
            return False
        case S.Op(_, args):
            return all(map(no_functions, args))
    return True


def stratified(rules: list) -> bool:
    try:
        Program(rules)
    except HornError:
        return False
    return True


def horn_shape(rule: S.Rule) -> bool:
    """Definite clause, no function symbols, range-restricted."""
    if not simple_args(rule.head.args):
        return False
    bound: set = set()
    tests = []
    for b in rule.body:
        match b:
            case S.Atom(_, args) if simple_args(args):
                bound |= free_vars(b)
            case S.Not(S.Atom(_, args)) if simple_args(args):
                tests.append(b)
            case S.Cmp(_, l, r) if no_functions(l) and no_functions(r):
                tests.append(b)
            case _:
                return False
    assignments = [(a.name if isinstance(a, S.Var) else None, free_vars(other))
                   for t in tests if isinstance(t, S.Cmp) and t.op == "="
                   for a, other in ((t.left, t.right), (t.right, t.left))]
    needed = free_vars(rule.head).union(*(free_vars(t) for t in tests)) if tests else free_vars(rule.head)
    return not unbound([bound], needed, assignments)


def negated(rule: S.Rule):
    return [b.body.pred for b in rule.body if isinstance(b, S.Not)]


def horn_rule(rule: S.Rule, index: int) -> HornRule:
    body = []
    for b in rule.body:
        match b:
            case S.Atom(pred, args):
                body.append(("pos", pred, args))
            case S.Not(S.Atom(pred, args)):
                body.append(("neg", pred, args))
            case S.Cmp(op, l, r):
                body.append(("cmp", op, l, r))
    return HornRule((rule.head.pred, rule.head.args), tuple(body), index)
