"""Reading CLadder's questions.json and models.json into `Item`s, validated.

Every question becomes an `Item` whose inputs are only what the question states: the graph
(the model's `structure`, or reasoning step1, edges "A->B,C->D"), the treatment and outcome,
the given numbers (meta.given_info), polarity, formal_form, mediators / collider / action,
the two adjustment sets of a back-door question, and the boolean mechanisms of a
deterministic counterfactual (reasoning step4). `answer` and meta.groundtruth are kept apart
(`answer`, `groundtruth`) and are used only for scoring.

Numbers: a float x becomes Fraction(str(x)), the exact value of its shortest round-trip
decimal (e.g. 0.29 -> 29/100, 0.2925943880052799 -> 2925943880052799/10**16), so every
computation downstream is exact rational arithmetic on the numbers as written.

A question that cannot be read raises `CLadderDataError` naming its index and question id.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path


class CLadderDataError(ValueError):
    """An unreadable question; the message names it."""


def exact(x) -> Fraction:
    """A JSON number as an exact Fraction (floats through their shortest decimal repr)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"not a number: {x!r}")
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


@dataclass(frozen=True)
class Cond:
    """P(head = 1 | given = values): `table` maps each tuple of 0/1 values of `given`
    (in order) to a Fraction."""
    head: str
    given: tuple
    table: dict


@dataclass
class Item:
    index: int
    question_id: object
    desc_id: str
    query_type: str
    rung: int
    graph_id: str
    edges: tuple                   # ((a, b), ...) directed edges
    treatment: str
    outcome: str
    polarity: bool
    formal_form: str
    conds: list = field(default_factory=list)      # [Cond]
    events: dict = field(default_factory=dict)     # {frozenset({(var, value)}): Fraction}
    mediators: tuple = ()
    collider: str | None = None
    method_sets: tuple = ()                        # backadj: (set of method 1, set of method 2)
    evidence: dict = field(default_factory=dict)   # det-counterfactual: {var: 0/1}
    mechanisms: str = ""                           # det-counterfactual: reasoning step4
    answer: str = ""                               # for scoring only
    groundtruth: object = None                     # for scoring only
    question: str = ""                             # the question's text (for reading only)

    @property
    def name(self) -> str:
        return f"question #{self.index} (question_id={self.question_id}, {self.desc_id})"


_COND = re.compile(r"^[pP]\(\s*(\w+)\s*(?:\|\s*([\w\s,]+?))?\s*\)$")
_EVENT = re.compile(r"^[pP]\(\s*(\w+\s*=\s*[01](?:\s*,\s*\w+\s*=\s*[01])*)\s*\)$")


def parse_edges(text: str) -> tuple:
    edges = []
    for part in text.split(","):
        a, arrow, b = part.strip().partition("->")
        if not arrow or not a.strip() or not b.strip():
            raise ValueError(f"bad edge {part!r} in {text!r}")
        edges.append((a.strip(), b.strip()))
    return tuple(edges)


def _table(values, depth: int, prefix=()) -> dict:
    if depth == 0:
        if isinstance(values, list):
            if len(values) != 1:
                raise ValueError(f"expected one probability, got {values!r}")
            values = values[0]
        p = exact(values)
        if not 0 <= p <= 1:
            raise ValueError(f"not a probability: {values!r}")
        return {prefix: p}
    if not isinstance(values, list) or len(values) != 2:
        raise ValueError(f"expected a list of two rows, got {values!r}")
    out = {}
    for v, row in enumerate(values):
        out.update(_table(row, depth - 1, prefix + (v,)))
    return out


def parse_given(given: dict) -> tuple[list, dict]:
    """meta.given_info (numbers) -> ([Cond], {event: Fraction}); raises ValueError."""
    conds, events = [], {}
    for key, values in given.items():
        key_s = key.strip()
        m = _COND.match(key_s)
        if m:
            head, rest = m.group(1), m.group(2)
            parents = tuple(p.strip() for p in rest.split(",")) if rest else ()
            conds.append(Cond(head, parents, _table(values, len(parents))))
            continue
        m = _EVENT.match(key_s)
        if m:
            assignment = frozenset((a.strip(), int(b)) for a, b in
                                   (t.split("=") for t in m.group(1).split(",")))
            events[assignment] = exact(values)
            continue
        if " - " in key_s:   # collider_bias states a difference it does not need; kept out
            exact(values)
            continue
        raise ValueError(f"unreadable given_info key {key!r}")
    return conds, events


def _item(index: int, q: dict, models: dict) -> Item:
    meta = q["meta"]
    qid = q.get("question_id")
    model = models.get(meta["model_id"])
    structure = model["structure"] if model else (q.get("reasoning") or {}).get("step1")
    if not structure:
        raise ValueError("no graph: the model is missing and reasoning has no step1")
    qt = meta["query_type"]
    item = Item(index=index, question_id=qid, desc_id=str(q.get("desc_id", "")),
                query_type=qt, rung=int(meta["rung"]), graph_id=str(meta.get("graph_id", "")),
                edges=parse_edges(structure), treatment=meta["treatment"], outcome=meta["outcome"],
                polarity=bool(meta["polarity"]), formal_form=str(meta.get("formal_form", "")),
                answer=q["answer"], groundtruth=meta.get("groundtruth"),
                question=str(q.get("question") or ""))
    if q["answer"] not in ("yes", "no"):
        raise ValueError(f"answer {q['answer']!r} is not yes/no")
    given = meta.get("given_info")
    if qt == "backadj":
        if not (isinstance(given, list) and len(given) == 2 and all(isinstance(s, list) for s in given)):
            raise ValueError(f"backadj given_info must be two sets, got {given!r}")
        item.method_sets = (tuple(given[0]), tuple(given[1]))
    elif qt == "det-counterfactual":
        if not isinstance(given, dict) or not all(v in (0, 1) for v in given.values()):
            raise ValueError(f"det-counterfactual evidence must map variables to 0/1, got {given!r}")
        item.evidence = dict(given)
        item.mechanisms = str((q.get("reasoning") or {}).get("step4", ""))
        if not item.mechanisms.strip():
            raise ValueError("det-counterfactual without mechanisms (reasoning step4)")
    else:
        if not isinstance(given, dict):
            raise ValueError(f"given_info must be a mapping, got {given!r}")
        item.conds, item.events = parse_given(given)
    item.mediators = tuple(meta.get("mediators") or ())
    item.collider = meta.get("collider")
    nodes = {n for e in item.edges for n in e}
    for v in (item.treatment, item.outcome, *item.mediators, *([item.collider] if item.collider else [])):
        if v not in nodes:
            raise ValueError(f"variable {v} is not in the graph {structure}")
    return item


def items_from(questions: list, models: list | dict) -> list[Item]:
    """Validated items from the parsed JSON; raises CLadderDataError naming the question."""
    if isinstance(models, list):
        models = {m["model_id"]: m for m in models}
    out = []
    for i, q in enumerate(questions):
        try:
            out.append(_item(i, q, models))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            qid = q.get("question_id") if isinstance(q, dict) else None
            desc = q.get("desc_id") if isinstance(q, dict) else None
            raise CLadderDataError(f"question #{i} (question_id={qid}, {desc}): cannot read it: "
                                   f"{type(exc).__name__}: {exc}") from exc
    return out


def load(directory) -> list[Item]:
    """Items of DIR/questions.json with DIR/models.json."""
    d = Path(directory)
    questions = json.loads((d / "questions.json").read_text())
    models_path = d / "models.json"
    models = json.loads(models_path.read_text()) if models_path.exists() else {}
    if not isinstance(questions, list):
        raise CLadderDataError(f"{d / 'questions.json'}: expected a list of questions")
    return items_from(questions, models)
