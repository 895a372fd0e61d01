"""Range restriction, the one safety rule of the language, written once: a variable is bound
by a literal that binds (a positive atom) or by an assignment `V = e` (or `e = V`) once every
variable of e is bound; a rule is safe when every variable that must be bound is. The static
check (E012), the Horn core's shape test and compiler, and the denials' shape test call it with
their own notion of what binds and what must be bound."""
from __future__ import annotations


def unbound(binders, needed, assignments=()) -> set:
    """The variables of `needed` left unbound. `binders`: variable sets, each bound outright;
    `assignments`: (variable name or None, variables of the other side) pairs, two per `=`
    comparison (one for each side), each binding its variable once the other side is bound."""
    bound = set().union(*binders) if binders else set()
    grew = True
    while grew:
        grew = False
        for var, others in assignments:
            if var is not None and var not in bound and set(others) <= bound:
                bound.add(var)
                grew = True
    return set(needed) - bound
