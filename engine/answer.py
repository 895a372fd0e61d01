"""Verdicts and answers: what `ask` returns."""
from __future__ import annotations

from collections.abc import Sequence
from enum import Enum


CONSISTENCY_UNKNOWN = "W031"      # the code of "consistency was not established"


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

    __slots__ = ("query", "verdict", "bindings", "reason", "witnesses", "_proof", "_make_proof", "warnings",
                 "value")

    def __init__(self, query: str, verdict: Verdict, bindings=None, proof=None, reason=None,
                 witnesses=None, make_proof=None, warnings=(), value=None):
        self.value = value                # a causal quantity's exact value (Fraction), when the query has one
        self.warnings = tuple(warnings)   # Diagnostics (W0xx) that hold for this answer; see KnowledgeBase.warnings
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
            made, self._make_proof = self._make_proof(), None
            if isinstance(made, Answer):    # the kernel could not re-check it in time: unknown
                self.verdict, self.reason, self.witnesses = made.verdict, made.reason, made.witnesses
            else:
                self._proof = made
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
        if self.value is not None:
            out["value"] = _show_value(self.value)
        if self.warnings:
            out["warnings"] = [d.to_json() for d in self.warnings]
        return out

    @property
    def consistency_unknown(self) -> bool:
        """The KB's consistency was not established (W031): the answer may rest on a
        contradiction, from which anything follows."""
        return any(d.code == CONSISTENCY_UNKNOWN for d in self.warnings)

    @staticmethod
    def from_json(query: str, d: dict) -> "Answer":
        """The answer `to_json` wrote, under its query's text; bindings are read back as values."""
        from .proof import Proof
        bindings = {str(k): _read_value(v) for k, v in d.get("bindings", {}).items()}
        proof = Proof.from_json(d["proof"]) if d.get("proof") is not None else None
        value = _read_value(d["value"]) if d.get("value") is not None else None
        return Answer(query, Verdict(d["verdict"]), bindings, proof, d.get("reason"), d.get("witnesses"),
                      value=value)

    def __repr__(self) -> str:
        b = ", ".join(f"{k}={_show_value(v)}" for k, v in self.bindings.items())
        return f"Answer({self.query!r}, {self.verdict.value}{', ' + b if b else ''})"


class Answers(Sequence):
    """The answers of an open query (`ask_all`), as a sequence made on access.

    The engine finds every entailed binding at once and keeps them as value tuples
    (`rows`); an `Answer`, its binding dict and its proof are built only when one is
    read, so a closure of millions of answers costs what computing it costs.
    `found(i)` gives (claim, proof maker) for the i-th row: the proof is built and
    kernel-checked on first access to `Answer.proof`.
    """

    __slots__ = ("query", "names", "rows", "_positions", "_found", "incomplete", "warnings")

    def __init__(self, query: str, names: tuple, rows: list, positions: tuple, found, incomplete=None,
                 warnings=()):
        self.query, self.names, self.rows = query, tuple(names), rows
        self._positions, self._found = positions, found
        self.incomplete = incomplete      # why entailed bindings may be missing; None: all listed
        self.warnings = tuple(warnings)   # the warnings every answer carries (Answer.warnings)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._answer(j) for j in range(*i.indices(len(self.rows)))]
        return self._answer(range(len(self.rows))[i])

    def __iter__(self):
        return (self._answer(i) for i in range(len(self.rows)))

    def bindings(self) -> list[dict]:
        """Every binding, without building Answers or proofs."""
        names, pos = self.names, self._positions
        return [dict(zip(names, (row[k] for k in pos))) for row in self.rows]

    def _answer(self, i: int) -> Answer:
        row = self.rows[i]
        binding = dict(zip(self.names, (row[k] for k in self._positions)))
        return Answer(self.query, Verdict.TRUE, binding, make_proof=lambda: self._found(i), warnings=self.warnings)

    def __eq__(self, other) -> bool:
        if isinstance(other, Answers):
            return (self.query, self.names, self.rows) == (other.query, other.names, other.rows)
        return list(self) == other if isinstance(other, Sequence) else NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Answers({self.query!r}, {len(self)} answers)"


def _show_value(v):
    from .language.syntax import show_name, show_number
    return show_name(v) if isinstance(v, str) else show_number(v)


def _read_value(v):
    """A binding as `to_json` shows it (a name, `'quoted name'`, `3`, `0.5`, `(1 / 3)`) as a value."""
    from fractions import Fraction
    from .kernel import evaluate
    from .language.parse import parse_formula
    from .language import syntax as S
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if not isinstance(v, str):
        raise ValueError(f"bad binding value {v!r}")
    f = parse_formula(f"X = {v}", "<binding>")
    if not isinstance(f, S.Cmp) or not isinstance(f.right, (S.Const, S.Num, S.Op)):
        raise ValueError(f"bad binding value {v!r}")
    value = evaluate(f.right)
    return int(value) if isinstance(value, Fraction) and value.denominator == 1 else value


class AnswerList(list):
    """A list of answers (sorted for printing) that keeps why entailed bindings may be missing."""

    def __init__(self, answers=(), incomplete: str | None = None, warnings=()):
        super().__init__(answers)
        self.incomplete = incomplete
        self.warnings = tuple(warnings)   # the query's warnings, also on each Answer


def incompleteness(answers) -> list[str]:
    """The lines that say an answer list may miss entailed bindings, for the CLI and the REPL."""
    reason = getattr(answers, "incomplete", None)
    if not reason:
        return ["no entailed answers"] if not answers else []
    if not answers:
        return [f"no answers found; the search is incomplete: {reason}"]
    return [f"(the search is incomplete: {reason})"]
