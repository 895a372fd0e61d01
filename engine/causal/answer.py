"""Which queries are causal, and the one entry point that answers them (`answer`)."""
from __future__ import annotations

from ..errors import ScientiaError, TypeCheckError
from ..language import syntax as S
from .program import CausalError

_MARKERS = ("given", "under", "causes", "P(", "ATE(", "ETT(", "NDE(", "NIE(", "BACKDOOR(")
_QUANTITIES = (S.Prob, S.Effect, S.Backdoor)


def mentions_quantity(node) -> bool:
    return any(isinstance(n, _QUANTITIES) for n in S.nodes(node))


def is_causal_query(st, program) -> bool:
    if isinstance(st, (S.CausalQuery, S.CauseQuery)):
        return True
    if not isinstance(st, S.Query):
        return False
    if mentions_quantity(st.formula):
        return True
    if program is None:
        return False
    names = {n.pred for n in S.nodes(st.formula) if isinstance(n, S.Atom)} | \
            {n.name for n in S.nodes(st.formula) if isinstance(n, S.Const)}
    return bool(names & set(program.domains)) and not any(
        isinstance(n, (S.Var, S.Quant)) or isinstance(n, S.Atom) and n.args for n in S.nodes(st.formula))


def parse_causal_query(text, program):
    """The query statement when `text` (a query without `?-`) is causal, else None (a logic query,
    or text that the logic parser should report on)."""
    from ..language.parse import parse_program
    if not isinstance(text, str) or (program is None and not any(m in text for m in _MARKERS)):
        return None
    body = text.strip().removeprefix("?-").strip().removesuffix(".")
    try:
        statements = parse_program(f"?- {body}.", "<query>")
    except ScientiaError:
        if any(m in text for m in _MARKERS):
            raise
        return None
    if len(statements) == 1 and is_causal_query(statements[0], program):
        return statements[0]
    return None


def answer(program, st, sources):
    """The Result (engine/causal/ask.py) of a causal query; a TypeCheckError (E062) for a
    query the model cannot read."""
    from .ask import Asker
    if program is None:
        raise TypeCheckError([_no_model(st)], sources)
    try:
        if isinstance(st, S.CauseQuery):
            return Asker(program).cause(st)
        formula = st.formula
        if isinstance(st, S.CausalQuery) and (st.under is not None or st.given) and not mentions_quantity(formula):
            return Asker(program).holds(st)
        if mentions_quantity(formula) or isinstance(formula, S.TERMS):
            if isinstance(st, S.CausalQuery) and (st.under is not None or st.given):
                raise CausalError("E062", "put the condition inside P(... | ...)", st.span)
            from .quantities import Quantities
            return Quantities(program).ask(formula, st)
        return Asker(program).holds(st)
    except CausalError as e:
        raise TypeCheckError([e.diagnostic], sources) from None


def _no_model(st):
    from ..errors import Diagnostic
    return Diagnostic("E062", "a causal query, but the knowledge base has no causal model", st.span,
                      "declare causal variables first: `var x, y : bool.`")
