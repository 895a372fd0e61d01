"""Perceived facts: from a model's distribution over labels to a typed statement.

A perception model is any object with `name`, `symbol` (a unary function or a binary
predicate of the KB whose last sort is the label sort), `threshold`, and
`distribution(x)` -> [(label, probability), ...]. `engine.perception.Classifier` is
one; the reasoning core never imports torch and only needs these four attributes.
"""
from __future__ import annotations

from ..language import syntax as S
from ..errors import Diagnostic, Span, UsageError
from .probability import Perception
from ..language.signature import Signature


def target(sig: Signature, symbol: str) -> tuple[str, str, str]:
    """(kind, argument sort, label sort) of the symbol a model perceives."""
    if symbol in sig.funs and len(sig.funs[symbol][0]) == 1:
        (arg,), result = sig.funs[symbol]
        return "function", arg, result
    if symbol in sig.preds and len(sig.preds[symbol]) == 2:
        arg, label = sig.preds[symbol]
        return "predicate", arg, label
    raise UsageError([Diagnostic(
        "E040", f"'{symbol}' is not a unary function or a binary predicate of the knowledge base", None,
        f"declare it first, e.g. `fun {symbol}(image) -> digit.` or `pred {symbol}(object, color).`")])


def label_term(sig: Signature, sort: str, label):
    """The constant or number that a label stands for in `sort`; a usage error when it is not one."""
    info = sig.sorts.get(sort)
    if sig.is_numeric(sort) or sort in ("int", "real"):
        try:
            value = int(label)
        except (TypeError, ValueError):
            value = None
        if value is not None and (info is None or not info.elements or value in info.elements):
            return S.Num(value)
    elif isinstance(label, str) and (info is None or not info.elements or label in info.elements):
        return S.Const(label)
    raise UsageError([Diagnostic("E041", f"label {label!r} is not an element of the sort {sort}", None,
                                 "the model's labels must be the elements of the sort it predicts")])


def fact(kind: str, symbol: str, input_id: str, value):
    subject = S.Const(input_id)
    if kind == "function":
        return S.Cmp("=", S.Fn(symbol, (subject,)), value)
    return S.Atom(symbol, (subject, value))


def perception(sig: Signature, model, input_id: str, distribution, file: str) -> tuple[Perception, list, str]:
    """The Perception record, the statements to tell (a declaration of the input when it is new
    and, unless the model abstains, the fact of its most probable label) and their source text."""
    kind, arg_sort, label_sort = target(sig, model.symbol)
    dist = tuple((label, float(p)) for label, p in distribution)
    formulas = tuple(fact(kind, model.symbol, input_id, label_term(sig, label_sort, label)) for label, _ in dist)
    best = max(range(len(dist)), key=lambda k: dist[k][1])
    statements = [] if input_id in sig.consts else [S.ConstDecl((input_id,), arg_sort, Span(file, 1, 1))]
    claim = S.show_formula(formulas[best]) if dist[best][1] >= model.threshold else None
    if claim is not None:
        statements.append(S.Axiom(formulas[best], Span(file, len(statements) + 1, 1)))
    source = str(statements[-1].span) if claim is not None else None
    record = Perception(input_id, model.name, model.symbol, dist, float(model.threshold), claim, formulas, source)
    return record, statements, "\n".join(S.show(st) for st in statements) + "\n"
