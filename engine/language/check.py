"""Static checks: sorts (declared and inferred), arities, rule safety, and
stratification of closed predicates. Every problem becomes a Diagnostic; all of
them are collected before anything is raised.

The result of a successful check is a `Signature` and, for every logical
statement, its *sentence*: the closed formula it stands for, with every
quantified variable annotated with its sort.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import modal
from . import syntax as S
from ..errors import Diagnostic, Span, TypeCheckError, warning
from .graph import path as graph_path
from .safety import unbound
from .signature import BUILTIN_SORTS, Signature, Sort
from .terms import free_vars
from . import walks

NUM, REAL = "#num", "#real"   # the sorts of numeric literals before resolution


class _Classes:
    """Union-find over sort slots; each class may carry a concrete sort and where it was fixed."""

    def __init__(self):
        self.parent: dict = {}
        self.sort: dict = {}
        self.where: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def fix(self, x, sort: str, span):
        return self.union(x, ("sort", sort, span), span, sort)

    def union(self, a, b, span, sort_b=None):
        """Merge; return None or a (sort_a, where_a, sort_b) triple describing a clash."""
        ra, rb = self.find(a), self.find(b)
        if sort_b is not None:
            self.sort.setdefault(rb, sort_b)
            self.where.setdefault(rb, span)
        if ra == rb:
            return None
        sa, sb = self.sort.get(ra), self.sort.get(rb)
        merged = _merge(sa, sb)
        if merged is False:
            return (sa, self.where.get(ra), sb, self.where.get(rb))
        self.parent[ra] = rb
        if merged is not None:
            self.sort[rb] = merged
            self.where[rb] = self.where.get(rb) or self.where.get(ra)
        return None

    def resolved(self, x) -> str | None:
        return self.sort.get(self.find(x))


def _merge(a, b):
    if a is None or a == b:
        return b if a is None else a
    if b is None:
        return a
    pair = {a, b}
    if NUM in pair:
        other = (pair - {NUM}).pop()
        return other if other not in ("thing",) and (other in ("int", "real", REAL) or other.startswith("@")) else False
    if REAL in pair:
        return "real" if "real" in pair else False
    return False


@dataclass(frozen=True)
class Checked:
    statement: object
    sentence: object | None   # closed typed formula for Axiom and Rule, else None


def check(statements: list, base: Signature, sources: dict | None = None) -> tuple[Signature, list[Checked]]:
    """Check `statements` against everything in `base`; return the new signature and sentences."""
    return _Checker(base, sources or {}).run(statements)


class _Checker:
    def __init__(self, base: Signature, sources: dict):
        self.base = base
        self.sources = sources
        self.diags: list[Diagnostic] = []
        self.uf = _Classes()
        self.arith: list = []           # (result slot, operand slots) of every arithmetic term
        self.sorts = dict(base.sorts)
        for name in BUILTIN_SORTS:
            self.sorts.setdefault(name, Sort(name, "closed" if name == "thing" else name))
        self.range_sorts = {n for n, s in self.sorts.items() if s.kind == "range"}
        self.arity: dict = {}
        self.closed = set(base.closed)
        self.fun_arity: dict = {}
        self.const_where: dict = {}
        self.literals: list = []        # (argument slot, number) of every number written as an argument

    def error(self, code, message, span, help=None):
        d = Diagnostic(code, message, span, help)
        if d not in self.diags:         # one report per position, however often inference meets it
            self.diags.append(d)

    # ------------------------------------------------------------ driver
    def run(self, statements):
        statements = nullary_terms(statements, self.nullary(statements))
        self.seed_from_base()
        for st in statements:
            self.declare(st)
        for i, st in enumerate(statements):
            self.infer_statement(i, st)
        self.widen_reals()
        for st in statements:
            self.check_statement(st)
        signature = self.signature()
        self.check_constants(statements)
        self.check_ranges()
        self.check_strata(statements, signature)
        if self.diags:
            raise TypeCheckError(self.diags, self.sources)
        checked = [Checked(st, self.sentence(i, st, signature)) for i, st in enumerate(statements)]
        for c in checked:
            self.check_order(c.sentence, signature, {})
        if self.diags:
            raise TypeCheckError(self.diags, self.sources)
        return signature, checked

    def nullary(self, statements) -> set:
        """The names that are 0-ary functions: declared `fun n -> s.`, or constants declared of
        a numeric sort (`const x : int.`: an unknown number, not an individual)."""
        ranges = set(self.range_sorts) | {st.name for st in statements
                                          if isinstance(st, S.TypeDecl) and st.kind == "range"}
        out = {f for f, (args, _) in self.base.funs.items() if not args}
        for st in statements:
            if isinstance(st, S.FunDecl) and not st.args:
                out.add(st.name)
            elif isinstance(st, S.ConstDecl) and (st.sort in ("int", "real") or st.sort in ranges):
                out.update(st.names)
        return out

    def seed_from_base(self, only: set | None = None):
        """Fix the sorts the base signature already knows (only those of `only`, when given)."""
        b = self.base
        pick = (lambda table: table.items()) if only is None else (
            lambda table: ((k, table[k]) for k in only if k in table))
        for p, sorts in pick(b.preds):
            self.arity[p] = (len(sorts), None)
            for i, s in enumerate(sorts):
                self.uf.fix(("p", p, i), self.sort_token(s), None)
        for f, (args, res) in pick(b.funs):
            self.fun_arity[f] = (len(args), None)
            for i, s in enumerate(args):
                self.uf.fix(("f", f, i), self.sort_token(s), None)
            self.uf.fix(("f", f, "->"), self.sort_token(res), None)
        for c, s in pick(b.consts):
            self.uf.fix(("c", c), s, None)

    def sort_token(self, name: str) -> str:
        return "@" + name if name in self.range_sorts else name

    # ------------------------------------------------------------ declarations
    def declare(self, st):
        match st:
            case S.TypeDecl(name, kind, elements, lo, hi):
                old = self.sorts.get(name)
                new = Sort(name, kind, tuple(range(lo, hi + 1)) if kind == "range" else tuple(elements))
                if name in BUILTIN_SORTS or (old and (old.kind, old.elements if kind != "closed" else ()) !=
                                             (new.kind, new.elements if kind != "closed" else ())):
                    self.error("E016", f"sort '{name}' is already defined differently", st.span,
                               "each sort is declared once; use another name")
                    return
                self.sorts[name] = new if not old else old
                if kind == "range":
                    self.range_sorts.add(name)
                for e in new.elements if kind == "enum" else ():
                    self.fix_slot(("c", e), name, st.span)
            case S.PredDecl(name, sorts):
                self.use_arity(self.arity, name, len(sorts), st.span, "predicate")
                for i, s in enumerate(sorts):
                    if self.known_sort(s, st.span):
                        self.fix_slot(("p", name, i), s, st.span)
            case S.FunDecl(name, args, result):
                self.use_arity(self.fun_arity, name, len(args), st.span, "function")
                for i, s in enumerate(args):
                    if self.known_sort(s, st.span):
                        self.fix_slot(("f", name, i), s, st.span)
                if self.known_sort(result, st.span):
                    self.fix_slot(("f", name, "->"), result, st.span)
            case S.ConstDecl(names, sort):
                if self.known_sort(sort, st.span):
                    numeric = sort in ("int", "real") or sort in self.range_sorts
                    for c in names:
                        if numeric:             # a named number: a 0-ary function (see `nullary`)
                            self.use_arity(self.fun_arity, c, 0, st.span, "function")
                            self.fix_slot(("f", c, "->"), sort, st.span)
                        else:
                            self.fix_slot(("c", c), sort, st.span)
            case S.ClosedDecl(preds):
                self.closed.update(preds)

    def known_sort(self, name: str, span) -> bool:
        if name in self.sorts:
            return True
        self.error("E014", f"unknown sort '{name}'", span, f"declare it first, e.g. `type {name}.`")
        return False

    def use_arity(self, table, name, n, span, what):
        old = table.get(name)
        if old is None:
            table[name] = (n, span)
        elif old[0] != n:
            where = f" (first used with {old[0]} at {old[1]})" if old[1] else f" (it has {old[0]})"
            self.error("E011", f"{what} '{name}' used with {n} argument(s){where}", span,
                       f"a {what} has one arity; use another name for the other one")

    def fix_slot(self, slot, sort: str, span):
        clash = self.uf.fix(slot, self.sort_token(sort), span)
        if clash:
            self.report_clash(slot, clash, span)

    def unify(self, a, b, span):
        clash = self.uf.union(a, b, span)
        if clash:
            self.report_clash(a, clash, span)

    def report_clash(self, slot, clash, span):
        sa, wa, sb, wb = clash
        other = wa if wa and wa != span else wb
        at = f" (the other use is at {other})" if other and other != span else ""
        self.error("E013", f"sort mismatch: {_describe(slot)} is used as {_pretty(sa)} and as {_pretty(sb)}{at}",
                   span, "declare the sorts (pred/fun/const) or rename one of the symbols")

    # ------------------------------------------------------------ inference
    def infer_statement(self, i, st):
        match st:
            case S.Rule(head, body):
                self.infer_formula(i, head, {})
                for b in body:
                    self.infer_formula(i, b, {})
            case S.Axiom(f) | S.Query(f):
                self.infer_formula(i, f, {})

    def infer_formula(self, i, f, scope):
        match f:
            case S.Atom(pred, args):
                self.use_arity(self.arity, pred, len(args), f.span, "predicate")
                for k, a in enumerate(args):
                    self.unify(self.infer_term(i, a, scope), ("p", pred, k), a.span or f.span)
                    if isinstance(a, S.Num):
                        self.literals.append((("p", pred, k), a))
                if modal.is_modal(pred):        # a belief literal: its content's arguments are
                    self.infer_belief(pred, args, f.span)    # those of the inner predicate
            case S.Cmp(_, left, right):
                l, r = self.infer_term(i, left, scope), self.infer_term(i, right, scope)
                self.unify(l, r, f.span)
            case S.Not(body):
                self.infer_formula(i, body, scope)
            case S.And(items) | S.Or(items):
                for x in items:
                    self.infer_formula(i, x, scope)
            case S.Implies(l, r) | S.Iff(l, r):
                self.infer_formula(i, l, scope)
                self.infer_formula(i, r, scope)
            case S.Quant(_, vars_, body):
                inner = dict(scope)
                for name, sort in vars_:
                    slot = ("q", i, id(f), name)
                    inner[name] = slot
                    if sort is not None and self.known_sort(sort, f.span):
                        self.fix_slot(slot, sort, f.span)
                self.infer_formula(i, body, inner)

    def infer_belief(self, pred, args, span):
        negs, inner = modal.decode(pred)
        self.use_arity(self.arity, inner, len(args) - len(negs), span, "predicate")
        for k in range(len(negs), len(args)):
            self.unify(("p", pred, k), ("p", inner, k - len(negs)), args[k].span or span)

    def infer_term(self, i, t, scope):
        match t:
            case S.Var("_"):      # each anonymous `_` is a variable of its own (its own sort)
                return ("_", i, id(t))
            case S.Var(name):
                return scope.get(name, ("v", i, name))
            case S.Const(name):
                self.const_where.setdefault(name, t.span)
                return ("c", name)
            case S.Num(value):
                slot = ("n", id(t))
                self.uf.fix(slot, NUM if int(value) == value else REAL, t.span)
                return slot
            case S.Fn(name, args):
                self.use_arity(self.fun_arity, name, len(args), t.span, "function")
                for k, a in enumerate(args):
                    self.unify(self.infer_term(i, a, scope), ("f", name, k), a.span or t.span)
                    if isinstance(a, S.Num):
                        self.literals.append((("f", name, k), a))
                return ("f", name, "->")
            case S.Op(_, args):
                # The result of arithmetic is a number of its own: int (real when an operand is
                # real), never the operands' range sort (`digit + digit` may exceed 9).
                slot = ("o", id(t))
                self.uf.fix(slot, NUM, t.span)
                operands = []
                for a in args:
                    operand = self.infer_term(i, a, scope)
                    self.unify(operand, self.numeric_slot(a), a.span or t.span)
                    operands.append(operand)
                self.arith.append((slot, operands))
                return slot
        raise AssertionError(t)

    def numeric_slot(self, t):
        slot = ("on", id(t))
        self.uf.fix(slot, NUM, t.span)
        return slot

    def widen_reals(self):
        """An arithmetic result with a real operand is real (to a fixpoint, for nested terms)."""
        changed = True
        while changed:
            changed = False
            for slot, operands in self.arith:
                if self.uf.resolved(slot) == NUM and any(
                        self.uf.resolved(o) in (REAL, "real") for o in operands):
                    self.uf.fix(slot, REAL, None)
                    changed = True

    # ------------------------------------------------------------ after inference
    def resolve(self, slot) -> str:
        s = self.uf.resolved(slot)
        if s is None:
            return "thing"
        if s == NUM:
            return "int"
        if s == REAL:
            return "real"
        return s[1:] if s.startswith("@") else s

    def check_statement(self, st):
        match st:
            case S.Rule(head, body):
                self.check_numeric(head)
                for b in body:
                    self.check_numeric(b)
                missing = sorted(unbound([free_vars(b) for b in body], free_vars(head)))
                if missing:
                    self.error("E012", f"unsafe rule: variable {', '.join(missing)} of the head does not occur in the body",
                               head.span or st.span,
                               f"to state it for every value, write a formula: forall {', '.join(missing)}. (body -> head)")
            case S.Axiom(f) | S.Query(f):
                self.check_numeric(f)

    def check_constants(self, statements):
        """A named constant denotes an individual, never a number; an enum sort has exactly its
        declared elements (a constant used at an enum position must be one of them)."""
        for slot in list(self.uf.parent):
            if slot[0] != "c":
                continue
            resolved = self.uf.resolved(slot)
            where = self.const_where.get(slot[1]) or self.uf.where.get(self.uf.find(slot))
            if resolved in (NUM, REAL, "int", "real"):
                self.error("E013", f"sort mismatch: constant '{slot[1]}' is used as a number", where,
                           f"an undeclared name denotes an individual; for a named unknown number "
                           f"declare it: `const {slot[1]} : int.` (or real)")
                continue
            info = self.sorts.get(resolved) if resolved else None
            if info is not None and info.kind == "enum" and slot[1] not in info.elements:
                shown = ", ".join(info.elements)
                self.error("E013", f"sort mismatch: '{slot[1]}' is not an element of the enum sort "
                                   f"{resolved} = {{{shown}}}", where,
                           f"use one of {shown}, or add '{slot[1]}' to the declaration of {resolved}")

    def check_ranges(self):
        """A number written as an argument of a range sort lies in the range (`p(7)` with
        `pred p(digit)` and `type digit = 0..2` names no digit)."""
        for slot, num in self.literals:
            sort = self.resolve(slot)
            info = self.sorts.get(sort)
            if info is not None and info.kind == "range" and num.value not in info.elements:
                lo, hi = info.elements[0], info.elements[-1]
                self.error("E013", f"sort mismatch: {num.value} is not in the range sort {sort} = {lo}..{hi}",
                           num.span, f"{_describe(slot)} takes a {sort}: a whole number from {lo} to {hi}")

    def check_numeric(self, f):
        for cmp in walks.comparisons(f):
            if cmp.op in ("<", "<=", ">", ">=") and not self.is_numeric_term(cmp.left):
                self.error("E013", f"comparison {cmp.op} needs numbers", cmp.span,
                           "order comparisons work on int, real and range sorts")

    def check_order(self, f, sig, env: dict) -> None:
        """Both sides of an order comparison (`<`, `<=`, `>`, `>=`) are numbers: a variable by the
        sort its quantifier gives it, a constant or a function by its sort (E013)."""
        match f:
            case S.Quant(_, vars_, body):
                self.check_order(body, sig, {**env, **dict(vars_)})
            case S.Not() | S.And() | S.Or() | S.Implies() | S.Iff():
                for x in S.children(f):
                    self.check_order(x, sig, env)
            case S.Cmp(op, l, r) if op in ("<", "<=", ">", ">="):
                for t in (l, r):
                    sort = _term_sort(t, sig, env)
                    if sort is not None and not sig.is_numeric(sort) and sort not in ("int", "real"):
                        self.error("E013", f"comparison {op} needs numbers: {S.show_term(t)} is of sort {sort}",
                                   f.span, "order comparisons work on int, real and range sorts")
                        return

    def is_numeric_term(self, t) -> bool:
        if isinstance(t, (S.Num, S.Op)):
            return True
        return True if isinstance(t, S.Var) else self.sig_numeric(t)

    def sig_numeric(self, t) -> bool:
        if isinstance(t, S.Fn):
            s = self.resolve(("f", t.name, "->"))
        elif isinstance(t, S.Const):
            s = self.resolve(("c", t.name))
        else:
            return True
        return s in ("int", "real") or s in self.range_sorts

    def signature(self) -> Signature:
        preds = {p: tuple(self.resolve(("p", p, k)) for k in range(n)) for p, (n, _) in self.arity.items()}
        funs = {f: (tuple(self.resolve(("f", f, k)) for k in range(n)), self.resolve(("f", f, "->")))
                for f, (n, _) in self.fun_arity.items()}
        consts = {slot[1]: self.resolve(slot) for slot in list(self.uf.parent) if slot[0] == "c"}
        sorts = dict(self.sorts)
        for name, sort in sorts.items():
            if sort.kind == "closed":
                sorts[name] = Sort(name, "closed", tuple(sorted(c for c, s in consts.items() if s == name)))
        preds = modal.related(preds, closed="believes" in self.closed)
        closed = set(self.closed)
        if "believes" in closed:        # `closed believes.`: every belief predicate (engine/language/modal.py),
            closed.update(p for p in preds if modal.is_modal(p))
        return Signature(sorts, preds, funs, consts, frozenset(closed))

    def check_strata(self, statements, signature):
        rules = [st for st in statements if isinstance(st, S.Rule)]
        if not rules:
            return
        graph: dict = {}
        for r in rules:
            for b in r.body:
                neg = isinstance(b, S.Not) and isinstance(b.body, S.Atom)
                for p in walks.preds(b):
                    graph.setdefault(r.head.pred, set()).add((p, neg, r.span))
        succ = {head: {p for p, _, _ in edges} for head, edges in graph.items()}
        for head, edges in graph.items():
            for p, neg, span in edges:
                if neg and p in signature.closed and head in signature.closed:
                    path = graph_path(succ, p, head)
                    if path is not None:
                        cycle = " -> ".join([head, p] + path[1:])
                        self.error("E017", f"cycle through negation between closed predicates: {cycle}", span,
                                   "a closed predicate cannot depend on its own negation; open one of them or break the cycle")

    # ------------------------------------------------------------ sentences
    def sentence(self, i, st, signature):
        match st:
            case S.Axiom(f):
                return self.close(i, self.annotate(i, f))
            case S.Rule(head, body):
                body, anonymous = walks.name_anonymous(body, free_vars(st), signature)
                body_f = body[0] if len(body) == 1 else S.And(tuple(body))
                return self.close(i, self.annotate(i, S.Implies(body_f, head)), anonymous)
            case S.Query(f):
                return self.annotate(i, f)
        return None

    def close(self, i, f, known: dict | None = None):
        names = sorted(free_vars(f))
        if not names:
            return f
        known = known or {}
        return S.Quant("forall", tuple((n, known.get(n) or self.resolve(("v", i, n))) for n in names), f)

    def annotate(self, i, f):
        """Fill in the sort of every quantified variable."""
        match f:
            case S.Quant(kind, vars_, body):
                typed = tuple((n, s or self.resolve(("q", i, id(f), n))) for n, s in vars_)
                return S.Quant(kind, typed, self.annotate(i, body), f.span)
            case S.Not(body):
                return S.Not(self.annotate(i, body), f.span)
            case S.And(items):
                return S.And(tuple(self.annotate(i, x) for x in items), f.span)
            case S.Or(items):
                return S.Or(tuple(self.annotate(i, x) for x in items), f.span)
            case S.Implies(l, r):
                return S.Implies(self.annotate(i, l), self.annotate(i, r), f.span)
            case S.Iff(l, r):
                return S.Iff(self.annotate(i, l), self.annotate(i, r), f.span)
        return f

    def query_var_sorts(self, i, f) -> dict:
        return {n: self.resolve(("v", i, n)) for n in free_vars(f)}


def check_query(formula, signature: Signature, sources: dict | None = None):
    """Check a query; return (typed formula, {free variable: sort})."""
    checker = _Checker(signature, sources or {})
    formula = nullary_terms([formula], checker.nullary([]))[0]
    names = walks.names(formula)
    checker.seed_from_base(names)
    query = S.Query(formula, formula.span)
    checker.infer_statement(0, query)
    checker.widen_reals()
    if not checker.diags:
        checker.check_statement(query)
        checker.check_ranges()
    if checker.diags:
        raise TypeCheckError(checker.diags, sources or {})
    known = all(n in signature.preds or n in signature.funs or n in signature.consts for n in names)
    if known:   # nothing new: the KB's own signature, without rebuilding it
        return _ordered(checker, checker.annotate(0, formula), checker.query_var_sorts(0, formula), signature,
                        sources)
    checker = _Checker(signature, sources or {})
    checker.seed_from_base()
    checker.infer_statement(0, query)
    checker.widen_reals()
    checker.check_constants([query])
    checker.check_ranges()
    extended = checker.signature()
    for name in sorted(set(extended.consts) - set(signature.consts)):
        sort = extended.consts[name]
        info = extended.sorts.get(sort)
        if info is not None and info.kind == "closed":
            named = ", ".join(signature.constants_of(sort)) or "none yet"
            near = similar_name(name, set(signature.constants_of(sort)))
            checker.error("E015", f"'{name}' is not an individual of the knowledge base: sort {sort} holds "
                                  f"exactly its named individuals ({named})", checker.const_where.get(name),
                          (f"did you mean '{near}'? otherwise " if near else "") +
                          f"tell a fact about {name} first (or `const {name} : {sort}.`)" +
                          (f", or declare `type {sort} open.` for a sort with unnamed individuals"
                           if sort != "thing" else ""))
    if checker.diags:
        raise TypeCheckError(checker.diags, sources or {})
    return _ordered(checker, checker.annotate(0, formula), checker.query_var_sorts(0, formula), extended, sources)


def _ordered(checker, typed, var_sorts: dict, sig, sources):
    """The checked query, once its order comparisons are known to compare numbers (E013)."""
    checker.check_order(typed, sig, var_sorts)
    if checker.diags:
        raise TypeCheckError(checker.diags, sources or {})
    return typed, var_sorts, sig










def _describe(slot) -> str:
    match slot:
        case ("c", name):
            return f"constant '{name}'"
        case ("p", name, k):
            return f"argument {k + 1} of '{name}'"
        case ("f", name, k):
            return f"the value of '{name}'" if k == "->" else f"argument {k + 1} of '{name}'"
        case ("v", _, name) | ("q", _, _, name):
            return f"variable {name}"
        case ("_", _, _):
            return "variable _"
    return "this term"


def _pretty(sort) -> str:
    if sort is None:
        return "?"
    return {NUM: "a number", REAL: "a real number"}.get(sort, sort[1:] if sort.startswith("@") else sort)


def nullary_terms(nodes: list, names: set) -> list:
    """The statements (or formulas) with each constant of `names` read as the 0-ary function
    term `name()`: `x + y = 10` with `const x, y : int.` is about two unknown numbers."""
    if not names:
        return list(nodes)

    def term(t):
        match t:
            case S.Const(name) if name in names:
                return S.Fn(name, (), t.span)
            case S.Fn(name, args):
                return S.Fn(name, tuple(map(term, args)), t.span)
            case S.Op(op, args):
                return S.Op(op, tuple(map(term, args)), t.span)
        return t

    def formula(f):
        match f:
            case S.Atom(pred, args):
                return S.Atom(pred, tuple(map(term, args)), f.span)
            case S.Cmp(op, l, r):
                return S.Cmp(op, term(l), term(r), f.span)
            case S.Not(body):
                return S.Not(formula(body), f.span)
            case S.And(items):
                return S.And(tuple(map(formula, items)), f.span)
            case S.Or(items):
                return S.Or(tuple(map(formula, items)), f.span)
            case S.Implies(l, r):
                return S.Implies(formula(l), formula(r), f.span)
            case S.Iff(l, r):
                return S.Iff(formula(l), formula(r), f.span)
            case S.Quant(kind, vars_, body):
                return S.Quant(kind, vars_, formula(body), f.span)
            case S.Axiom(body):
                return S.Axiom(formula(body), f.span)
            case S.Query(body):
                return S.Query(formula(body), f.span)
            case S.Rule(head, body):
                return S.Rule(formula(head), tuple(map(formula, body)), f.span)
        return f

    return [formula(n) for n in nodes]


# ---------------------------------------------------------------- warnings: likely typos
# A misspelt name is not an error in an open world: `parnet(ann, joe).` tells a fact about a
# new predicate, and `?- ancestor(tom, jim).` with no `ancestor` anywhere is unknown. As
# SWI-Prolog and clingo do, these get warnings: W001 a query names a predicate or function
# that no statement mentions; W002 a name occurs once in the KB, in this tell, while a name one
# edit away (insert, delete, replace or swap two neighbours) was known before it; W003 a query
# names a constant the KB does not know while a similar one exists. Warnings never change an
# answer and never refuse a tell.
SIMILAR_MIN = 3        # shorter names (a, b, p, q) are too often one edit apart on purpose


SIMILAR_CHECKS = 500   # singleton names looked at per tell (a bulk load of unique names is not typing)
_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def similar_name(name: str, known) -> str | None:
    """A name in `known` (anything with `in`) one edit away from `name` (insert, delete or
    replace a character, or swap two neighbours), not differing only in digits (x1, x2); the
    first in sorted order, or None. Costs one lookup per edit, whatever the size of `known`."""
    if len(name) < SIMILAR_MIN:
        return None
    letters = _ALPHABET | set(name)
    edits = set()
    for k in range(len(name) + 1):
        a, b = name[:k], name[k:]
        if b:
            edits.add(a + b[1:])
        if len(b) > 1:
            edits.add(a + b[1] + b[0] + b[2:])
        for c in letters:
            edits.add(a + c + b)
            if b:
                edits.add(a + c + b[1:])
    edits.discard(name)
    bare = _DIGITS.sub("", name)
    near = sorted(e for e in edits if len(e) >= SIMILAR_MIN and e in known and _DIGITS.sub("", e) != bare)
    return near[0] if near else None


_DIGITS = re.compile(r"[0-9]+")


def _occurrences(node, out: list) -> None:
    """(kind, name, span) of every predicate, function and constant a statement names."""
    if S.plain_fact(node):       # most of a large KB: the same, without the match
        atom = node.formula
        if not modal.is_modal(atom.pred):
            out.append(("predicate", atom.pred, atom.span))
        out.extend(("constant", a.name, a.span) for a in atom.args if type(a) is S.Const)
        return
    match node:
        case S.Atom(name, args):
            if not modal.is_modal(name):      # a belief literal: no name of its own to lint
                out.append(("predicate", name, node.span))
            for a in args:
                _occurrences(a, out)
        case S.Fn(name, args):
            out.append(("function", name, node.span))
            for a in args:
                _occurrences(a, out)
        case S.Const(name):
            out.append(("constant", name, node.span))
        case S.Op(_, args):
            for a in args:
                _occurrences(a, out)
        case S.Cmp(_, l, r) | S.Implies(l, r) | S.Iff(l, r):
            _occurrences(l, out)
            _occurrences(r, out)
        case S.Not(body) | S.Quant(_, _, body) | S.Axiom(body) | S.Query(body):
            _occurrences(body, out)
        case S.And(items) | S.Or(items):
            for x in items:
                _occurrences(x, out)
        case S.Rule(head, body):
            _occurrences(head, out)
            for b in body:
                _occurrences(b, out)
        case S.PredDecl(name) | S.FunDecl(name):
            out.append(("predicate" if isinstance(node, S.PredDecl) else "function", name, node.span))
        case S.ConstDecl(names):
            out.extend(("constant", n, node.span) for n in names)
        case S.ClosedDecl(names):
            out.extend(("predicate", n, node.span) for n in names)
        case S.TypeDecl(_, "enum", elements):
            out.extend(("constant", n, node.span) for n in elements)


_DECLARATIONS = (S.PredDecl, S.FunDecl, S.ConstDecl, S.ClosedDecl, S.TypeDecl)


def _name_span(span, name: str):
    """The span of a name at the start of `span` (an atom's predicate, a function's name)."""
    if span is None:
        return None
    return Span(span.file, span.line, span.col, span.line, span.col + len(S.show_name(name)))


def tell_warnings(told: list, before: Signature, after: Signature) -> list[Diagnostic]:
    """W002 for each predicate, function or constant of the statements `told` that the KB did
    not know before (`before`), occurs once in them and is one edit away from a name of the same
    kind that was known before it (in `after`, and not first met later in `told`)."""
    found: list = []
    causal = (S.Query, S.CausalQuery, S.CauseQuery, S.VarDecl, S.GraphDecl, S.Equation)
    for st in told:
        if S.plain_fact(st) or not isinstance(st, causal) and not any(isinstance(n, S.Prob) for n in S.nodes(st)):
            here: list = []
            _occurrences(st, here)
            found += [(*x, isinstance(st, _DECLARATIONS)) for x in here]
    counts: dict = {}
    first: dict = {}
    for i, (kind, name, _, _) in enumerate(found):
        counts[(kind, name)] = counts.get((kind, name), 0) + 1
        first.setdefault((kind, name), i)
    old = (before.preds, before.funs, before.consts)
    tables = {"predicate": after.preds, "function": after.funs, "constant": after.consts}
    out, checks = [], 0
    for i, (kind, name, span, declared) in enumerate(found):
        if counts[(kind, name)] != 1 or declared or any(name in t for t in old):   # a declaration is deliberate
            continue
        checks += 1
        if checks > SIMILAR_CHECKS:
            break
        near = similar_name(name, _KnownBefore(tables[kind], first, kind, i))
        if near is not None:
            out.append(warning(
                "W002", f"{kind} '{S.show_name(name)}' occurs only here; did you mean '{S.show_name(near)}'?",
                _name_span(span, name) if kind != "constant" else span,
                f"a misspelt name is a new {kind}, and the statement is told about it; "
                f"if '{S.show_name(name)}' is meant, ignore this warning"))
    return out


class _KnownBefore:
    """The names of a signature table that were known before occurrence `i` of a tell."""

    def __init__(self, table, first: dict, kind: str, i: int):
        self.table, self.first, self.kind, self.i = table, first, kind, i

    def __contains__(self, name) -> bool:
        return name in self.table and self.first.get((self.kind, name), -1) < self.i


def query_warnings(formula, signature: Signature) -> list[Diagnostic]:
    """W001 for a predicate or function of the query that no statement mentions, W003 for a
    constant the KB does not know while a similar one exists (constants of a sort of named
    individuals are E015 in `check_query`)."""
    found: list = []
    _occurrences(formula, found)
    out, done = [], set()
    for kind, name, span in found:
        if (kind, name) in done:
            continue
        done.add((kind, name))
        table = {"predicate": signature.preds, "function": signature.funs, "constant": signature.consts}[kind]
        if name in table:
            continue
        near = similar_name(name, table)
        shown = S.show_name(name)
        if kind != "constant":
            out.append(warning(
                "W001", f"{kind} '{shown}' occurs nowhere in the knowledge base", _name_span(span, name),
                f"did you mean '{S.show_name(near)}'?" if near else
                f"nothing is known about {shown}: in the open world a query about it is unknown"))
        elif near is not None:
            out.append(warning("W003", f"constant '{shown}' occurs nowhere in the knowledge base; "
                                       f"did you mean '{S.show_name(near)}'?", span,
                               "a constant the knowledge base does not name is an unknown individual"))
    return out


def _term_sort(t, sig, env: dict):
    """The sort of a term in a typed sentence (None for numbers, arithmetic and unknown names)."""
    match t:
        case S.Var(name):
            return env.get(name)
        case S.Const(name):
            return sig.consts.get(name)
        case S.Fn(name, _):
            return sig.funs[name][1] if name in sig.funs else None
    return None
