"""Variables, substitution and renaming over syntax terms and formulas."""
from __future__ import annotations

from . import syntax as S


def free_vars(node) -> set:
    """Free variables of a term, formula or rule (quantifiers bind)."""
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
    raise TypeError(f"free_vars: {node!r}")


def value_term(v) -> S.Const | S.Num:
    """A ground value (str constant, int or Fraction number) as a syntax term."""
    return S.Const(v) if isinstance(v, str) else S.Num(v)


def show_ground_atom(pred: str, values: tuple, texts: dict) -> str:
    """`show_atom` of pred(values) for ground values; `texts` keeps the text of each value
    and (under the key `(pred,)`) of each predicate."""
    name = texts.get((pred,))
    if name is None:
        name = texts[(pred,)] = S.show_name(pred)
    if not values:
        return name
    get = texts.get
    return f"{name}({', '.join([get(v) or show_value(v, texts) for v in values])})"


def show_value(v, texts: dict) -> str:
    """`show_term` of a ground value, kept in `texts`."""
    text = texts.get(v)
    if text is None:      # S.show_term(value_term(v)), without building the term
        text = texts[v] = S.show_name(v) if type(v) is str else S.show_number(v)
    return text


def term_value(t):
    """The ground value of a Const or Num term, else None."""
    if isinstance(t, S.Const):
        return t.name
    if isinstance(t, S.Num):
        return t.value
    return None


_LEAVES = (S.Const, S.Num)


def substitute(node, sub: dict):
    """Replace free variables by terms (sub maps names to terms); quantifiers shadow."""
    match node:
        case S.Var(name):
            return sub.get(name, node)
        case S.Const() | S.Num():
            return node
        case S.Fn(name, args):
            return S.Fn(name, tuple(substitute(a, sub) for a in args), node.span)
        case S.Op(op, args):
            return S.Op(op, tuple(substitute(a, sub) for a in args), node.span)
        case S.Atom(pred, args):
            return S.Atom(pred, tuple(sub.get(a.name, a) if type(a) is S.Var else
                                      a if type(a) in _LEAVES else substitute(a, sub) for a in args), node.span)
        case S.Cmp(op, l, r):
            return S.Cmp(op, substitute(l, sub), substitute(r, sub), node.span)
        case S.Not(body):
            return S.Not(substitute(body, sub), node.span)
        case S.And(items):
            return S.And(tuple(substitute(x, sub) for x in items), node.span)
        case S.Or(items):
            return S.Or(tuple(substitute(x, sub) for x in items), node.span)
        case S.Implies(l, r):
            return S.Implies(substitute(l, sub), substitute(r, sub), node.span)
        case S.Iff(l, r):
            return S.Iff(substitute(l, sub), substitute(r, sub), node.span)
        case S.Quant(kind, vars_, body):
            inner = {k: v for k, v in sub.items() if k not in {n for n, _ in vars_}}
            return S.Quant(kind, vars_, substitute(body, inner), node.span)
    raise TypeError(f"substitute: {node!r}")


def canonical(f):
    """Rename bound variables to V0, V1, ... in order of binding, for comparison up to renaming."""
    return _canon(f, {}, [0])


def _canon(node, ren, counter):
    match node:
        case S.Quant(kind, vars_, body):
            inner = dict(ren)
            new_vars = []
            for n, s in vars_:
                inner[n] = S.Var(f"V{counter[0]}")
                new_vars.append((f"V{counter[0]}", s))
                counter[0] += 1
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
