"""An independent oracle for the KB shapes the first oracle (tests/oracle.py) never makes.

It shares no code with the engine. A KB is Python data over ONE sort plus the sort's kind:

  named  `type person.` (or the default `thing`, undeclared): unique names, domain closure;
         the domain is exactly the constants (of the KB and of the query being answered)
  open   `type o open.`: plain first-order; constants may co-denote, unnamed elements exist
  enum   `type color = {red, green, blue}.`: exactly these elements
  range  `type digit = 0..2.`: exactly these integers

Formulas (tuples); terms are strings: constants/numerals (lower case or digits) or variables
(upper case):
    ("atom", p, (t, ...))   ("eq", s, t)   ("ne", s, t)
    ("not", f)  ("and", f, ...)  ("or", f, ...)  ("imp", f, g)  ("iff", f, g)
    ("forall", X, f)  ("exists", X, f)          (X ranges over the one sort)
Statements: ("axiom", f), ("rule", head_atom, (lit, ...)) with lit an atom or ("not", atom),
("closed", (p, ...)).

How models are enumerated. Finite sorts have one domain. For an open sort a structure is a
partition of the constants (which constants co-denote) plus e unnamed elements, e = 0..E;
structures that differ by a renaming of elements are isomorphic, so this lists every finite
model up to isomorphism. For each structure the statements are grounded over its elements
and handed to z3 as a *propositional* problem (one Bool per ground atom; z3 is only a SAT
solver here, the grounding is ours), so entailment = unsat in every structure.

Why finite structures of size <= (#constants + E) are enough (open sort). The generator keeps
quantifiers over the open sort un-nested (every quantified subformula has one bound variable
and no quantifier inside) and there are no function symbols. A boolean combination of such
formulas has an equivalent prenex form  exists* forall*  (the scopes are disjoint, so every
existential can be pulled out before every universal): the Bernays-Schoenfinkel class. Rules
are universal. If KB + not Q has any model M, the substructure of M made of the constants'
denotations and one witness per existential quantifier (E = the number of quantifiers of
existential polarity in the negation normal form of KB + not Q, `existentials` below) is a
model too (universal sentences are preserved under substructures), and it has at most
#blocks + E elements. So enumerating partitions and e = 0..E decides entailment exactly.

Closed predicates (README "Decisions"): `closed p` adds `not p(t)` for every ground atom p(t)
over the named constants that the KB (with the closures settled earlier) does not entail;
closed predicates are settled in the rule graph's dependency order, ties alphabetically. The
named constants are the KB's plus the query's (a query-only constant is a new individual).
For an open sort the unnamed elements are left alone by the closure.
"""
from __future__ import annotations

import itertools

import z3


def is_var(t: str) -> bool:
    return t[:1].isupper() or t[:1] == "_"


# ---------------------------------------------------------------- printing
def show(f) -> str:
    k = f[0]
    if k == "atom":
        return f[1] if not f[2] else f"{f[1]}({', '.join(f[2])})"
    if k == "eq":
        return f"{f[1]} = {f[2]}"
    if k == "ne":
        return f"{f[1]} != {f[2]}"
    if k == "not":
        return f"not {_wrap(f[1])}"
    if k in ("and", "or"):
        return (" & " if k == "and" else " | ").join(_wrap(x) for x in f[1:])
    if k == "imp":
        return f"{_wrap(f[1])} -> {_wrap(f[2])}"
    if k == "iff":
        return f"{_wrap(f[1])} <-> {_wrap(f[2])}"
    if k in ("forall", "exists"):
        return f"{k} {f[1]}{SORT_SUFFIX.get('s', '')}. ({show(f[2])})"
    raise ValueError(f)


SORT_SUFFIX: dict = {}   # set per KB by Sig.printer(): ": o" or "" (default sort)


def _wrap(f) -> str:
    return show(f) if f[0] == "atom" else f"({show(f)})"


def show_statement(s) -> str:
    if s[0] == "axiom":
        return f"({show(s[1])})." if s[1][0] not in ("atom",) else show(s[1]) + "."
    if s[0] == "rule":
        if not s[2]:
            return show(s[1]) + "."
        return f"{show(s[1])} :- {', '.join(show(b) for b in s[2])}."
    if s[0] == "closed":
        return f"closed {', '.join(s[1])}."
    raise ValueError(s)


class Sig:
    """The one sort, its constants and the predicates (name -> arity) over it."""

    def __init__(self, kind: str, consts, preds: dict, name: str | None = None, declare: bool = True,
                 elements=None):
        self.kind, self.preds, self.declare = kind, dict(preds), declare
        self.name = name or {"named": "person", "open": "o", "enum": "color", "range": "digit"}[kind]
        self.consts = list(consts)
        self.elements = list(elements) if elements is not None else None   # enum / range

    def suffix(self) -> str:
        return f": {self.name}" if self.declare or self.kind != "named" else ""

    def header(self) -> str:
        SORT_SUFFIX["s"] = self.suffix()
        if not self.declare:
            return ""
        out = []
        if self.kind == "named":
            out.append(f"type {self.name}.")
        elif self.kind == "open":
            out.append(f"type {self.name} open.")
        elif self.kind == "enum":
            out.append(f"type {self.name} = {{{', '.join(self.elements)}}}.")
        else:
            out.append(f"type {self.name} = {self.elements[0]}..{self.elements[-1]}.")
        if self.kind in ("named", "open") and self.consts:
            out.append(f"const {', '.join(self.consts)} : {self.name}.")
        for p, n in sorted(self.preds.items()):
            out.append(f"pred {p}({', '.join([self.name] * n)})." if n else f"pred {p}.")
        return "\n".join(out)


def show_kb(sig: Sig, statements) -> str:
    head = sig.header()
    body = "\n".join(show_statement(s) for s in statements)
    return (head + "\n" + body) if head else body


# ---------------------------------------------------------------- structure
def consts_of(x, out=None) -> set:
    out = set() if out is None else out
    if isinstance(x, list):
        for s in x:
            consts_of(s, out)
        return out
    k = x[0]
    if k == "atom":
        out.update(a for a in x[2] if not is_var(a))
    elif k in ("eq", "ne"):
        out.update(a for a in x[1:] if not is_var(a))
    elif k in ("not", "axiom"):
        consts_of(x[1], out)
    elif k in ("and", "or", "imp", "iff"):
        for y in x[1:]:
            consts_of(y, out)
    elif k in ("forall", "exists"):
        consts_of(x[2], out)
    elif k == "rule":
        consts_of(x[1], out)
        for b in x[2]:
            consts_of(b, out)
    return out


def free_vars(f, bound=frozenset()) -> set:
    k = f[0]
    if k == "atom":
        return {a for a in f[2] if is_var(a) and a not in bound}
    if k in ("eq", "ne"):
        return {a for a in f[1:] if is_var(a) and a not in bound}
    if k == "not":
        return free_vars(f[1], bound)
    if k in ("and", "or", "imp", "iff"):
        return set().union(*(free_vars(y, bound) for y in f[1:]))
    if k in ("forall", "exists"):
        return free_vars(f[2], bound | {f[1]})
    raise ValueError(f)


def rule_sentence(s):
    """forall vars. body -> head, where each `_` is a fresh variable: universal in a positive
    literal, and bound by `exists` inside the negation in a negated one (`not p(X, _)` reads
    `not exists _1. p(X, _1)`: p(X, y) for no y, as in Prolog's `\\+`)."""
    head, body = s[1], _name_anonymous(s[2])
    f = head if not body else ("imp", body[0] if len(body) == 1 else ("and",) + tuple(body), head)
    for v in sorted(free_vars(f), reverse=True):
        f = ("forall", v, f)
    return f


def _name_anonymous(body) -> tuple:
    fresh, out = (f"_{k}" for k in itertools.count(1)), []
    for lit in body:
        atom = lit[1] if lit[0] == "not" else lit
        names = [next(fresh) if a == "_" else None for a in atom[2]]
        atom = ("atom", atom[1], tuple(n or a for n, a in zip(names, atom[2])))
        if lit[0] == "not":
            inner = atom
            for n in reversed([n for n in names if n]):
                inner = ("exists", n, inner)
            out.append(("not", inner))
        else:
            out.append(atom)
    return tuple(out)


def sentences(statements):
    return [s[1] if s[0] == "axiom" else rule_sentence(s) for s in statements if s[0] in ("axiom", "rule")]


def existentials(f, positive=True) -> int:
    """Quantifiers of existential polarity in the negation normal form of f (iff: both)."""
    k = f[0]
    if k in ("atom", "eq", "ne"):
        return 0
    if k == "not":
        return existentials(f[1], not positive)
    if k in ("and", "or"):
        return sum(existentials(y, positive) for y in f[1:])
    if k == "imp":
        return existentials(f[1], not positive) + existentials(f[2], positive)
    if k == "iff":
        return (existentials(f[1], True) + existentials(f[1], False)
                + existentials(f[2], True) + existentials(f[2], False))
    if k in ("forall", "exists"):
        mine = 1 if (k == "exists") == positive else 0
        return mine + existentials(f[2], positive)
    raise ValueError(f)


def nested_quantifier(f, inside=False) -> bool:
    k = f[0]
    if k in ("atom", "eq", "ne"):
        return False
    if k in ("forall", "exists"):
        return inside or nested_quantifier(f[2], True)
    return any(nested_quantifier(y, inside) for y in f[1:] if isinstance(y, tuple))


def rule_graph(statements) -> dict:
    g: dict = {}
    for s in statements:
        if s[0] == "rule":
            e = g.setdefault(s[1][1], set())
            for b in s[2]:
                e.add((b[1][1], True) if b[0] == "not" else (b[1], False))
    return g


def reach(g, p) -> set:
    seen, stack = {p}, [p]
    while stack:
        for q, _ in g.get(stack.pop(), ()):
            if q not in seen:
                seen.add(q)
                stack.append(q)
    return seen


def closure_order(statements):
    """(order, problem): problem is 'E017' (a cycle through negation between closed predicates)
    or None. The order settles, one at a time, the smallest name whose every dependency is
    settled already or depends on it in turn (members of a positive cycle by name)."""
    closed = sorted({p for s in statements if s[0] == "closed" for p in s[1]})
    g = rule_graph(statements)
    r = {p: reach(g, p) for p in closed}
    for head, edges in g.items():
        for q, neg in edges:
            if neg and head in closed and q in closed and head in reach(g, q):
                return closed, "E017"
    order, left = [], list(closed)
    while left:   # dependencies first, ties alphabetically
        ready = [p for p in left if not any(q in r[p] and p not in r[q] for q in left if q != p)]
        order.append(ready[0])
        left.remove(ready[0])
    return order, None


def partitions(items):
    """Set partitions of a list, as maps item -> block index (canonical)."""
    items = list(items)
    if not items:
        yield {}
        return

    def go(i, m, nblocks):
        if i == len(items):
            yield dict(m)
            return
        for b in range(nblocks + 1):
            m[items[i]] = b
            yield from go(i + 1, m, max(nblocks, b + 1))
        del m[items[i]]
    yield from go(0, {}, 0)


class Structure:
    """One domain with an interpretation of the constants; atoms are z3 Bools (SAT only)."""

    def __init__(self, elements, cmap):
        self.elements, self.cmap = list(elements), dict(cmap)
        self.vars: dict = {}

    def atom(self, p, args):
        key = (p, args)
        if key not in self.vars:
            self.vars[key] = z3.Bool(f"{p}({','.join(map(str, args))})")
        return self.vars[key]

    def val(self, t, env):
        return env[t] if is_var(t) else self.cmap[t]

    def ground(self, f, env=None):
        env = env or {}
        k = f[0]
        if k == "atom":
            return self.atom(f[1], tuple(self.val(a, env) for a in f[2]))
        if k == "eq":
            return z3.BoolVal(self.val(f[1], env) == self.val(f[2], env))
        if k == "ne":
            return z3.BoolVal(self.val(f[1], env) != self.val(f[2], env))
        if k == "not":
            return z3.Not(self.ground(f[1], env))
        if k == "and":
            return z3.And([self.ground(y, env) for y in f[1:]])
        if k == "or":
            return z3.Or([self.ground(y, env) for y in f[1:]])
        if k == "imp":
            return z3.Implies(self.ground(f[1], env), self.ground(f[2], env))
        if k == "iff":
            return self.ground(f[1], env) == self.ground(f[2], env)
        parts = [self.ground(f[2], {**env, f[1]: e}) for e in self.elements]
        if k == "forall":
            return z3.And(parts) if parts else z3.BoolVal(True)
        return z3.Or(parts) if parts else z3.BoolVal(False)


class Oracle:
    """Verdicts for one KB, over a signature extended by the constants of the queries."""

    def __init__(self, sig: Sig, statements, extra_consts=(), extra_existentials: int = 0):
        self.sig, self.statements = sig, list(statements)
        self.consts = sorted(set(sig.consts) | consts_of(self.statements) | set(extra_consts))
        self.order, self.problem = closure_order(self.statements)
        sents = sentences(self.statements)
        if sig.kind == "open":
            assert not any(st[0] == "rule" and any(l[0] == "not" and "_" in l[1][2] for l in st[2])
                           for st in self.statements), "open sort: `_` under `not` nests a quantifier"
            axioms = [st[1] for st in self.statements if st[0] == "axiom"]
            assert not any(nested_quantifier(f) for f in axioms), "open sort: nested quantifiers"
            e = sum(existentials(f) for f in sents) + extra_existentials
            self.structures = [Structure(list(range(max(m.values(), default=-1) + 1 + x)), m)
                               for m in partitions(self.consts) for x in range(e + 1)
                               if max(m.values(), default=-1) + 1 + x > 0]
        else:
            if sig.kind == "named":
                elems = self.consts
            else:
                elems = list(sig.elements)
                assert set(self.consts) <= set(elems), "a constant outside the finite sort"
            self.structures = [Structure(elems, {c: c for c in elems})]
        self.solvers = []
        for s in self.structures:
            sv = z3.Solver()
            for f in sents:
                sv.add(s.ground(f))
            self.solvers.append(sv)
        self.closure_literals = []
        if self.problem is None:
            for p in self.order:
                n = sig.preds.get(p)
                if n is None:
                    continue
                new = [("not", ("atom", p, args)) for args in itertools.product(self.consts, repeat=n)
                       if not self.entails(("atom", p, args))]
                for lit in new:
                    for s, sv in zip(self.structures, self.solvers):
                        sv.add(s.ground(lit))
                self.closure_literals += new
        self.consistent = self.problem is None and any(sv.check() == z3.sat for sv in self.solvers)

    def satisfiable(self, f) -> bool:
        for s, sv in zip(self.structures, self.solvers):
            sv.push()
            sv.add(s.ground(f))
            r = sv.check()
            sv.pop()
            if r == z3.sat:
                return True
            assert r == z3.unsat, "propositional z3 gave up"
        return False

    def entails(self, f) -> bool:
        return not self.satisfiable(("not", f))

    def verdict(self, f) -> str:
        if self.entails(f):
            return "true"
        if self.entails(("not", f)):
            return "false"
        return "unknown"
