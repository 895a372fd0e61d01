"""The router: the one place that decides which core settles a question.

`ask`, `ask_all` and the consistency check of `tell` all call `route`, which looks at the
statements relevant to the question (engine/reason/theory.py `relevant_to`, `relevant_to_entries`)
and picks:

- `FORWARD` (the Horn core decides everything): every hard statement among them is a denial,
  every rule is definite, every predicate ranges over finite or numeric sorts and every closed
  one is settled by the least model (engine/reason/denials.py `decidable`). The least model lists the
  entailed atoms, and forward chaining under hypotheses decides `false` and consistency.
- `LEAST_MODEL` (the Horn core lists what is entailed, z3 decides the rest): no hard statement
  is relevant and every closed predicate is settled, but forward chaining cannot decide the
  negative side (open sorts, rules with negation). The least model is then a model of the
  relevant statements whose atoms are exactly the entailed ones: `ask_all` of an atom reads it,
  and `ask` of an atom outside it is false (closed), unknown (nothing closed depends on it), or
  goes to z3.
- `SMT`: anything else; z3 decides over the grounded relevant statements.

On every route an atom of the least model is entailed (the definite part alone entails it), so
`ask` tries that `true` first, whatever the route: it is the cheapest proof.
"""
from __future__ import annotations

from dataclasses import dataclass

from .denials import decidable

FORWARD, LEAST_MODEL, SMT = "forward chaining", "least model", "smt"


@dataclass(frozen=True)
class Route:
    """Which core settles the question (`core`: FORWARD, LEAST_MODEL or SMT), over which
    relevant entries (`entries`, sorted indices), and why, in words."""
    core: str
    entries: tuple
    why: str

    @property
    def horn(self) -> bool:
        return self.core != SMT


def route(theory, formula=None, *, entries=None, preds=frozenset()) -> Route:
    """The route for a query `formula` (its relevant entries), or for the consistency of the
    given `entries` (those entries and the ones connected to them)."""
    if formula is not None:
        from .theory import _symbols
        chosen = theory.relevant_to(formula)
        preds = set(preds) | _symbols(formula)
    else:
        chosen = theory.relevant_to_entries(entries)
    chosen = tuple(sorted(chosen))
    if decidable(theory, chosen, preds):
        return Route(FORWARD, chosen, "definite rules and denials over finite sorts: forward chaining decides")
    hard = set(theory.hard)
    blocking = [i for i in chosen if i in hard]
    sig = theory.sig
    mentioned = set().union(preds, *(theory.symbols[i] for i in chosen))
    unsettled = sorted(p for p in mentioned if p in sig.closed and p not in theory.settled)
    if not blocking and not unsettled:
        return Route(LEAST_MODEL, chosen, "definite rules and facts only: the least model lists what is entailed")
    beyond = [i for i in blocking if i not in theory.denials]
    if beyond:
        return Route(SMT, chosen, f"the statement at {theory.entries[beyond[0]].source} is neither a definite rule "
                                  "nor a denial: z3 decides")
    if blocking:
        return Route(SMT, chosen, "denials beside rules with negation or sorts that are not finite: z3 decides")
    return Route(SMT, chosen, f"closed {', '.join(unsettled)} not settled by the least model: z3 decides")
