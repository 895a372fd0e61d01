"""The only module that talks to z3: translation of typed sentences, satisfiability
checks with tracked premises, unsat cores, models, and time budgets.

Quantifiers over finite sorts (named individuals, enums, ranges) are expanded, so
z3 sees a ground problem and decides it completely; quantifiers over open sorts,
`int` and `real` stay quantifiers. Each `Problem` owns a fresh z3 context: nothing
is shared between problems and there is no global state.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import z3

from ..language import syntax as S
from ..language.signature import Signature
from .text import NoText, SmtText
from ..language.terms import show_ground_atom


class Budget(Exception):
    """A grounding or time budget was exhausted: the caller answers `unknown (resource limit)`."""


@dataclass
class Outcome:
    status: str                 # "sat" | "unsat" | "unknown"
    core: tuple = ()            # keys of the tracked premises in a (minimised) unsat core
    model: object = None        # z3 model when sat
    reason: str = ""


class Problem(SmtText):
    """A set of tracked sentences over one signature, ready for satisfiability checks.

    z3 names: predicates `p:name`, functions `f:name`, constants of open sorts `c:name`,
    elements of named sorts `sort!name`, trackers `t!n`, open-query unknowns `?X`; a user's
    name (any text, when quoted) never meets one of ours."""

    def __init__(self, signature: Signature, timeout_ms: int = 5000, max_instances: int = 200_000):
        self.sig = signature
        self.ctx = z3.Context()
        self.timeout_ms = timeout_ms
        self.max_instances = max_instances
        self.instances = 0
        self.sorts: dict = {}
        self.elements: dict = {}
        self.symbols: dict = {}
        self.atoms: dict = {}              # printed ground atom -> (pred, values, z3 expr)
        self.solver = z3.Solver(ctx=self.ctx)
        self.solver.set("timeout", int(timeout_ms))
        self.solver.set("core.minimize", True)
        self.trackers: dict = {}           # z3 tracker name -> key
        self.bounded: set = set()          # function values of range sorts, already bounded
        self.ranged: set = set()           # functions whose range axiom is asserted
        self.smt_atoms: dict = {}          # printed ground atom -> its SMT-LIB text (text path)
        self.aliases: dict = {}            # z3 declaration id -> SMT-LIB name in our texts
        self.decls: dict = {}              # that name -> the z3 constant or function
        self.shown: dict = {}              # ground value or (pred,) -> printed text
        self.value_texts: dict = {}        # (value, sort, type) -> its SMT-LIB text
        self._assumed = None               # the trackers as a z3 array, for checks
        self.closed_done: set = set()      # atoms whose closed-world literal was considered
        self.closing: set = set()          # atoms put in only for their closed-world literal
        self._base = None                  # the state `reset` returns to (see `mark`)

    # ------------------------------------------------------------ sorts and symbols
    def sort(self, name: str):
        if name not in self.sorts:
            info = self.sig.sorts.get(name)
            kind = info.kind if info else "closed"
            if kind in ("int", "range"):
                self.sorts[name] = z3.IntSort(self.ctx)
            elif kind == "real":
                self.sorts[name] = z3.RealSort(self.ctx)
            elif kind == "open":
                self.sorts[name] = z3.DeclareSort(name, self.ctx)
            else:
                names = list(info.elements) if info and info.elements else []
                if names:
                    srt, consts = z3.EnumSort(f"{name}", [f"{name}!{e}" for e in names], ctx=self.ctx)
                    self.elements.update({(name, e): c for e, c in zip(names, consts)})
                else:  # an empty sort: only reachable through symbols that are never instantiated
                    srt = z3.DeclareSort(name, self.ctx)
                self.sorts[name] = srt
        return self.sorts[name]

    def constant(self, name: str):
        sort = self.sig.consts.get(name, "thing")
        srt = self.sort(sort)
        key = (sort, name)
        if key not in self.elements:
            self.elements[key] = z3.Const(f"c:{name}", srt)
        return self.elements[key]

    def value(self, v, sort_hint: str | None = None):
        if isinstance(v, str):
            return self.constant(v)
        if isinstance(v, Fraction) and v.denominator != 1:
            return z3.RealVal(f"{v.numerator}/{v.denominator}", self.ctx)
        if sort_hint == "real":
            return z3.RealVal(int(v), self.ctx)
        return z3.IntVal(int(v), self.ctx)

    def predicate(self, name: str):
        key = ("p", name)
        if key not in self.symbols:
            sorts = self.sig.preds.get(name, ())
            self.symbols[key] = z3.Function(f"p:{name}", *[self.sort(s) for s in sorts], z3.BoolSort(self.ctx)) \
                if sorts else z3.Bool(f"p:{name}", self.ctx)
        return self.symbols[key]

    def function(self, name: str):
        key = ("f", name)
        if key not in self.symbols:
            args, result = self.sig.funs[name]
            self.symbols[key] = z3.Function(f"f:{name}", *[self.sort(s) for s in args], self.sort(result)) \
                if args else z3.Const(f"f:{name}", self.sort(result))
        return self.symbols[key]

    def range_axiom(self, name: str):
        """∀x. lo <= f(x) <= hi for a function into a range sort, once, and only when f is
        applied to a quantified variable (ground applications are bounded one by one, which
        keeps ground problems free of quantifiers)."""
        args, result = self.sig.funs[name]
        info = self.sig.sorts.get(result)
        if name in self.ranged or not args or info is None or info.kind != "range" or not info.elements:
            return
        self.ranged.add(name)
        xs = [z3.Const(f"{name}!arg{k}", self.sort(s)) for k, s in enumerate(args)]
        value = self.function(name)(*xs)
        self.solver.add(z3.ForAll(xs, z3.And(value >= info.elements[0], value <= info.elements[-1])))

    # ------------------------------------------------------------ translation
    def formula(self, f, env: dict | None = None):
        """Translate a typed formula; env maps variable names to (z3 term, ground value or None)."""
        env = env or {}
        match f:
            case S.Atom(pred, args):
                return self.atom(pred, args, env)
            case S.Cmp(op, left, right):
                return _compare(op, *_numeric_pair(self.term(left, env), self.term(right, env)))
            case S.Not(body):
                return z3.Not(self.formula(body, env))
            case S.And(items):
                return z3.And([self.formula(x, env) for x in items]) if items else z3.BoolVal(True, self.ctx)
            case S.Or(items):
                return z3.Or([self.formula(x, env) for x in items]) if items else z3.BoolVal(False, self.ctx)
            case S.Implies(l, r):
                return z3.Implies(self.formula(l, env), self.formula(r, env))
            case S.Iff(l, r):
                return self.formula(l, env) == self.formula(r, env)
            case S.Quant(kind, vars_, body):
                return self.quantifier(kind, vars_, body, env)
        raise TypeError(f"cannot translate {f!r}")

    def quantifier(self, kind, vars_, body, env):
        (name, sort), rest = vars_[0], vars_[1:]
        inner = S.Quant(kind, rest, body) if rest else body
        domain = self._expansion(sort)
        if domain is None:
            v = z3.Const(name, self.sort(sort))
            sub = self.formula(inner, {**env, name: (v, None)})
            return z3.ForAll([v], sub) if kind == "forall" else z3.Exists([v], sub)
        parts = [self.formula(inner, {**env, name: (self.value(e, sort), e)}) for e in domain]
        if kind == "forall":
            return z3.And(parts) if parts else z3.BoolVal(True, self.ctx)
        return z3.Or(parts) if parts else z3.BoolVal(False, self.ctx)

    def _expansion(self, sort: str):
        """The elements a quantifier over `sort` expands to (None: it stays a quantifier),
        counted against the grounding budget."""
        domain = self.sig.domain(sort)
        if domain is not None:
            self.instances += len(domain)
            if self.instances > self.max_instances:
                raise Budget(f"grounding exceeded {self.max_instances} instances")
        return domain

    def atom(self, pred, args, env):
        fn = self.predicate(pred)
        if not args:
            expr = fn
        else:
            sorts = self.sig.preds.get(pred, ())
            expr = fn(*[self.term(a, env, s) for a, s in zip(args, sorts)])
        values = tuple(_ground_value(a, env) for a in args)
        if all(v is not None for v in values):
            self.atoms.setdefault(show_ground_atom(pred, values, self.shown), (pred, values, expr))
        return expr

    def term(self, t, env, sort_hint: str | None = None):
        match t:
            case S.Var(name):
                return env[name][0]
            case S.Const(name):
                return self.constant(name)
            case S.Num(value):
                return self.value(value, sort_hint)
            case S.Fn(name, args):
                fn = self.function(name)
                value = fn(*[self.term(a, env, s) for a, s in zip(args, self.sig.funs[name][0])]) if args else fn
                if any(_ground_value(a, env) is None for a in args):
                    self.range_axiom(name)
                self.bound(value, self.sig.funs[name][1])
                return value
            case S.Op("-", (arg,)):
                return -self.term(arg, env, sort_hint)
            case S.Op(op, (left, right)):
                a, b = _numeric_pair(self.term(left, env, sort_hint), self.term(right, env, sort_hint))
                match op:
                    case "+":
                        return a + b
                    case "-":
                        return a - b
                    case "*":
                        return a * b
                a, b = _to_real(a), _to_real(b)    # x / 0 = 0, as the Horn core and the kernel read it
                return z3.If(b == 0, z3.RealVal(0, self.ctx), a / b)
        raise TypeError(f"cannot translate term {t!r}")

    def bound(self, value, sort: str):
        """A function value of a range sort lies in its range (part of the signature, not a premise)."""
        info = self.sig.sorts.get(sort)
        if info is not None and info.kind == "range" and info.elements and value.get_id() not in self.bounded:
            self.bounded.add(value.get_id())
            self.solver.add(value >= info.elements[0], value <= info.elements[-1])

    def atom_expr(self, text: str):
        """The z3 expression of a ground atom recorded in `atoms`."""
        return self.atom_exprs([text])[0]

    def atom_exprs(self, texts: list) -> list:
        """The z3 expressions of ground atoms recorded in `atoms`; those that reached z3 as
        SMT-LIB text are read back from their texts, all in one parse."""
        missing = [t for t in dict.fromkeys(texts) if self.atoms[t][2] is None]
        if missing:
            parsed = z3.parse_smt2_string("\n".join(f"(assert {self.smt_atoms[t]})" for t in missing),
                                          decls=self.decls, ctx=self.ctx)
            for t, expr in zip(missing, parsed):
                pred, values, _ = self.atoms[t]
                self.atoms[t] = (pred, values, expr)
        return [self.atoms[t][2] for t in texts]

    # ------------------------------------------------------------ SMT-LIB text, in bulk
    def assert_tracked_many(self, items) -> None:
        """Assert tracked (key, formula, ground substitution or None) items: the same
        assertions as `assert_tracked(key, formula(f, env))`, but written as one SMT-LIB text
        that z3 parses in one call. Building z3 terms through the Python API costs ~20 µs a
        node, more than solving a grounded problem; a text costs a few. A formula the text
        does not cover (functions, arithmetic, quantifiers over open or infinite sorts, `<`
        on constants) goes through the API."""
        texts, api = [], []
        for key, body, sub in items:
            counted = self.instances
            try:
                texts.append((key, self._text(body, sub or {}), (body, sub)))
            except NoText:
                self.instances = counted
                api.append((key, body, sub))
        if not self._assert_texts([(key, text) for key, text, _ in texts]):
            api.extend((key, body, sub) for key, _, (body, sub) in texts)
        for key, body, sub in api:
            self.assert_tracked(key, self.formula(body, sub and {n: (self.value(v), v) for n, v in sub.items()}))

    def assert_negated_atoms(self, items) -> None:
        """Assert tracked (key, printed ground atom) items: the atom is false."""
        texts = [(key, f"(not {self.smt_atoms[text]})") for key, text in items if text in self.smt_atoms]
        api = [(key, text) for key, text in items if text not in self.smt_atoms]
        if not self._assert_texts(texts):
            api = list(items)
        for key, text in api:
            self.assert_tracked(key, z3.Not(self.atom_expr(text)))

    def _assert_texts(self, items: list) -> bool:
        """Assert tracked (key, SMT-LIB formula) items in one parse; False (nothing asserted)
        if z3 does not accept the text, so that the caller can take the API instead."""
        if not items:
            return True
        start = len(self.trackers)
        names = [f"t!{start + k}" for k in range(len(items))]
        text = "".join(f"(declare-const {n} Bool)" for n in names) + \
            "(assert (and " + " ".join(f"(=> {n} {t})" for n, (_, t) in zip(names, items)) + "))"
        try:
            parsed = z3.parse_smt2_string(text, decls=self.decls, ctx=self.ctx)
        except z3.Z3Exception:
            return False
        boolean = z3.BoolSort(self.ctx).ast
        for name, (key, _) in zip(names, items):    # z3.Bool(name) without its per-call checks
            ast = z3.Z3_mk_const(self.ctx.ref(), z3.to_symbol(name, self.ctx), boolean)
            self.trackers[name] = (key, z3.BoolRef(ast, self.ctx))
        self.solver.add(*parsed)
        return True

    def _alias(self, expr) -> str:
        """A plain SMT-LIB name standing for a z3 constant or function in our texts."""
        decl = expr if isinstance(expr, z3.FuncDeclRef) else expr.decl()
        key = decl.get_id()
        if key not in self.aliases:
            self.aliases[key] = f"s!{len(self.aliases)}"
            self.decls[self.aliases[key]] = expr
        return self.aliases[key]

    # ------------------------------------------------------------ assertions and checks
    def set_timeout(self, timeout_ms: int) -> None:
        """The budget of each later check."""
        if timeout_ms != self.timeout_ms:
            self.timeout_ms = timeout_ms
            self.solver.set("timeout", int(timeout_ms))

    def mark(self) -> None:
        """Remember the present state as the base that `reset` returns to (a z3 scope)."""
        self.solver.push()
        self._base = (len(self.trackers), len(self.atoms), set(self.closed_done), set(self.closing),
                      set(self.bounded), set(self.ranged), self.instances)

    def touched(self) -> bool:
        """Whether anything was asserted or recorded since `mark`."""
        base = self._base
        return base is not None and (len(self.trackers) != base[0] or len(self.atoms) != base[1]
                                     or len(self.bounded) != len(base[4]) or len(self.ranged) != len(base[5]))

    def reset(self) -> None:
        """Drop everything asserted or recorded since `mark`: the problem the KB alone gave."""
        count, atoms, closed_done, closing, bounded, ranged, instances = self._base
        self.solver.pop()
        self.solver.push()
        for name in list(itertools.islice(self.trackers, count, None)):
            del self.trackers[name]
        for text in list(itertools.islice(self.atoms, atoms, None)):
            del self.atoms[text]
        self.closed_done, self.closing = set(closed_done), set(closing)
        self.bounded, self.ranged, self.instances = set(bounded), set(ranged), instances
        self._assumed = None

    def assert_tracked(self, key, expr):
        name = f"t!{len(self.trackers)}"
        tracker = z3.Bool(name, self.ctx)
        self.trackers[name] = (key, tracker)
        self.solver.add(z3.Implies(tracker, expr))

    def assert_plain(self, expr):
        self.solver.add(expr)

    def check(self, extra=None, want_core: bool = True) -> Outcome:
        self.solver.push()
        try:
            if extra is not None:
                self.solver.add(extra)
            result = self._check_trackers()
            if result == z3.sat:
                return Outcome("sat", model=self.solver.model())
            if result == z3.unknown:
                return Outcome("unknown", reason=_reason(self.solver.reason_unknown()))
            core = [self.trackers[str(c)][0] for c in self.solver.unsat_core()] if want_core else []
            return Outcome("unsat", core=tuple(core))
        finally:
            self.solver.pop()

    def _check_trackers(self):
        """solver.check(*trackers), with the trackers' array kept between checks (z3's
        Python check re-casts every assumption on every call)."""
        if self._assumed is None or len(self._assumed) != len(self.trackers):
            self._assumed = (z3.Ast * len(self.trackers))(*(tr.as_ast() for _, tr in self.trackers.values()))
        return z3.CheckSatResult(z3.Z3_solver_check_assumptions(
            self.ctx.ref(), self.solver.solver, len(self._assumed), self._assumed))

    def negate(self, expr):
        return z3.Not(expr)

    def conjoin(self, exprs):
        return z3.And(list(exprs)) if exprs else z3.BoolVal(True, self.ctx)

    def unknowns(self, var_sorts: dict) -> dict:
        """Fresh z3 constants for the free variables of an open query: name -> (const, None)."""
        return {n: (z3.Const(f"?{n}", self.sort(s)), None) for n, s in var_sorts.items()}

    def differs(self, consts: dict, values: dict):
        """Block one binding: some variable takes another value."""
        return z3.Or([consts[n][0] != self.value(v, "real" if z3.is_real(consts[n][0]) else None)
                      for n, v in values.items()])

    def model_value(self, model, expr):
        """A number (int or Fraction) for an arithmetic term in a model, else None."""
        val = model.eval(expr, model_completion=True)
        if z3.is_int_value(val):
            return val.as_long()
        if z3.is_rational_value(val):
            frac = Fraction(val.numerator_as_long(), val.denominator_as_long())
            return frac.numerator if frac.denominator == 1 else frac
        return None

    def holds_in(self, model, expr) -> bool | None:
        val = model.eval(expr, model_completion=True)
        return True if z3.is_true(val) else False if z3.is_false(val) else None


def _reason(text: str) -> str:
    return "resource limit" if ("timeout" in text or "canceled" in text or "resource" in text) else f"solver: {text}"


def _ground_value(t, env):
    match t:
        case S.Const(name):
            return name
        case S.Num(value):
            return value
        case S.Var(name):
            return env.get(name, (None, None))[1]
    return None


def _to_real(x):
    return z3.ToReal(x) if z3.is_int(x) else x


def _numeric_pair(a, b):
    if z3.is_arith(a) and z3.is_arith(b) and (z3.is_real(a) != z3.is_real(b)):
        return _to_real(a), _to_real(b)
    return a, b


def _compare(op, a, b):
    if a.sort() != b.sort():     # e.g. a constant against a number: never equal
        return z3.BoolVal(op == "!=", a.ctx)
    return {"=": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b, "<=": lambda: a <= b,
            ">": lambda: a > b, ">=": lambda: a >= b}[op]()


def entails(signature: Signature, premises: list, claim, timeout_ms: int = 5000) -> Outcome:
    """Is premises ∧ ¬claim unsatisfiable? Used by the kernel for `smt` steps: "unsat" means yes."""
    problem = Problem(signature, timeout_ms)
    try:
        for i, p in enumerate(premises):
            problem.assert_plain(problem.formula(p))
        negated = z3.Not(problem.formula(claim))
    except Budget as e:
        return Outcome("unknown", reason=f"resource limit: {e}")
    return problem.check(negated, want_core=False)
