"""Verdicts and answers: what `ask` returns."""
from __future__ import annotations

from enum import Enum


class Verdict(Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class Answer:
    """One answer: a verdict, the bindings of the query's variables, and its reason.

    `proof` is a kernel-checked Proof for `true` and `false`; for `unknown`,
    `reason` says why ("open world", "resource limit", ...) and `witnesses` holds a
    model where the query holds and one where it fails, restricted to the atoms that
    matter. `solver_gave_up` separates "the solver gave up" from "logically unknown".
    Proofs of the answers of a large `ask_all` are built and checked on first access.
    """

    __slots__ = ("query", "verdict", "bindings", "reason", "witnesses", "_proof", "_make_proof")

    def __init__(self, query: str, verdict: Verdict, bindings=None, proof=None, reason=None,
                 witnesses=None, make_proof=None):
        self.query = query
        self.verdict = verdict
        self.bindings = bindings or {}
        self.reason = reason
        self.witnesses = witnesses
        self._proof = proof
        self._make_proof = make_proof

    @property
    def proof(self):
        if self._proof is None and self._make_proof is not None:
            self._proof, self._make_proof = self._make_proof(), None
        return self._proof

    @property
    def solver_gave_up(self) -> bool:
        return self.verdict is Verdict.UNKNOWN and bool(self.reason) and self.reason.startswith("resource limit")

    @property
    def rests_on(self) -> dict:
        """The premises, smt steps, closed-world steps and perceived facts the answer rests on."""
        if self.proof is None:
            return {"premises": [], "smt": [], "perceived": [], "closed": []}
        return self.proof.rests_on()

    def to_json(self) -> dict:
        out = {"bindings": {k: _show_value(v) for k, v in self.bindings.items()}, "verdict": self.verdict.value}
        if self.proof is not None:
            out["proof"] = self.proof.to_json()
        if self.reason:
            out["reason"] = self.reason
        if self.witnesses is not None:
            out["witnesses"] = self.witnesses
        return out

    def __repr__(self) -> str:
        b = ", ".join(f"{k}={_show_value(v)}" for k, v in self.bindings.items())
        return f"Answer({self.query!r}, {self.verdict.value}{', ' + b if b else ''})"


def _show_value(v):
    from .syntax import show_name, show_number
    return show_name(v) if isinstance(v, str) else show_number(v)
