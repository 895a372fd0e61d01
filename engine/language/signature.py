"""The signature of a knowledge base: sorts with their elements, predicate and
function types, the sort of every constant, and which predicates are closed."""
from __future__ import annotations

from dataclasses import dataclass, field

NUMERIC = frozenset({"int", "real"})
BUILTIN_SORTS = ("int", "real", "thing")


@dataclass(frozen=True)
class Sort:
    """kind: closed (named individuals), open (plain FOL), enum, range, int, real."""

    name: str
    kind: str
    elements: tuple = ()

    @property
    def is_finite(self) -> bool:
        return self.kind in ("closed", "enum", "range")

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("int", "real", "range")


@dataclass(frozen=True)
class Signature:
    sorts: dict = field(default_factory=dict)      # name -> Sort
    preds: dict = field(default_factory=dict)      # name -> tuple of sort names
    funs: dict = field(default_factory=dict)       # name -> (tuple of sort names, result sort)
    consts: dict = field(default_factory=dict)     # name -> sort name
    closed: frozenset = frozenset()

    def domain(self, sort: str):
        """The elements of a finite sort (constants as str, range elements as int), else None."""
        info = self.sorts.get(sort)
        if info is None or not info.is_finite:
            return None
        return info.elements

    def is_numeric(self, sort: str) -> bool:
        info = self.sorts.get(sort)
        return info is not None and info.is_numeric

    def constants_of(self, sort: str) -> tuple:
        return tuple(c for c, s in self.consts.items() if s == sort)
