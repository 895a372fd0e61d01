"""A KB's causal statements read into a causal program: variables with finite domains,
structural equations, declared edges, and the stated probabilities.

    var a, b : s.        endogenous variables; s is `bool` (false, true), an enum type or a range
    exo u : s.           exogenous variables
    graph a -> b, a <-> c.   declared edges (`<->`: an unobserved common cause)
    b := formula/term.   b's structural equation; its parents are the variables it names
    P(e1, ... | c1, ...) = number.   a stated probability (events and conditions are assignments)

An assignment is `x` (x = true), `not x` (x = false) or `x = v`. Every problem is a
TypeCheckError E060 (model) or E061 (probability) at the statement, raised before the KB
changes. Values: bool variables take False / True, enum variables their element names, range
variables ints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..errors import Diagnostic, TypeCheckError
from ..language import syntax as S
from .graph import ADMG, CycleError

BOOL = (False, True)
_TRUTH = {"true": True, "false": False}


def is_causal(st) -> bool:
    """A causal statement (stored apart from the logic theory)."""
    if isinstance(st, (S.VarDecl, S.GraphDecl, S.Equation)):
        return True
    return isinstance(st, S.Axiom) and isinstance(st.formula, S.Cmp) and isinstance(st.formula.left, S.Prob)


@dataclass(frozen=True)
class Fact:
    """P(event | given) = value, from the statement at `source`."""
    event: tuple            # ((var, value), ...) sorted
    given: tuple
    value: Fraction
    source: str
    statement: object = field(compare=False, default=None)


class CausalError(Exception):
    def __init__(self, code, message, span=None, hint=None):
        super().__init__(message)
        self.diagnostic = Diagnostic(code, message, span, hint)


class CausalProgram:
    """The causal part of a KB, checked. `statements` keeps (statement, source) in order."""

    def __init__(self, statements, signature, source_of):
        self.statements = [(st, source_of(st)) for st in statements]
        self.domains: dict = {}
        self.exogenous: set = set()
        self.equations: dict = {}       # var -> (rhs, parents)
        self.declared: list = []        # (a, kind, b)
        self.facts: list[Fact] = []
        errors = []
        for st in statements:
            try:
                if isinstance(st, S.VarDecl):
                    self._declare(st, signature)
            except CausalError as e:
                errors.append(e.diagnostic)
        for st in statements:
            try:
                if isinstance(st, S.GraphDecl):
                    self._edges(st)
                elif isinstance(st, S.Equation):
                    self._equation(st)
                elif isinstance(st, S.Axiom):
                    self._fact(st, source_of(st))
            except CausalError as e:
                errors.append(e.diagnostic)
        if not errors:
            try:
                self.graph = self._graph()
            except CausalError as e:
                errors.append(e.diagnostic)
        if errors:
            raise TypeCheckError(errors)

    # ------------------------------------------------------------ reading
    def _declare(self, st: S.VarDecl, signature):
        domain = domain_of(st.sort, signature)
        if domain is None:
            raise CausalError("E060", f"the sort of a causal variable must be bool, an enum type or a range; "
                                      f"'{st.sort}' is not", st.span,
                              "declare it first, e.g. `type level = {low, high}.` or `type n = 0..3.`")
        for name in st.names:
            if name in self.domains:
                raise CausalError("E060", f"causal variable '{name}' is declared twice", st.span)
            self.domains[name] = domain
            if st.exogenous:
                self.exogenous.add(name)

    def _known(self, name, span):
        if name not in self.domains:
            raise CausalError("E060", f"'{name}' is not a declared causal variable", span,
                              f"declare it: `var {name} : bool.`")

    def _edges(self, st: S.GraphDecl):
        for a, kind, b in st.edges:
            self._known(a, st.span)
            self._known(b, st.span)
            if a == b:
                raise CausalError("E060", f"an edge from '{a}' to itself", st.span)
            self.declared.append((a, kind, b))

    def _equation(self, st: S.Equation):
        self._known(st.var, st.span)
        if st.var in self.exogenous:
            raise CausalError("E060", f"'{st.var}' is exogenous: it has no equation", st.span,
                              "declare it with `var` to give it one")
        if st.var in self.equations:
            raise CausalError("E060", f"'{st.var}' has two equations", st.span, "retract one of them")
        parents = []
        for node in S.nodes(st.rhs):
            name = node.pred if isinstance(node, S.Atom) and not node.args else \
                node.name if isinstance(node, S.Const) else None
            if isinstance(node, (S.Var, S.Fn, S.Quant)) or (isinstance(node, S.Atom) and node.args):
                raise CausalError("E060", "an equation's right side names causal variables and values only",
                                  st.span, "no variables, functions or predicates with arguments")
            if name is not None and name in self.domains and name not in parents:
                parents.append(name)
            elif name is not None and name not in self.domains and not self._is_value(name):
                raise CausalError("E060", f"'{name}' in the equation of '{st.var}' is neither a causal variable "
                                          "nor a value", st.span, f"declare it: `var {name} : bool.`")
        if st.var in parents:
            raise CausalError("E060", f"the equation of '{st.var}' mentions '{st.var}' itself", st.span)
        self.equations[st.var] = (st.rhs, tuple(parents))

    def _is_value(self, name) -> bool:
        return name in _TRUTH or any(name in d for d in self.domains.values() if d and isinstance(d[0], str))

    def _fact(self, st: S.Axiom, source: str):
        cmp = st.formula
        prob = cmp.left
        if cmp.op != "=":
            raise CausalError("E061", "a stated probability is an equation P(...) = number", st.span)
        if prob.under is not None or any(isinstance(g, S.Do) for g in prob.given):
            raise CausalError("E061", "a stated probability is observational (no do or under)", st.span,
                              "state the model; ask interventional questions with ?-")
        try:
            value = number_of(cmp.right)
        except CausalError as e:
            raise CausalError("E061", str(e), st.span) from None
        if not 0 <= value <= 1:
            raise CausalError("E061", f"a probability must lie between 0 and 1, not {value}", st.span)
        event = self.assignments(prob.events, st.span)
        given = self.assignments(prob.given, st.span)
        if set(dict(event)) & set(dict(given)):
            raise CausalError("E061", "a variable on both sides of '|'", st.span)
        self.facts.append(Fact(event, given, value, source, st))

    def assignments(self, formulas, span) -> tuple:
        out = {}
        for f in formulas:
            var, value = self.assignment(f, span)
            if var in out and out[var] != value:
                raise CausalError("E061", f"two values for '{var}'", span)
            out[var] = value
        return tuple(sorted(out.items()))

    def assignment(self, f, span):
        """(var, value) of `x`, `not x` or `x = v`."""
        where = getattr(f, "span", None) or span
        match f:
            case S.Atom(name, ()) if name in self.domains:
                return name, self._value(name, True, where)
            case S.Not(S.Atom(name, ())) if name in self.domains:
                return name, self._value(name, False, where)
            case S.Cmp("=", S.Const(name), value) if name in self.domains:
                return name, self._value(name, self.read_value(value), where)
            case S.Atom(name, ()) | S.Not(S.Atom(name, ())) | S.Cmp("=", S.Const(name), _):
                raise CausalError("E061", f"'{name}' is not a declared causal variable", where,
                                  f"declare it: `var {name} : bool.`")
        raise CausalError("E061", f"expected an assignment such as x, not x or x = v; found {S.show(f)}", where)

    @staticmethod
    def read_value(t):
        match t:
            case S.Const(name):
                return _TRUTH.get(name, name)
            case S.Num() | S.Op():
                return number_of(t)
        raise CausalError("E061", f"not a value: {S.show(t)}")

    def _value(self, var, value, span):
        domain = self.domains[var]
        if isinstance(value, Fraction) and value.denominator == 1:
            value = int(value)
        if domain == BOOL and isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
            value = bool(value)         # x = 1 is x, x = 0 is not x (Pearl's and CLadder's notation)
        if isinstance(value, bool) and domain != BOOL:
            raise CausalError("E061", f"'{var}' is not bool: write {var} = v (its values: "
                                      f"{', '.join(map(show_value, domain))})", span)
        if not any(value == d and type(value) is type(d) for d in domain):
            raise CausalError("E061", f"{value!r} is not a value of '{var}' (its values: "
                                      f"{', '.join(map(show_value, domain))})", span)
        return value

    def _graph(self) -> ADMG:
        directed = {(a, b) for a, k, b in self.declared if k == "->"}
        for v, (_, ps) in self.equations.items():
            declared = {a for a, b in directed if b == v}
            extra = [p for p in ps if p not in declared]
            if declared and extra:       # the graph names v's parents: the equation may not add one
                span = next((st.span for st, _ in self.statements if isinstance(st, S.Equation) and st.var == v), None)
                raise CausalError("E060", f"the equation of '{v}' names {', '.join(extra)}, but the graph gives "
                                          f"'{v}' the parents {', '.join(sorted(declared))}", span,
                                  f"add the edge {extra[0]} -> {v} to the graph, or correct the equation")
        directed |= {(p, v) for v, (_, ps) in self.equations.items() for p in ps}
        bidirected = {tuple(sorted((a, b))) for a, k, b in self.declared if k == "<->"}
        if not directed and not bidirected:     # no graph at all: the stated conditionals' variables are parents
            for fact in self.facts:
                if len(fact.event) == 1:
                    directed |= {(g, fact.event[0][0]) for g, _ in fact.given}
        try:
            g = ADMG(sorted(self.domains), sorted(directed), sorted(bidirected))
            g.topological_order()
        except CycleError as e:
            spans = [st.span for st, _ in self.statements if isinstance(st, S.Equation) and st.var in e.cycle]
            raise CausalError("E060", f"the causal graph has a cycle: {' -> '.join(map(str, e.cycle))}",
                              spans[0] if spans else None,
                              "structural equations and edges must form a DAG") from None
        return g

    # ------------------------------------------------------------ use
    @property
    def background(self) -> tuple:
        """The variables without an equation (exogenous, or endogenous roots left open)."""
        return tuple(v for v in sorted(self.domains) if v not in self.equations)

    def premises(self) -> list:
        return [(st, src) for st, src in self.statements if not isinstance(st, (S.Query, S.CausalQuery, S.CauseQuery))]


def domain_of(sort: str, signature):
    """The values of a causal variable of sort `sort`: bool, an enum type or a range (None otherwise)."""
    if sort == "bool":
        return BOOL
    info = signature.sorts.get(sort)
    if info is None or info.kind not in ("enum", "range"):
        return None
    return tuple(info.elements)


def number_of(t) -> Fraction:
    match t:
        case S.Num(value):
            return Fraction(value)
        case S.Op("-", (a,)):
            return -number_of(a)
        case S.Op(op, (a, b)):
            x, y = number_of(a), number_of(b)
            if op == "/":
                if y == 0:
                    raise CausalError("E061", "division by zero in a probability")
                return x / y
            return x + y if op == "+" else x - y if op == "-" else x * y
    raise CausalError("E061", f"expected a number, found {S.show(t)}")


def show_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return S.show_name(v) if isinstance(v, str) else str(v)


def show_assignment(var, value) -> str:
    if value is True:
        return var
    if value is False:
        return f"not {var}"
    return f"{var} = {show_value(value)}"


# ---------------------------------------------------------------- evaluation (the search's)
def value_of(node, world: dict):
    """The value of an equation's right side, a query formula or a term in `world` (every
    variable it names has a value there). Division by zero is 0, as in the language."""
    match node:
        case S.Atom(name, ()):
            if name in world:
                return world[name]
            if name in _TRUTH:
                return _TRUTH[name]
        case S.Const(name):
            return world[name] if name in world else _TRUTH.get(name, name)
        case S.Num(value):
            return Fraction(value)
        case S.Not(body):
            return not value_of(body, world)
        case S.And(items):
            return all(value_of(x, world) for x in items)
        case S.Or(items):
            return any(value_of(x, world) for x in items)
        case S.Implies(a, b):
            return (not value_of(a, world)) or bool(value_of(b, world))
        case S.Iff(a, b):
            return bool(value_of(a, world)) == bool(value_of(b, world))
        case S.Cmp(op, a, b):
            x, y = value_of(a, world), value_of(b, world)
            if op in ("=", "!="):
                return (x == y and type(x) is type(y) or _numbers(x, y) and x == y) == (op == "=")
            x, y = _number(x), _number(y)
            return x < y if op == "<" else x <= y if op == "<=" else x > y if op == ">" else x >= y
        case S.Op("-", (a,)):
            return -_number(value_of(a, world))
        case S.Op(op, (a, b)):
            x, y = _number(value_of(a, world)), _number(value_of(b, world))
            if op == "/":
                return Fraction(0) if y == 0 else x / y
            return x + y if op == "+" else x - y if op == "-" else x * y
    raise CausalError("E062", f"cannot evaluate {S.show(node)} in a causal model")


def _numbers(x, y) -> bool:
    return all(isinstance(v, (int, Fraction)) and not isinstance(v, bool) for v in (x, y))


def _number(x):
    if isinstance(x, bool) or not isinstance(x, (int, Fraction)):
        raise CausalError("E062", f"arithmetic on a non-number ({show_value(x)})")
    return Fraction(x)


def normal_value(domain, value):
    """A computed value as the domain holds it (ints for ranges); None when outside the domain."""
    if isinstance(value, Fraction) and value.denominator == 1:
        value = int(value)
    for d in domain:
        if d == value and type(d) is type(value):
            return d
    return None
