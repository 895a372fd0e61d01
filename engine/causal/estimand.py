"""Estimands: expressions over observational probabilities, printed as text and evaluated exactly.

An expression is built from
  * `Prob(head, given)`: P(head | given), a (conditional) marginal of the observed joint
    distribution; variables stand for their values in the enclosing scope;
  * `Product(factors)` (the empty product is 1), `Quotient(numerator, denominator)`;
  * `Sum(over, body)`: the sum of body over every joint value of the variables `over`, which
    it binds (lexical scope: inside the body they denote the summed values, shadowing any
    outer value of the same variable).
The free variables of an estimand for P(y | do(x)) are those of Y and X.

Printing renames a bound variable that shadows one already in scope by priming it (X'), so
the front-door formula prints as sum_{M} P(M | X) sum_{X'} P(X') P(Y | M, X').

Evaluation (`evaluate(expr, joint, values)`) is exact (Fractions) on a `Joint`, a table of the
observed variables' joint distribution. A conditional with a zero-probability conditioning
event raises `PositivityError`: the estimands of the ID algorithm assume positivity.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping


class PositivityError(ZeroDivisionError):
    """A conditional probability was asked given an event of probability zero."""


class Expr:
    """Base class of estimand expressions."""

    def free(self) -> frozenset:
        raise NotImplementedError


@dataclass(frozen=True)
class Prob(Expr):
    head: tuple
    given: tuple = ()

    def free(self):
        return frozenset(self.head) | frozenset(self.given)


@dataclass(frozen=True)
class Product(Expr):
    factors: tuple

    def free(self):
        return frozenset().union(*(f.free() for f in self.factors))


@dataclass(frozen=True)
class Quotient(Expr):
    numerator: Expr
    denominator: Expr

    def free(self):
        return self.numerator.free() | self.denominator.free()


@dataclass(frozen=True)
class Sum(Expr):
    over: tuple
    body: Expr

    def free(self):
        return self.body.free() - frozenset(self.over)


ONE = Product(())


# ---------------------------------------------------------------------- the joint distribution
class Joint:
    """The joint distribution of observed variables: `table` maps value tuples (in `variables`'
    order) to probabilities; `domains` gives every variable's values (missing tuples are 0)."""

    def __init__(self, variables, table: Mapping, domains: Mapping | None = None):
        self.variables = tuple(variables)
        self.table = {tuple(k): Fraction(p) for k, p in table.items()}
        if sum(self.table.values()) != 1:
            raise ValueError("a joint distribution must sum to one")
        self.domains = dict(domains) if domains else self._domains_from_table()
        self._position = {v: i for i, v in enumerate(self.variables)}
        self._cache: dict = {}

    def _domains_from_table(self) -> dict:
        return {v: tuple(sorted({k[i] for k in self.table}, key=repr))
                for i, v in enumerate(self.variables)}

    def marginal(self, assignment: Mapping) -> Fraction:
        """P(V = v for every v in assignment)."""
        key = frozenset(assignment.items())
        if key not in self._cache:
            items = [(self._position[v], x) for v, x in assignment.items()]
            self._cache[key] = sum((p for k, p in self.table.items()
                                    if all(k[i] == x for i, x in items)), Fraction(0))
        return self._cache[key]


# ---------------------------------------------------------------------- evaluation
def evaluate(expr: Expr, joint: Joint, values: Mapping) -> Fraction:
    """The exact value of `expr` with its free variables at `values`."""
    missing = expr.free() - set(values)
    if missing:
        raise ValueError(f"no value given for {sorted(missing, key=str)}")
    return _eval(expr, joint, dict(values))


def _eval(expr, joint, env) -> Fraction:
    if isinstance(expr, Prob):
        return _eval_prob(expr, joint, env)
    if isinstance(expr, Product):
        out = Fraction(1)
        for f in expr.factors:
            out *= _eval(f, joint, env)
            if out == 0:
                break
        return out
    if isinstance(expr, Quotient):
        den = _eval(expr.denominator, joint, env)
        if den == 0:
            raise PositivityError(f"zero denominator in {to_text(expr)}")
        return _eval(expr.numerator, joint, env) / den
    if isinstance(expr, Sum):
        return _eval_sum(expr, joint, env)
    raise TypeError(f"not an estimand expression: {expr!r}")


def _eval_prob(expr: Prob, joint, env) -> Fraction:
    num = joint.marginal({v: env[v] for v in expr.head + expr.given})
    if not expr.given:
        return num
    den = joint.marginal({v: env[v] for v in expr.given})
    if den == 0:
        raise PositivityError(f"P({', '.join(map(str, expr.given))}) is zero")
    return num / den


def _eval_sum(expr: Sum, joint, env) -> Fraction:
    total = Fraction(0)
    for combo in itertools.product(*(joint.domains[v] for v in expr.over)):
        inner = dict(env)
        inner.update(zip(expr.over, combo))
        total += _eval(expr.body, joint, inner)
    return total


# ---------------------------------------------------------------------- printing
def to_text(expr: Expr, free=None) -> str:
    """The expression as text: sum_{A, B} ..., P(Y | X, Z), products by juxtaposition,
    quotients as [numerator] / [denominator]; bound variables shadowing ones in scope primed."""
    scope = {v: str(v) for v in (expr.free() if free is None else free)}
    return _text(expr, scope)


def _fresh(name: str, taken: set) -> str:
    while name in taken:
        name += "'"
    return name


def _text(expr, scope: dict) -> str:
    if isinstance(expr, Prob):
        head = ", ".join(scope[v] for v in expr.head)
        if not expr.given:
            return f"P({head})"
        return f"P({head} | {', '.join(scope[v] for v in expr.given)})"
    if isinstance(expr, Product):
        if not expr.factors:
            return "1"
        last = len(expr.factors) - 1
        return " ".join(_factor_text(f, scope, i == last) for i, f in enumerate(expr.factors))
    if isinstance(expr, Quotient):
        return f"[{_text(expr.numerator, scope)}] / [{_text(expr.denominator, scope)}]"
    if isinstance(expr, Sum):
        inner, taken = dict(scope), set(scope.values())
        for v in expr.over:
            inner[v] = _fresh(str(v), taken)
            taken.add(inner[v])
        return f"sum_{{{', '.join(inner[v] for v in expr.over)}}} {_text(expr.body, inner)}"
    raise TypeError(f"not an estimand expression: {expr!r}")


def _factor_text(expr, scope, last: bool) -> str:
    """A factor of a product; a sum reaches to the end of the text, so one that is not the
    last factor is bracketed."""
    text = _text(expr, scope)
    return f"({text})" if isinstance(expr, Sum) and not last else text


# ---------------------------------------------------------------------- sympy
def to_sympy(expr: Expr, domains: Mapping | None = None):
    """The estimand as a sympy expression: P(head | given) is the undefined function
    P(Tuple(head), Tuple(given)) of the variables as symbols (a bound variable shadowing one in
    scope renamed x_1), a sum over a variable is `Sum(body, (v, 0, k - 1))` over
    the positions of its k values (`domains`, default two: false = 0, true = 1), products and
    quotients are sympy's."""
    import sympy
    scope = {v: sympy.Symbol(str(v)) for v in expr.free()}
    return _sympy(expr, scope, dict(domains or {}), sympy)


def _sympy(expr, scope, domains, sympy):
    if isinstance(expr, Prob):
        return sympy.Function("P")(sympy.Tuple(*(scope[v] for v in expr.head)),
                                   sympy.Tuple(*(scope[v] for v in expr.given)))
    if isinstance(expr, Product):
        return sympy.Mul(*(_sympy(f, scope, domains, sympy) for f in expr.factors))
    if isinstance(expr, Quotient):
        return _sympy(expr.numerator, scope, domains, sympy) / _sympy(expr.denominator, scope, domains, sympy)
    if isinstance(expr, Sum):
        inner, taken = dict(scope), {str(s) for s in scope.values()}
        limits = []
        for v in expr.over:
            name, k = str(v), 0
            while name in taken:              # x shadowed: x_1 (a primed name would not parse back)
                k += 1
                name = f"{v}_{k}"
            taken.add(name)
            inner[v] = sympy.Symbol(name)
            limits.append((inner[v], 0, len(domains.get(v, (0, 1))) - 1))
        return sympy.Sum(_sympy(expr.body, inner, domains, sympy), *limits)
    raise TypeError(f"not an estimand expression: {expr!r}")

