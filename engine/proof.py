"""Proofs as data: steps with claims and justifications, a text tree, and JSON.

A proof is a list of steps; the last step's claim is what the proof proves.
Ground values in substitutions are JSON strings (constants), integers, or
strings "#p/q" for exact rationals.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction

KINDS = ("premise", "rule", "perceived", "smt", "closed")


@dataclass(slots=True)
class Step:
    """One step of a proof (not frozen: steps are built by the thousand, and a frozen
    dataclass costs 3x as much to construct)."""
    id: int
    claim: str
    by: str
    source: str | None = None          # premise: file:line:col of the statement
    rule: str | None = None            # rule: source of the rule
    subst: dict | None = None          # rule: variable -> ground value
    premises: tuple = ()               # rule, smt: ids of earlier steps ("from" in JSON)
    predicate: str | None = None       # closed
    instances: dict | None = None      # smt: step id -> list of substitutions used
    model: str | None = None           # perceived
    input: str | None = None           # perceived
    confidence: float | None = None    # perceived

    def to_json(self) -> dict:
        out = {"id": self.id, "claim": self.claim, "by": self.by}
        for key in ("source", "rule", "predicate", "model", "input", "confidence"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.subst is not None:
            out["subst"] = {k: encode_value(v) for k, v in self.subst.items()}
        if self.by in ("rule", "smt"):
            out["from"] = list(self.premises)
        if self.instances:
            out["instances"] = {str(k): [{n: encode_value(v) for n, v in s.items()} for s in subs]
                                for k, subs in self.instances.items()}
        return out

    @staticmethod
    def from_json(d: dict) -> "Step":
        subst = {k: decode_value(v) for k, v in d["subst"].items()} if "subst" in d else None
        instances = None
        if "instances" in d:
            instances = {int(k): [{n: decode_value(v) for n, v in s.items()} for s in subs]
                         for k, subs in d["instances"].items()}
        return Step(int(d["id"]), str(d["claim"]), str(d["by"]), d.get("source"), d.get("rule"), subst,
                    tuple(int(x) for x in d.get("from", ())), d.get("predicate"), instances,
                    d.get("model"), d.get("input"), d.get("confidence"))


def encode_value(v):
    if isinstance(v, Fraction) and v.denominator != 1:
        return f"#{v.numerator}/{v.denominator}"
    if isinstance(v, Fraction):
        return int(v)
    return v


def decode_value(v):
    if isinstance(v, str) and v.startswith("#"):
        return Fraction(v[1:])
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise ValueError(f"bad value in proof: {v!r}")
    return v


@dataclass(frozen=True)
class Proof:
    steps: tuple = field(default_factory=tuple)

    @property
    def conclusion(self) -> Step:
        return self.steps[-1]

    def by_id(self) -> dict:
        return {s.id: s for s in self.steps}

    def to_json(self) -> dict:
        return {"steps": [s.to_json() for s in self.steps]}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1)

    @staticmethod
    def from_json(d: dict) -> "Proof":
        return Proof(tuple(Step.from_json(s) for s in d["steps"]))

    def rests_on(self) -> dict:
        """What the proof trusts beyond the rule-by-rule kernel checks."""
        return {
            "premises": [s.source for s in self.steps if s.by == "premise"],
            "smt": [s.claim for s in self.steps if s.by == "smt"],
            "perceived": [{"claim": s.claim, "model": s.model, "input": s.input, "confidence": s.confidence}
                          for s in self.steps if s.by == "perceived"],
            "closed": [s.claim for s in self.steps if s.by == "closed"],
        }

    def render(self) -> str:
        """An indented derivation tree, conclusion first; shared subproofs are shown once."""
        steps, lines, shown = self.by_id(), [], set()

        def walk(sid, depth):
            s = steps[sid]
            pad = "  " * depth
            if sid in shown:
                lines.append(f"{pad}{s.claim}    (see above)")
                return
            shown.add(sid)
            lines.append(f"{pad}{s.claim}    [{_why(s)}]")
            for p in s.premises:
                walk(p, depth + 1)

        walk(self.conclusion.id, 0)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _why(s: Step) -> str:
    match s.by:
        case "premise":
            return f"premise {s.source}"
        case "rule":
            sub = ", ".join(f"{k}={v}" for k, v in (s.subst or {}).items())
            return f"rule {s.rule}" + (f" with {sub}" if sub else "")
        case "closed":
            return f"closed world: {s.predicate} is closed and this atom is not derivable"
        case "smt":
            return "smt: follows from the steps below (checked by z3)"
        case "perceived":
            return f"perceived by {s.model} from {s.input}, confidence {s.confidence:.3f}"
    return s.by
