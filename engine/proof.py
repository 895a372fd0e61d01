"""Proofs as data: steps with claims and justifications, a text tree, and JSON.

A proof is a list of steps; the last step's claim is what the proof proves. A step's claim
is a formula (frozen engine.language.syntax), built so by the search; `Step.text` prints it for people
and JSON. A claim may also be given as text (JSON, hand-written steps): the KB reads such
claims into formulas (engine/kb.py, `read_claims`) before the kernel sees them, since the
kernel neither parses nor prints.
Ground values in substitutions are JSON strings (constants), integers, or
strings "#p/q" for exact rationals.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction

from .language import syntax as S

KINDS = ("premise", "rule", "perceived", "smt", "closed")
# the steps of causal answers (checked by engine/kernel/causal.py)
CAUSAL_KINDS = ("worlds", "intervene", "predict", "verdict", "compute", "project", "factorise",
                "identify", "cause", "graph")
# the steps of answers that use laws from data (checked by engine/kernel/laws.py)
LAW_KINDS = ("law", "evaluate", "solve")


MAX_INDENT = 40      # proof trees print indented up to this depth


@dataclass(slots=True)
class Step:
    """One step of a proof (not frozen: steps are built by the thousand, and a frozen
    dataclass costs 3x as much to construct)."""
    id: int
    claim: object                      # a formula (engine.language.syntax), or its text before it is read
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
    data: dict | None = None           # causal steps: what the kernel recomputes (JSON values)

    @property
    def text(self) -> str:
        """The claim as source text (for display and JSON, never for checking)."""
        claim = self.claim
        if isinstance(claim, str):
            return claim
        try:
            return S.show_formula(claim)
        except (TypeError, RecursionError):
            pass
        try:
            return S.show(claim)
        except (TypeError, RecursionError):
            return repr(claim)

    def to_json(self) -> dict:
        out = {"id": self.id, "claim": self.text, "by": self.by}
        for key in ("source", "rule", "predicate", "model", "input", "confidence"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.subst is not None:
            out["subst"] = {k: encode_value(v) for k, v in self.subst.items()}
        if self.by in ("rule", "smt"):
            out["from"] = list(self.premises)
        if self.data is not None:
            out["data"] = self.data
        if self.instances:
            out["instances"] = {str(k): [{n: encode_value(v) for n, v in s.items()} for s in subs]
                                for k, subs in self.instances.items()}
        return out

    @staticmethod
    def from_json(d: dict, where: str = "step") -> "Step":
        """A step from its JSON object; a ProofError E005 naming the field when it is malformed."""
        _need(isinstance(d, dict), where, "must be an object")
        for key in ("id", "claim", "by"):
            _need(key in d, where, f"has no '{key}'")
        _need(_is_int(d["id"]), f"{where}.id", "must be an integer")
        for key in ("claim", "by"):
            _need(isinstance(d[key], str), f"{where}.{key}", "must be a string")
        for key in ("source", "rule", "predicate", "model", "input"):
            _need(d.get(key) is None or isinstance(d[key], str), f"{where}.{key}", "must be a string")
        confidence = d.get("confidence")
        _need(confidence is None or isinstance(confidence, (int, float)) and not isinstance(confidence, bool)
              and 0 <= confidence <= 1, f"{where}.confidence", "must be a number between 0 and 1")
        premises = d.get("from", [])
        _need(isinstance(premises, list) and all(map(_is_int, premises)), f"{where}.from",
              "must be a list of step ids (integers)")
        subst = _substitution(d["subst"], f"{where}.subst") if d.get("subst") is not None else None
        instances = None
        if d.get("instances") is not None:
            _need(isinstance(d["instances"], dict), f"{where}.instances", "must be an object")
            instances = {}
            for k, subs in d["instances"].items():
                _need(k.lstrip("-").isdigit() and k.isascii(), f"{where}.instances", f"key {k!r} is not a step id")
                _need(isinstance(subs, list), f"{where}.instances.{k}", "must be a list of substitutions")
                instances[int(k)] = [_substitution(s, f"{where}.instances.{k}[{i}]") for i, s in enumerate(subs)]
        _need(d.get("data") is None or isinstance(d["data"], dict), f"{where}.data", "must be an object")
        return Step(d["id"], d["claim"], d["by"], d.get("source"), d.get("rule"), subst,
                    tuple(premises), d.get("predicate"), instances,
                    d.get("model"), d.get("input"), None if confidence is None else float(confidence),
                    d.get("data"))


def encode_value(v):
    if isinstance(v, Fraction) and v.denominator != 1:
        return f"#{v.numerator}/{v.denominator}"
    if isinstance(v, Fraction):
        return int(v)
    return v


def _need(ok: bool, where: str, problem: str) -> None:
    if not ok:
        from .errors import Diagnostic, ProofError
        raise ProofError([Diagnostic("E005", f"malformed proof: {where} {problem}", None,
                                     "give a proof as written by `scientia ask --json` or Proof.to_json")])


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _substitution(s, where: str) -> dict:
    _need(isinstance(s, dict), where, "must be an object of variable -> value")
    try:
        return {k: decode_value(v) for k, v in s.items()}
    except (ValueError, ZeroDivisionError) as e:
        _need(False, where, f"has a bad value ({e})")


def decode_value(v):
    if isinstance(v, str) and v.startswith("#"):
        try:
            return Fraction(v[1:])
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"bad value in proof: {v!r}") from None
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
    def from_json(d: dict, name: str = "proof") -> "Proof":
        """A proof from its JSON object ({"steps": [...]}); a ProofError E005 that names the
        malformed field (as `NAME.steps[3].subst`) for anything of the wrong shape or type."""
        _need(isinstance(d, dict), name, "must be a JSON object with a list of steps")
        _need(isinstance(d.get("steps"), list), name, "has no list 'steps'")
        return Proof(tuple(Step.from_json(s, f"{name}.steps[{i}]") for i, s in enumerate(d["steps"])))

    def rests_on(self) -> dict:
        """What the proof trusts beyond the rule-by-rule kernel checks."""
        return {
            "premises": [s.source for s in self.steps if s.by == "premise"],
            "smt": [s.text for s in self.steps if s.by == "smt"],
            "perceived": [{"claim": s.text, "model": s.model, "input": s.input, "confidence": s.confidence}
                          for s in self.steps if s.by == "perceived"],
            "closed": [s.text for s in self.steps if s.by == "closed"],
        }

    def render(self) -> str:
        """An indented derivation tree, conclusion first; shared subproofs are shown once.
        Iterative (a chain's proof is thousands of steps deep); past depth MAX_INDENT the
        indentation stops growing and the depth is written out instead."""
        steps, lines, shown = self.by_id(), [], set()
        stack = [(self.conclusion.id, 0)]
        while stack:
            sid, depth = stack.pop()
            s = steps[sid]
            pad = "  " * depth if depth <= MAX_INDENT else "  " * MAX_INDENT + f"[depth {depth}] "
            if sid in shown:
                lines.append(f"{pad}{s.text}    (see above)")
                continue
            shown.add(sid)
            lines.append(f"{pad}{s.text}    [{_why(s)}]")
            stack.extend((p, depth + 1) for p in reversed(s.premises))
        return "\n".join(lines)

    def depth(self) -> int:
        """The length of the longest chain of steps from the conclusion down to a leaf."""
        steps, depth = self.by_id(), {}
        for s in sorted(steps.values(), key=lambda s: s.id):     # premises come before their step
            depth[s.id] = 1 + max((depth.get(p, 0) for p in s.premises), default=0)
        return depth.get(self.conclusion.id, 0)

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
            what = "no such atom is" if "exists" in s.text else "this atom is not"
            name = "believes" if s.predicate.startswith("@") else s.predicate    # a belief predicate
            return f"closed world: {name} is closed and {what} derivable"
        case "smt":
            return "smt: follows from the steps below (checked by z3)"
        case "perceived":
            return f"perceived by {s.model} from {s.input}, confidence {s.confidence:.3f}"
        case "worlds":
            return "abduction: the background settings consistent with the evidence"
        case "intervene":
            return "action: the equations of the intervened variables replaced by constants"
        case "predict":
            return "prediction: the equations evaluated in each setting"
        case "verdict":
            return "decided by the steps below"
        case "compute":
            return "computed, and recomputed exactly by the kernel"
        case "project":
            return "latent projection onto the variables the numbers mention"
        case "factorise":
            return "factorisation: each factor's independence claim holds in the projected graph (m-separation)"
        case "graph":
            return "back-door criterion in the model's graph"
        case "cause":
            return "actual cause (modified Halpern-Pearl): AC1, AC2 by the witness, AC3 minimality"
        case "law":
            d = s.data or {}
            return (f"law {d.get('name')}: from {d.get('file')} (sha256 {str(d.get('sha256'))[:8]}…, "
                    f"{d.get('rows')} rows, max rel error {d.get('max_rel_error')}) at {s.source}")
        case "evaluate":
            return "evaluated at the query point, enclosed in exact intervals by the kernel"
        case "solve":
            d = s.data or {}
            return f"solved: a root of the equation lies in [{d.get('lo_text')}, {d.get('hi_text')}] (sign change)"
    return s.by
