"""Answers and proofs as the command line and the REPL print them."""
from __future__ import annotations

from ..answer import CONSISTENCY_UNKNOWN, Answer
from ..proof import Proof


TOO_DEEP_TO_DRAW = "a derivation too deep to draw as a tree, listed step by step"
LIST_DEPTH = 500    # deeper proofs print as a list of steps: a tree that deep is not read


def render_proof(proof: Proof) -> str:
    """The proof as a tree (Proof.render); a derivation deeper than LIST_DEPTH is listed step
    by step instead, conclusion first, each step with the ids it follows from."""
    from ..proof import _why
    if proof.depth() <= LIST_DEPTH:
        return proof.render()
    lines = [f"{TOO_DEEP_TO_DRAW} ({len(proof.steps)} steps; --json gives it whole)"]
    for s in reversed(proof.steps):
        since = f" from {', '.join(map(str, s.premises))}" if s.premises else ""
        lines.append(f"{s.id}. {s.text}    [{_why(s)}]{since}")
    return "\n".join(lines)


def describe(a: Answer) -> str:
    binding = ", ".join(f"{k} = {v}" for k, v in a.to_json()["bindings"].items())
    text = f"{binding}: {a.verdict}" if binding else str(a.verdict)
    if getattr(a, "value", None) is not None:
        from fractions import Fraction
        v = Fraction(a.value)
        text += f", value {v}" + (f" (≈ {float(v):.4f})" if v.denominator != 1 else "")
    if a.reason:
        text += f" ({a.reason})"
    if getattr(a, "consistency_unknown", False):
        text += f"  (warning: the knowledge base may be inconsistent [{CONSISTENCY_UNKNOWN}])"
    if a.witnesses:
        text += f"\n      holds in: {model_text(a.witnesses['holds'])}\n      fails in: {model_text(a.witnesses['fails'])}"
    return text


def model_text(m: dict) -> str:
    return ", ".join(k if v else f"not {k}" for k, v in m.items()) or "(any model)"
