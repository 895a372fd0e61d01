"""Causal queries answered with proofs: what holds under observation, intervention and
counterfactual change in a deterministic model (abduction, action, prediction), actual causes,
and the value of probabilities and effects (engine/causal/quantities.py).

Every answer is a `Result`: a verdict (true, false, unknown), the proof steps the kernel
re-checks (engine/kernel/causal.py), and for unknown the reason and witnesses. Nothing here
is trusted: the kernel recomputes each step from the KB's own statements.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction

from ..language import syntax as S
from ..proof import Step
from .program import CausalError, CausalProgram, normal_value, show_assignment, show_value, value_of

MAX_WORLDS = 1 << 16      # background settings enumerated for one deterministic query


@dataclass
class Result:
    verdict: str                         # "true" | "false" | "unknown"
    steps: list = field(default_factory=list)
    reason: str | None = None
    witnesses: dict | None = None
    value: Fraction | None = None


def jsonable(v):
    return v if isinstance(v, (bool, int, str)) else str(v)


class Proofs:
    """Numbered proof steps, premises first."""

    def __init__(self, program: CausalProgram, kinds=(S.VarDecl, S.Equation, S.GraphDecl, S.Axiom)):
        self.steps: list[Step] = []
        self.premise_ids = []
        for st, src in program.premises():
            if isinstance(st, kinds):
                self.premise_ids.append(self.add(st, "premise", source=src).id)

    def add(self, claim, by, premises=(), **kw) -> Step:
        step = Step(len(self.steps), claim, by, premises=tuple(premises), **kw)
        self.steps.append(step)
        return step


class Asker:
    def __init__(self, program: CausalProgram):
        self.p = program
        self.order = [v for v in program.graph.topological_order()]

    # ------------------------------------------------------------ checking a query's names
    def check_names(self, node):
        for n in S.nodes(node):
            name = n.pred if isinstance(n, S.Atom) else n.name if isinstance(n, S.Const) else None
            if isinstance(n, (S.Var, S.Quant, S.Fn)) or (isinstance(n, S.Atom) and n.args):
                raise CausalError("E062", f"a causal query names causal variables and values only: {S.show(n)}",
                                  getattr(n, "span", None))
            if name is not None and name not in self.p.domains and not self.p._is_value(name):
                raise CausalError("E062", f"'{name}' is not a declared causal variable", getattr(n, "span", None),
                                  f"declare it: `var {name} : bool.`")

    def interventions(self, items, span) -> dict:
        out = {}
        for d in items:
            for var, value in self.p.assignments(d.items, span):
                if var in out and out[var] != value:
                    raise CausalError("E062", f"two interventions on '{var}'", span)
                out[var] = value
        return out

    # ------------------------------------------------------------ deterministic worlds
    def solve(self, background: dict, do: dict) -> dict:
        world = {}
        for v in self.order:
            if v in do:
                world[v] = do[v]
            elif v in self.p.equations:
                value = normal_value(self.p.domains[v], value_of(self.p.equations[v][0], world))
                if value is None:
                    raise CausalError("E062", f"the equation of '{v}' gives a value outside its domain in "
                                              f"the setting {_show_world(background)}")
                world[v] = value
            else:
                world[v] = background[v]
        return world

    def settings(self):
        names = self.p.background
        total = 1
        for v in names:
            total *= len(self.p.domains[v])
        if total > MAX_WORLDS:
            raise CausalError("E062", f"{total} background settings: more than the {MAX_WORLDS} enumerated",
                              None, "give more of the background variables equations")
        for values in itertools.product(*(self.p.domains[v] for v in names)):
            yield dict(zip(names, values))

    def holds(self, q: S.CausalQuery | S.Query) -> Result:
        """F given evidence (with do(...) items: observed after the intervention), or F under
        do(...) given evidence (observed before it): true in every consistent setting, false in
        none, unknown otherwise (with a setting for each side)."""
        formula = q.formula
        given = getattr(q, "given", ())
        under = getattr(q, "under", None)
        span = q.span
        self.check_names(formula)
        evidence = [g for g in given if not isinstance(g, S.Do)]
        for g in evidence:
            self.check_names(g)
        do_evidence = self.interventions([g for g in given if isinstance(g, S.Do)], span)
        do_outcome = self.interventions([under], span) if under is not None else do_evidence
        names = self.p.background
        worlds, outcomes = [], []
        for u in self.settings():
            w = self.solve(u, do_evidence)
            if all(value_of(e, w) for e in evidence):
                worlds.append(u)
                w2 = w if under is None else self.solve(u, do_outcome)
                outcomes.append(bool(value_of(formula, w2)))
        proof = Proofs(self.p, (S.VarDecl, S.Equation))
        text = S.show(S.CausalQuery(formula, under, tuple(given))).removeprefix("?- ").removesuffix(".")
        ev = ", ".join(S.show_given(g) for g in given) or "no evidence"
        w_step = proof.add(f"the settings of {', '.join(names) or 'nothing'} consistent with {ev}: "
                           f"{len(worlds)}" + (f" ({'; '.join(_show_world(u) for u in worlds[:4])}"
                                               f"{'; ...' if len(worlds) > 4 else ''})" if worlds else ""),
                           "worlds", proof.premise_ids,
                           data={"background": list(names), "do": _pairs(do_evidence),
                                 "worlds": [[jsonable(u[v]) for v in names] for u in worlds]})
        last = w_step.id
        if under is not None:
            last = proof.add("the model with " + ", ".join(f"{v} := {show_value(x)}" for v, x in do_outcome.items())
                             + " in place of their equations", "intervene", (last,),
                             data={"do": _pairs(do_outcome)}).id
        k = sum(outcomes)
        shown = S.show_formula(formula)
        last = proof.add(f"{shown} holds in {k} of the {len(worlds)} settings", "predict", (last,),
                         data={"holds": outcomes}).id
        if not worlds:
            return Result("unknown", [], "the evidence holds in no setting of the background variables "
                                          "(it contradicts the model)", None)
        verdict = "true" if k == len(worlds) else "false" if k == 0 else "unknown"
        if verdict == "unknown":
            yes = worlds[outcomes.index(True)]
            no = worlds[outcomes.index(False)]
            return Result("unknown", [], "the background variables do not settle it: it holds in "
                                         f"{k} of the {len(worlds)} consistent settings",
                          {"holds": witness(yes), "fails": witness(no)})
        proof.add(f"{text}: {verdict}", "verdict", (last,), data={"verdict": verdict})
        return Result(verdict, proof.steps)

    # ------------------------------------------------------------ actual causes
    def cause(self, q: S.CauseQuery) -> Result:
        from .actual import NotACause, Unknown, Witness, find_cause
        self.check_names(q.effect)
        cause = dict(self.p.assignments(_conjuncts(q.cause), q.span))
        bad = [v for v in cause if v not in self.p.equations and v in self.p.exogenous]
        if bad:
            raise CausalError("E062", f"a cause is a setting of endogenous variables; {bad[0]} is exogenous", q.span)
        evidence = [g for g in q.given if not isinstance(g, S.Do)]
        if any(isinstance(g, S.Do) for g in q.given):
            raise CausalError("E062", "an actual-cause query takes observations, not interventions", q.span)
        for g in evidence:
            self.check_names(g)
        contexts = [u for u in self.settings() if all(value_of(e, self.solve(u, {})) for e in evidence)]
        if not contexts:
            return Result("unknown", [], "the evidence holds in no setting of the background variables")
        if len(contexts) > 1:
            return Result("unknown", [], f"the evidence leaves {len(contexts)} settings of the background "
                                         f"({', '.join(self.p.background)}); an actual cause is judged in one "
                                         "actual world: give the evidence that fixes it",
                          {"settings": [_show_world(u) for u in contexts[:2]]})
        domains, equations, context = hp_model(self.p.domains, {v: (ps, _function(self.p, v))
                                                                for v, (_, ps) in self.p.equations.items()},
                                               self.p.exogenous, contexts[0])
        effect = lambda w: bool(value_of(q.effect, w))   # noqa: E731
        found = find_cause(domains, equations, context, cause, effect)
        context = contexts[0]
        proof = Proofs(self.p, (S.VarDecl, S.Equation))
        ev = ", ".join(S.show_given(g) for g in q.given) or "no evidence"
        w = proof.add(f"the actual setting, fixed by {ev}: {_show_world(context)}", "worlds", proof.premise_ids,
                      data={"background": list(self.p.background), "do": [],
                            "worlds": [[jsonable(context[v]) for v in self.p.background]]})
        text = S.show(q).removeprefix("?- ").removesuffix(".")
        if isinstance(found, Unknown):
            return Result("unknown", [], f"{found.reason} while checking {found.condition}")
        if isinstance(found, Witness):
            alt = ", ".join(show_assignment(v, x) for v, x in found.alternative.items())
            cont = ", ".join(show_assignment(v, x) for v, x in found.contingency.items()) or "nothing"
            c = proof.add(f"setting {alt}, with {cont} held at the actual values, makes "
                          f"{S.show_formula(q.effect)} fail; no smaller part of the cause does this", "cause", (w.id,),
                          data={"alternative": _pairs(found.alternative), "contingency": _pairs(found.contingency)})
            proof.add(f"{text}: true", "verdict", (c.id,), data={"verdict": "true"})
            return Result("true", proof.steps)
        assert isinstance(found, NotACause)
        smaller = getattr(found, "smaller", None)
        data = {"fails": found.condition}
        if smaller is not None:
            data.update(smaller=_pairs(smaller.cause), alternative=_pairs(smaller.alternative),
                        contingency=_pairs(smaller.contingency))
        c = proof.add(f"not an actual cause ({found.condition}): {found.reason}", "cause", (w.id,), data=data)
        proof.add(f"{text}: false", "verdict", (c.id,), data={"verdict": "false"})
        return Result("false", proof.steps)


def hp_model(domains, equations, exogenous, setting):
    """The model as the Halpern-Pearl definition reads it: a background variable that is not
    exogenous (an endogenous root) is endogenous, `v := u_v` with its own exogenous `u_v`."""
    domains, equations, context = dict(domains), dict(equations), {}
    for v, x in setting.items():
        if v in exogenous:
            context[v] = x
        else:
            u = f"u_{v}'"
            domains[u] = domains[v]
            equations[v] = ((u,), lambda values, u=u: values[u])
            context[u] = x
    return domains, equations, context


def witness(u: dict) -> dict:
    """A background setting as a witness model: bool variables by name, others as `v = x`."""
    return {(v if isinstance(x, bool) else f"{v} = {show_value(x)}"): (x if isinstance(x, bool) else True)
            for v, x in u.items()}


def _function(program, v):
    rhs, _ = program.equations[v]
    domain = program.domains[v]

    def f(values):
        return normal_value(domain, value_of(rhs, values))
    return f


def _conjuncts(f) -> tuple:
    return f.items if isinstance(f, S.And) else (f,)


def _pairs(d: dict) -> list:
    return [[v, jsonable(x)] for v, x in d.items()]


def _show_world(u: dict) -> str:
    return ", ".join(f"{v} = {show_value(x)}" for v, x in u.items()) or "(none)"
