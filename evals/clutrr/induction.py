"""Rule induction for kinship chains: composition rules learned from training chains.

An example says: r1 then r2 (the end person of gender g) is the relation `target`, i.e.
the training chain X -r1-> Y -r2-> Z has target(X, Z). Length-2 chains are examples as
they stand. A length-3 chain X -a-> Y -b-> W -c-> Z that the rules learned so far do not
explain (neither bracketing composes to its target) gives an example when exactly one
bracketing reduces: (a . b = r) gives (r, c), or (b . c = r) gives (a, r). Chains already
explained teach nothing new, so a bracketing that CLUTRR did not use cannot inject a
wrong example (say husband . (daughter . uncle) for (husband . daughter) . uncle).

A candidate (r1, r2) becomes the rule

    target(X, Z) :- r1(X, Y), r2(Y, Z).

when at least `min_support` examples back it and at most a fraction 1 - `min_precision`
of its examples disagree. Where the examples disagree, the gender of Z is tried as a
condition (`..., male(Z).`); candidates that still disagree are dropped and reported.
Every rule keeps the training rows that induced it. Every rule asks X != Z: the compositions hold
between two different people (a brother's sister may be oneself), and a story with a back edge
(or the inverses below) would otherwise give self-relations that compose into wrong answers.

Only chains teach (CLUTRR's training stories are chains); a story with another shape is scored
whatever its shape: its edges are told as facts, and the answer is composed along any path
between the query's people. An edge read backwards needs the inverse relation, which the
training chains never state: `INVERSE` below is the vocabulary's own knowledge (the inverse of
father is son or daughter, by the gender of the other person), written from the meanings of the
words, not induced, and told as rules (`son(Y, X) :- father(X, Y), male(X).`). Renaming the
relations renames these rules with them.

Candidates (`candidates_text`): each composition the training split supports, with the number of
training rows behind it, including the ones that the rules leave out because the examples
disagree (son . grandfather: father in some rows, father-in-law in others). They are told as a
separate layer (`poss`), so that the certain answer is untouched and an unknown one can still
name the relations the training data would support, each with a proof.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from evals.clutrr.data import Item


@dataclass(frozen=True)
class Example:
    first: str
    second: str
    gender: str           # of the end person Z
    target: str
    source: str           # the training row


@dataclass(frozen=True)
class Rule:
    head: str
    first: str
    second: str
    gender: str | None    # condition on Z, or None
    sources: tuple        # training rows that back the rule
    disagree: int = 0     # examples of the candidate that said otherwise

    def text(self) -> str:
        cond = f", {self.gender}(Z)" if self.gender else ""
        return f"{name(self.head)}(X, Z) :- {name(self.first)}(X, Y), {name(self.second)}(Y, Z){cond}, X != Z."


@dataclass(frozen=True)
class Induction:
    rules: dict           # (first, second, gender | None) -> Rule
    dropped: dict         # (first, second, gender | None) -> Counter of targets
    examples: int
    rounds: int

    def compose(self, first: str, second: str, gender: str) -> str | None:
        rule = self.rules.get((first, second, None)) or self.rules.get((first, second, gender))
        return rule.head if rule else None


def name(relation: str) -> str:
    """A relation as a predicate name: father-in-law -> father_in_law."""
    return relation.replace("-", "_")


def chain_examples(items: list[Item]) -> list[Example]:
    return [Example(it.edges[0], it.edges[1], it.genders[2], it.target, it.source)
            for it in items if it.is_chain and len(it.edges) == 2]


def reduced_examples(items: list[Item], induction: Induction) -> list[Example]:
    """Examples from length-3 chains that the rules do not explain yet (no bracketing composes to
    the target) and where exactly one bracketing has its inner pair composed by a rule."""
    out = []
    for it in items:
        if not (it.is_chain and len(it.edges) == 3):
            continue
        (a, b, c), g = it.edges, it.genders
        left, right = induction.compose(a, b, g[2]), induction.compose(b, c, g[3])
        outcomes = {induction.compose(left, c, g[3]) if left else None,
                    induction.compose(a, right, g[3]) if right else None}
        if it.target in outcomes or (left and right):
            continue
        if left:
            out.append(Example(left, c, g[3], it.target, it.source))
        if right:
            out.append(Example(a, right, g[3], it.target, it.source))
    return out


def learn(examples: list[Example], min_support: int, min_precision: float) -> tuple[dict, dict]:
    """Rules (unconditional where the examples agree, else conditioned on Z's gender) and dropped candidates."""
    rules, dropped = {}, {}
    by_pair = defaultdict(list)
    for ex in examples:
        by_pair[(ex.first, ex.second)].append(ex)
    for (first, second), group in sorted(by_pair.items()):
        rule = _rule(first, second, None, group, min_support, min_precision)
        if rule:
            rules[(first, second, None)] = rule
            continue
        for gender in sorted({ex.gender for ex in group}):
            sub = [ex for ex in group if ex.gender == gender]
            rule = _rule(first, second, gender, sub, min_support, min_precision)
            if rule:
                rules[(first, second, gender)] = rule
            elif len(sub) >= min_support:
                dropped[(first, second, gender)] = Counter(ex.target for ex in sub)
    return rules, dropped


def _rule(first, second, gender, group, min_support, min_precision) -> Rule | None:
    counts = Counter(ex.target for ex in group)
    head, support = counts.most_common(1)[0]
    if support < min_support or support < min_precision * len(group):
        return None
    sources = tuple(ex.source for ex in group if ex.target == head)
    return Rule(head, first, second, gender, sources, len(group) - support)


def induce(train: list[Item], min_support: int = 2, min_precision: float = 1.0, rounds: int = 4) -> Induction:
    """Learn from length-2 chains, then again with the examples the length-3 chains give, until
    no new example appears. Examples accumulate: a chain explained by a rule that it taught stays
    the rule's evidence."""
    examples = chain_examples(train)
    induction, seen = Induction({}, {}, 0, 0), set()
    for n in range(1, rounds + 1):
        rules, dropped = learn(examples, min_support, min_precision)
        induction = Induction(rules, dropped, len(examples), n)
        new = [ex for ex in reduced_examples(train, induction) if ex not in seen]
        if not new:
            break
        seen.update(new)
        examples = examples + new
    return induction


# r(X, Y) (Y is the r of X) read backwards: X is the (male word, female word) of Y, by X's gender.
_BASE_INVERSE = {"father": "son", "son": "father", "husband": "husband", "brother": "brother",
                 "grandfather": "grandson", "grandson": "grandfather", "uncle": "nephew", "nephew": "uncle",
                 "father-in-law": "son-in-law", "son-in-law": "father-in-law"}
_FEMALE = {"father": "mother", "son": "daughter", "husband": "wife", "brother": "sister",
           "grandfather": "grandmother", "grandson": "granddaughter", "uncle": "aunt", "nephew": "niece",
           "father-in-law": "mother-in-law", "son-in-law": "daughter-in-law"}
INVERSE = {r: (inv, _FEMALE[inv]) for base, inv in _BASE_INVERSE.items() for r in (base, _FEMALE[base])}


def inverse_rules(relations, mapping: dict | None = None) -> list[str]:
    """The inverse of every relation in `relations` (names after `mapping`, if the relations were renamed)."""
    back = {v: k for k, v in (mapping or {}).items()}
    to = (lambda r: mapping.get(r)) if mapping else (lambda r: r)
    lines = []
    for r in sorted(relations):
        word = back.get(r, r) if mapping else r
        if word not in INVERSE:
            continue
        for gender, inv in zip(("male", "female"), INVERSE[word]):
            if to(inv) in relations:
                lines.append(f"{name(to(inv))}(Y, X) :- {name(r)}(X, Y), {gender}(X).")
    return lines


def kb_text(induction: Induction, relations, mapping: dict | None = None) -> str:
    """The learned rules with their provenance, the inverses, the answer relation `rel` and the query rule."""
    lines = ["% Composition rules induced from the training split; r(X, Y) reads: Y is the r of X."]
    for rule in sorted(induction.rules.values(), key=lambda r: (r.head, r.first, r.second, r.gender or "")):
        rows = ", ".join(rule.sources[:6]) + (", ..." if len(rule.sources) > 6 else "")
        lines.append(f"% {len(rule.sources)} examples ({rule.disagree} against): {rows}")
        lines.append(rule.text())
    lines.append("% Inverses (the vocabulary's meaning, not induced): an edge read backwards.")
    lines += inverse_rules(relations, mapping)
    lines.append("% rel(X, Y, R): Y is the R of X.")
    lines += [f"rel(X, Y, {name(r)}) :- {name(r)}(X, Y)." for r in sorted(relations)]
    lines.append("ans(X, Y, R) :- query(X, Y), rel(X, Y, R).")
    return "\n".join(lines) + "\n"


def candidates(induction: Induction) -> list[tuple]:
    """(first, second, gender | None, head, support) for every rule and every disagreeing candidate:
    support = the training rows (examples) whose target is `head`."""
    out = [(r.first, r.second, r.gender, r.head, len(r.sources)) for r in induction.rules.values()]
    out += [(first, second, gender, head, n) for (first, second, gender), counts in induction.dropped.items()
            for head, n in counts.items()]
    return sorted(out)


def candidates_text(induction: Induction, relations) -> tuple[str, dict]:
    """The candidate layer: poss(X, Y, R) for every relation the facts, the rules and the candidate
    compositions give, each composition step tagged via(cN); cand(X, Y, R) for the query pair.
    Returns the text and {"cN": (description, support)}."""
    lines = ["% Candidate layer: every composition the training split supports; via(cN) names the "
             "candidate, whose support is the number of training rows behind it."]
    lines += [f"poss(X, Y, {name(r)}) :- {name(r)}(X, Y)." for r in sorted(relations)]
    tags = {}
    for i, (first, second, gender, head, support) in enumerate(candidates(induction)):
        tag = f"c{i}"
        cond = f", {gender}(Z)" if gender else ""
        tags[tag] = (f"{head} = {first} . {second}" + (f" ({gender})" if gender else ""), support)
        lines.append(f"% {tags[tag][0]}: {support} rows")
        lines.append(f"via({tag}).")
        lines.append(f"poss(X, Z, {name(head)}) :- poss(X, Y, {name(first)}), poss(Y, Z, {name(second)}){cond}, "
                     f"X != Z, via({tag}).")
    lines.append("cand(X, Y, R) :- query(X, Y), poss(X, Y, R).")
    return "\n".join(lines) + "\n", tags
