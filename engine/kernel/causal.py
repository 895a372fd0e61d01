"""The kernel's check of causal answers: it reads the KB's causal statements itself (its own
reading of the syntax, not engine/causal's), recomputes every step of the proof and accepts
the answer only when each step's data and the final verdict (or value) are what it computed.

Steps (data as JSON values; `bool`s for bool variables):
  premise    the claim is the causal statement at `source`
  worlds     abduction: `background` (the variables without an equation, sorted) and `worlds`,
             the settings of the background under which the evidence holds, with `do` applied
             (recomputed by enumerating every setting: the sets must be equal)
  intervene  action: `do` is the query's counterfactual intervention
  predict    prediction: `holds`, the outcome in each world of the worlds step, in the model
             changed by the intervention (recomputed)
  verdict    true iff every prediction holds, false iff none does
  cause      an actual cause (engine/kernel/actual.py): the witness (`alternative`,
             `contingency`) or the condition that fails (`fails`, `smaller`)
  compute... probabilities and effects: engine/kernel/quantities.py
"""
from __future__ import annotations

from fractions import Fraction

from ..language import syntax as S
from . import actual
from .cmodel import Model, _pairs, _plain, _value
from .terms import Rejected, checked, in_order

# ---------------------------------------------------------------- the driver
def check_causal(proof, view, query, verdict: str, value=None) -> None:
    """Accept the proof of `verdict` (and `value`) for the causal query, or raise ProofError."""
    checked("causal", lambda: _check(proof, Model(view), view, query, verdict, value))


def _check(proof, model: Model, view, query, verdict, value):
    state = {"worlds": None, "holds": None, "do": None, "verdict": None, "decided": None}
    for step, data in in_order(proof):
        match step.by:
            case "premise":
                if model.by_source.get(step.source) != step.claim:
                    raise Rejected(f"step {step.id}: no such causal statement at {step.source}")
            case "worlds":
                state["worlds"] = _check_worlds(model, query, data)
            case "intervene":
                under = getattr(query, "under", None)
                if under is None or model.do([under]) != _pairs(data.get("do")):
                    raise Rejected(f"step {step.id}: the intervention is not the query's")
                state["do"] = model.do([under])
            case "predict":
                state["holds"] = _check_predict(model, query, state, data)
            case "cause":
                state["decided"] = _check_cause(model, query, state, data)
            case "verdict":
                state["verdict"] = _check_verdict(state, data, query)
            case "compute" | "project" | "factorise" | "identify" | "graph":
                from .quantities import check_step
                check_step(step, model, view, query, state)
            case _:
                raise Rejected(f"step {step.id}: unknown kind {step.by!r}")
    if state["verdict"] != verdict:
        raise Rejected(f"the proof concludes {state['verdict']!r}, the answer says {verdict!r}")
    if value is not None and state.get("value") != value:
        raise Rejected(f"the proof's value {state.get('value')} is not the answer's {value}")


def _evidence(model, query):
    given = getattr(query, "given", ())
    return [g for g in given if not isinstance(g, S.Do)], model.do([g for g in given if isinstance(g, S.Do)])


def _check_worlds(model, query, data):
    if list(data.get("background", [])) != list(model.background):
        raise Rejected("the background variables are not those without an equation")
    evidence, do = _evidence(model, query)
    if _pairs(data.get("do", [])) != do:
        raise Rejected("the worlds step's intervention is not the evidence's")
    mine = []
    for u in model.settings():
        w = model.solve(u, do)
        if all(_value(e, w) for e in evidence):
            mine.append(tuple(u[v] for v in model.background))
    claimed = [tuple(_plain(w)) for w in data.get("worlds", [])]
    if sorted(map(repr, mine)) != sorted(map(repr, claimed)) or len(set(claimed)) != len(claimed):
        raise Rejected("the consistent settings are not those listed")
    return [dict(zip(model.background, w)) for w in claimed]


def _check_predict(model, query, state, data):
    worlds = state["worlds"]
    if worlds is None:
        raise Rejected("a prediction before the worlds")
    formula = query.formula
    _, do_evidence = _evidence(model, query)
    under = getattr(query, "under", None)
    if under is not None and state["do"] is None:
        raise Rejected("a counterfactual's prediction before its intervention")
    do = model.do([under]) if under is not None else do_evidence     # the query's, whatever the steps say
    mine = [bool(_value(formula, model.solve(u, do))) for u in worlds]
    if mine != list(data.get("holds", [])):
        raise Rejected("the predictions are not the model's")
    return mine


def _check_verdict(state, data, query=None):
    claimed = data.get("verdict")
    if state.get("values") is not None:          # probabilities and effects: the kernel's own values
        from .quantities import decide
        mine, value = decide(query, state)
        if claimed != mine:
            raise Rejected(f"the values give {mine}, not {claimed}")
        if value is not None and data.get("value") is not None and Fraction(data["value"]) != value:
            raise Rejected(f"the value is {value}, not {data['value']}")
        state["value"] = value
        return mine
    if state.get("decided") is not None:       # by an actual-cause step or a comparison of values
        if state["decided"] != claimed:
            raise Rejected(f"the verdict {claimed!r} is not the one the steps above decide")
        return claimed
    holds = state["holds"]
    if holds is None or not holds:
        raise Rejected("a verdict without predictions")
    mine = "true" if all(holds) else "false" if not any(holds) else "unknown"
    if claimed != mine:
        raise Rejected(f"the predictions give {mine}, not {claimed}")
    return mine


def _check_cause(model, query, state, data):
    worlds = state["worlds"]
    if not worlds or len(worlds) != 1:
        raise Rejected("an actual cause is judged in exactly one actual setting")
    domains, eqs = model.plain()
    domains, eqs, context = dict(domains), dict(eqs), {}
    for v, x in worlds[0].items():        # an endogenous root: v := u_v, its own exogenous variable
        if v in model.exogenous:
            context[v] = x
        else:
            u = f"u_{v}'"
            domains[u], eqs[v], context[u] = domains[v], ((u,), lambda values, u=u: values[u]), x
    cause = dict(model.assignment(f) for f in (query.cause.items if isinstance(query.cause, S.And) else (query.cause,)))
    effect = lambda w: bool(_value(query.effect, w))   # noqa: E731
    if "fails" in data:
        smaller = data.get("smaller")
        actual.check_not_cause(domains, eqs, context, cause, effect, data["fails"],
                               smaller=_pairs(smaller) if smaller else None,
                               alternative=_pairs(data["alternative"]) if smaller else None,
                               contingency=_pairs(data["contingency"]) if smaller else None)
        return "false"
    actual.check_cause(domains, eqs, context, cause, effect, _pairs(data.get("alternative")),
                       _pairs(data.get("contingency", [])))
    return "true"
