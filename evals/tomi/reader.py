"""ToMi's `.txt` (bAbI layout) and `.trace` → `Item`s: a story of typed events, a typed
question, its answer and the trace's labels. grammar/tomi.lark is the reference for the
sentences; every line goes through it, and a line it cannot read is a `TomiDataError` naming
file:line and the text (nothing is skipped).

The layout: numbered lines, numbering restarting at 1 for a new story; a question line is
question TAB answer TAB supporting line numbers. A question's story is every statement since
the last restart. Both layouts are read: the classic bAbI one (several questions inside one
numbered story, numbering running on) and this release's, where each question comes after its
own copy of the story (consecutive identical copies share one `story_id`).

The `.trace` holds one line per question, in order: the story's event types, the question type
(`memory`, `reality`, `first_order_{0,1}_{tom,no_tom}`, `second_order_{0,1}_{tom,no_tom}`),
the story type; the counts must agree and each question's form must match its type.

`rename(item, mapping)` renames agents, places, objects and containers throughout (story,
question, answer); `fresh_names(item, seed)` is a deterministic mapping to made-up names that
collide neither with the story's names nor with one another; `lines(item)` writes an item
back in the layout it was read from.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Union

from lark import Lark, Transformer, v_args
from lark.exceptions import UnexpectedInput

GRAMMAR = Path(__file__).resolve().parents[2] / "grammar" / "tomi.lark"
QTYPE = re.compile(r"(memory|reality|(first|second)_order_[01]_(tom|no_tom))\Z")
AGENT = re.compile(r"[A-Z][a-z]+\Z")
NAME = re.compile(r"[A-Za-z][A-Za-z_]*\Z")
# the grammar's own words: never a name (a name spelled like one could be read as the word)
KEYWORDS = frozenset("""entered exited the is in moved to likes dislikes loves hates where
was at beginning really will look for does think that searches""".split())


class TomiDataError(ValueError):
    """A line of a ToMi file that cannot be read, or files that disagree (counts, labels)."""


# ---------------------------------------------------------------- events and questions
@dataclass(frozen=True)
class Enter:
    agent: str
    place: str
    line: int

    @property
    def text(self) -> str:
        return f"{self.agent} entered the {self.place}."


@dataclass(frozen=True)
class Exit:
    agent: str
    place: str
    line: int

    @property
    def text(self) -> str:
        return f"{self.agent} exited the {self.place}."


@dataclass(frozen=True)
class Located:
    """`The O is in the C.`: where the object starts."""

    obj: str
    container: str
    line: int

    @property
    def text(self) -> str:
        return f"The {self.obj} is in the {self.container}."


@dataclass(frozen=True)
class Move:
    agent: str
    obj: str
    container: str
    line: int

    @property
    def text(self) -> str:
        return f"{self.agent} moved the {self.obj} to the {self.container}."


@dataclass(frozen=True)
class Distractor:
    """`X likes the T` (likes, dislikes, loves, hates): an attitude towards a place or an
    object, irrelevant to the questions. `period`: whether the line ended in one."""

    agent: str
    attitude: str
    thing: str
    line: int
    period: bool = False

    @property
    def text(self) -> str:
        return f"{self.agent} {self.attitude} the {self.thing}" + ("." if self.period else "")


Event = Union[Enter, Exit, Located, Move, Distractor]
KINDS = ("memory", "reality", "first", "second")


@dataclass(frozen=True)
class Question:
    """kind memory (where the object was at the beginning), reality (where it is), first
    (where agents[0] will look for it), second (where agents[0] thinks agents[1] searches)."""

    kind: str
    obj: str
    agents: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        if self.kind == "memory":
            return f"Where was the {self.obj} at the beginning?"
        if self.kind == "reality":
            return f"Where is the {self.obj} really?"
        if self.kind == "first":
            return f"Where will {self.agents[0]} look for the {self.obj}?"
        return f"Where does {self.agents[0]} think that {self.agents[1]} searches for the {self.obj}?"


@dataclass(frozen=True)
class Item:
    """One question with its story. `index`: the question's place in the file (0-based, the
    trace's line); `story_id`: which story (consecutive copies of one story share it);
    `qline`: the question's line number; `support`: the supporting line numbers as given."""

    index: int
    story: tuple[Event, ...]
    question: Question
    answer: str
    qtype: str
    story_type: str
    trace_events: tuple[str, ...]
    support: tuple[int, ...]
    story_id: int
    qline: int

    @property
    def kind(self) -> str:
        return self.question.kind


# ---------------------------------------------------------------- the grammar
@v_args(inline=True)
class _Build(Transformer):
    """Parse tree → ("statement", n, event) or ("question", n, Question, answer, support)."""

    def statement_line(self, n, made):
        cls, args = made
        return ("statement", int(n), cls(*args[:-1], line=int(n), **args[-1]))

    def question_line(self, n, question, answer, support):
        return ("question", int(n), question, str(answer), support)

    def support(self, *numbers):
        return tuple(int(x) for x in numbers)

    def enter(self, agent, place):
        return Enter, (str(agent), str(place), {})

    def exit(self, agent, place):
        return Exit, (str(agent), str(place), {})

    def located(self, obj, container):
        return Located, (str(obj), str(container), {})

    def move(self, agent, obj, container):
        return Move, (str(agent), str(obj), str(container), {})

    def attitude(self, agent, attitude, thing):
        return Distractor, (str(agent), str(attitude), str(thing), {"period": False})

    def attitude_period(self, agent, attitude, thing):
        return Distractor, (str(agent), str(attitude), str(thing), {"period": True})

    def memory(self, obj):
        return Question("memory", str(obj))

    def reality(self, obj):
        return Question("reality", str(obj))

    def first(self, agent, obj):
        return Question("first", str(obj), (str(agent),))

    def second(self, agent, other, obj):
        return Question("second", str(obj), (str(agent), str(other)))


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR.read_text(), parser="lalr", start="line", transformer=_Build())


def parse_line(text: str):
    """One line of a .txt file → ("statement", n, event) or ("question", n, Question, answer,
    support); raises lark's UnexpectedInput."""
    return _parser().parse(text)


def _expected(err: UnexpectedInput) -> str:
    """Where the line went wrong and what the grammar expected there ('?' rather than QMARK)."""
    def shown(terminal: str) -> str:
        try:
            pattern = _parser().get_terminal(terminal).pattern
        except KeyError:
            return terminal
        return repr(pattern.value) if pattern.type == "str" else terminal
    expected = sorted(shown(t) for t in getattr(err, "expected", None) or getattr(err, "allowed", None) or ())
    where = f"column {err.column}" if getattr(err, "column", None) not in (None, -1) else "the end"
    return f"unexpected input at {where}" + (f" (expected {', '.join(expected[:8])})" if expected else "")


# ---------------------------------------------------------------- reading
def _read_trace(trace_path: Path) -> list[tuple[tuple[str, ...], str, str]]:
    out = []
    for lineno, raw in enumerate(trace_path.read_text().splitlines(), 1):
        parts = raw.strip().split(",")
        if len(parts) < 2 or not QTYPE.match(parts[-2]) or not re.fullmatch(r"[a-z_]+", parts[-1]) \
                or not all(re.fullmatch(r"[a-z0-9_]+", p) for p in parts[:-2]):
            raise TomiDataError(f"{trace_path}:{lineno}: cannot read trace line {raw!r} (expected "
                                "event types, a question type and a story type, comma-separated)")
        out.append((tuple(parts[:-2]), parts[-2], parts[-1]))
    return out


def _kind_of(qtype: str) -> str:
    return qtype.split("_", 1)[0]


def read(txt_path, trace_path) -> list[Item]:
    """Every question of a ToMi .txt file with its story and the .trace's labels, in order."""
    txt_path, trace_path = Path(txt_path), Path(trace_path)
    traces = _read_trace(trace_path)
    questions = []  # (story, question, answer, support, qline, block, file line)
    cache: dict[str, tuple] = {}
    story: list = []
    previous = 0
    block = -1
    for lineno, raw in enumerate(txt_path.read_text().splitlines(), 1):
        parsed = cache.get(raw)
        if parsed is None:
            try:
                parsed = cache[raw] = parse_line(raw)
            except UnexpectedInput as err:
                raise TomiDataError(f"{txt_path}:{lineno}: cannot read {raw!r}: {_expected(err)}") from None
        n = parsed[1]
        if n == 1:
            story, block = [], block + 1
        elif n != previous + 1:
            raise TomiDataError(f"{txt_path}:{lineno}: line number {n} after {previous} "
                                f"(numbers run on from 1 within a story): {raw!r}")
        previous = n
        if parsed[0] == "statement":
            story.append(parsed[2])
        else:
            _, _, question, answer, support = parsed
            questions.append((tuple(story), question, answer, support, n, block, lineno))
    if len(questions) != len(traces):
        raise TomiDataError(f"{txt_path} has {len(questions)} questions but {trace_path} has "
                            f"{len(traces)} lines (one per question)")
    items: list[Item] = []
    story_id = -1
    last = None
    for index, ((story_, question, answer, support, qline, block_, lineno), (events, qtype, story_type)) \
            in enumerate(zip(questions, traces)):
        if _kind_of(qtype) != question.kind:
            raise TomiDataError(f"{txt_path}:{lineno}: a {question.kind} question "
                                f"({question.text!r}) but {trace_path}:{index + 1} says {qtype}")
        if last is None or (block_ != last[0] and story_ != last[1]):
            story_id += 1
        last = (block_, story_)
        items.append(Item(index, story_, question, answer, qtype, story_type, events, support,
                          story_id, qline))
    return items


def lines(item: Item) -> list[str]:
    """The item in the bAbI layout: its story's lines, then the question line."""
    out = [f"{event.line} {event.text}" for event in item.story]
    out.append(f"{item.qline} {item.question.text}\t{item.answer}\t{' '.join(map(str, item.support))}")
    return out


# ---------------------------------------------------------------- names
_NAME_FIELDS = ("agent", "place", "obj", "container", "thing")


def names(item: Item) -> set[str]:
    """Every agent, place, object and container the item mentions (story, question, answer)."""
    out = {getattr(e, f.name) for e in item.story for f in fields(e) if f.name in _NAME_FIELDS}
    out.update(item.question.agents)
    out.update((item.question.obj, item.answer))
    return out


def agents(item: Item) -> set[str]:
    """The names the item uses as agents (by their place in the sentences, not their spelling)."""
    return {e.agent for e in item.story if hasattr(e, "agent")} | set(item.question.agents)


def rename(item: Item, mapping: Mapping[str, str]) -> Item:
    """The item with every name in `mapping` replaced (names it leaves out stay). Raises
    ValueError where two names would become one, or a new name would not read back (an agent
    stays a capitalised word, anything else a word of letters and underscores; no keyword)."""
    old, people = names(item), agents(item)
    new = {}
    for name in old:
        target = mapping.get(name, name)
        pattern = AGENT if name in people else NAME
        if not pattern.match(target) or target.lower() in KEYWORDS:
            kind = "an agent's name" if name in people else "a place, object or container name"
            raise ValueError(f"cannot rename {name!r} to {target!r}: not {kind} ToMi's grammar reads")
        new[name] = target
    clashes = {t for t in new.values() if sum(v == t for v in new.values()) > 1}
    if clashes:
        raise ValueError("renaming would merge names: " + "; ".join(
            f"{' and '.join(sorted(k for k, v in new.items() if v == t))} -> {t}" for t in sorted(clashes)))

    def event(e):
        return replace(e, **{f.name: new[getattr(e, f.name)] for f in fields(e) if f.name in _NAME_FIELDS})

    q = item.question
    return replace(item, story=tuple(event(e) for e in item.story), answer=new[item.answer],
                   question=Question(q.kind, new[q.obj], tuple(new[a] for a in q.agents)))


_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"


def fresh_names(item: Item, seed: int = 0) -> dict[str, str]:
    """A mapping of every name in the item to a made-up one (three consonant-vowel syllables,
    capitalised for agents): the same for the same names and seed, distinct from one another,
    from the item's own names and from the grammar's words."""
    rng = random.Random(f"tomi-fresh-names:{seed}")
    own, people = names(item), agents(item)
    taken = {n.lower() for n in own} | KEYWORDS
    mapping = {}
    for name in sorted(own):
        while True:
            word = "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(3))
            if word not in taken:
                break
        taken.add(word)
        mapping[name] = word.capitalize() if name in people else word
    return mapping
