"""Ground values, substitution, free variables and renaming of bound variables, for the kernel.

Duplicated on purpose from engine/language/terms.py: the kernel shares no code with the search, so a
bug there cannot make the kernel accept a step. Only ground values are ever substituted
(rule substitutions, smt instances), so no substitution can capture a variable.
"""
from __future__ import annotations

from fractions import Fraction

from ..language import syntax as S


class Rejected(Exception):
    """A step does not follow."""


class Unconfirmed(Rejected):
    """z3 could not settle the step within the budget."""


def in_order(proof):
    """The proof's steps, each with its data (a dict), once each is known to cite only earlier
    steps; Rejected for an empty proof or a step that cites a later one."""
    steps = list(getattr(proof, "steps", ()))
    if not steps:
        raise Rejected("empty proof")
    seen: set = set()
    for step in steps:
        if step.id in seen or any(p not in seen for p in step.premises):
            raise Rejected(f"step {step.id}: premises must be earlier steps")
        seen.add(step.id)
        yield step, step.data or {}


def checked(kind: str, run, *args):
    """run(*args) as a kernel check of a `kind` proof: Rejected becomes ProofError E050 "rejected",
    any other failure (a bad value, overflow, recursion) E050 "cannot be checked"."""
    from ..errors import Diagnostic, ProofError
    try:
        return run(*args)
    except Rejected as e:
        raise ProofError([Diagnostic("E050", f"(kernel) {kind} proof rejected: {e}")]) from None
    except ProofError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:
        raise ProofError([Diagnostic("E050", f"(kernel) {kind} proof cannot be checked ({type(e).__name__}: {e})")]) from None


def is_value(v) -> bool:
    """A ground value: a constant's name (str), an int or a Fraction (never a bool)."""
    return type(v) is str or type(v) is int or type(v) is Fraction


def as_term(v):
    """A ground value as a term."""
    if type(v) is str:
        return S.Const(v)
    if type(v) is int or type(v) is Fraction:
        return S.Num(v)
    raise Rejected(f"{v!r} is not a ground value")


def free_vars(node) -> set:
    """Free variables of a term, formula or rule (`_` is none: it is anonymous)."""
    match node:
        case S.Var(name):
            return set() if name == "_" else {name}
        case S.Const() | S.Num():
            return set()
        case S.Fn(_, args) | S.Op(_, args) | S.Atom(_, args):
            return set().union(*map(free_vars, args)) if args else set()
        case S.Cmp(_, l, r) | S.Implies(l, r) | S.Iff(l, r):
            return free_vars(l) | free_vars(r)
        case S.Not(body):
            return free_vars(body)
        case S.And(items) | S.Or(items):
            return set().union(*map(free_vars, items)) if items else set()
        case S.Quant(_, vars_, body):
            return free_vars(body) - {n for n, _ in vars_}
        case S.Rule(head, body):
            return free_vars(head).union(*map(free_vars, body))
    raise Rejected(f"not a formula or term: {type(node).__name__}")


def var_names(node) -> set:
    """Every variable name in a literal (an atom, a comparison or a negated atom), `_` included."""
    match node:
        case S.Var(name):
            return {name}
        case S.Op(_, args) | S.Atom(_, args) | S.Fn(_, args):
            return set().union(*map(var_names, args)) if args else set()
        case S.Cmp(_, l, r):
            return var_names(l) | var_names(r)
        case S.Not(body):
            return var_names(body)
    return set()


def substitute(node, sub: dict):
    """Replace free variables by ground terms; quantifiers shadow."""
    match node:
        case S.Var(name):
            return sub.get(name, node)
        case S.Const() | S.Num():
            return node
        case S.Fn(name, args):
            return S.Fn(name, tuple(substitute(a, sub) for a in args))
        case S.Op(op, args):
            return S.Op(op, tuple(substitute(a, sub) for a in args))
        case S.Atom(pred, args):
            return S.Atom(pred, tuple(substitute(a, sub) for a in args))
        case S.Cmp(op, l, r):
            return S.Cmp(op, substitute(l, sub), substitute(r, sub))
        case S.Not(body):
            return S.Not(substitute(body, sub))
        case S.And(items):
            return S.And(tuple(substitute(x, sub) for x in items))
        case S.Or(items):
            return S.Or(tuple(substitute(x, sub) for x in items))
        case S.Implies(l, r):
            return S.Implies(substitute(l, sub), substitute(r, sub))
        case S.Iff(l, r):
            return S.Iff(substitute(l, sub), substitute(r, sub))
        case S.Quant(kind, vars_, body):
            bound = {n for n, _ in vars_}
            return S.Quant(kind, vars_, substitute(body, {k: v for k, v in sub.items() if k not in bound}))
    raise Rejected(f"not a formula or term: {type(node).__name__}")


def alpha_equal(a, b) -> bool:
    """Equal up to the names of bound variables (quantified variables renamed by position)."""
    return a == b or _canon(a, {}, [0]) == _canon(b, {}, [0])


def _canon(node, ren, counter):
    match node:
        case S.Quant(kind, vars_, body):
            inner, new_vars = dict(ren), []
            for n, s in vars_:
                fresh = f"#{counter[0]}"        # no variable of the language is spelled so
                counter[0] += 1
                inner[n] = S.Var(fresh)
                new_vars.append((fresh, s))
            return S.Quant(kind, tuple(new_vars), _canon(body, inner, counter))
        case S.Not(body):
            return S.Not(_canon(body, ren, counter))
        case S.And(items):
            return S.And(tuple(_canon(x, ren, counter) for x in items))
        case S.Or(items):
            return S.Or(tuple(_canon(x, ren, counter) for x in items))
        case S.Implies(l, r):
            return S.Implies(_canon(l, ren, counter), _canon(r, ren, counter))
        case S.Iff(l, r):
            return S.Iff(_canon(l, ren, counter), _canon(r, ren, counter))
    return substitute(node, ren)


def predicates(node, out: set | None = None) -> set:
    """The predicate names a formula or rule mentions."""
    out = set() if out is None else out
    match node:
        case S.Atom(pred, _):
            out.add(pred)
        case S.Not(body) | S.Quant(_, _, body):
            predicates(body, out)
        case S.And(items) | S.Or(items):
            for x in items:
                predicates(x, out)
        case S.Implies(l, r) | S.Iff(l, r):
            predicates(l, out)
            predicates(r, out)
        case S.Rule(head, body):
            predicates(head, out)
            for x in body:
                predicates(x, out)
    return out


def rejecting(function):
    """A decorator: malformed plain data given to a kernel function (wrong shapes, unhashable
    values) raises Rejected, never another error."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Rejected:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            raise Rejected(f"malformed input to {function.__name__}: {exc!r}") from None
    return wrapper
