"""Scenes of coloured shapes on a 3x3 grid, questions about them, and the splits.

A scene is a frozen list of objects (row, col, colour, shape). `render` draws it as a
3x48x48 float image (16x16 cells, jittered shapes, noisy colours); `crop` cuts out one
object's cell, the bounding box the renderer knows (object detection is not learned).

Questions come from five templates that share one small grammar:

    exists       is there a <C S> <rel> a <C S> ?            yes / no          (training)
    attr         what color|shape is the thing directly <rel> the <C S> ?   (training)
    count_color  how many <C> things are <rel> the <C S> ?    0..8             (training)
    pair         is the <C S> <rel> the <C S> ?               yes / no         (held out)
    count_shape  how many <S>s are <rel> the <C S> ?          0..8             (held out)

`gold` answers a question from the scene by plain Python; no logic engine involved.
Training scenes never contain the held-out colour+shape combinations and training
questions never use the held-out templates.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace

import numpy as np

COLORS = ("red", "green", "blue", "yellow")
SHAPES = ("circle", "square", "triangle")
HELD_OUT_COMBOS = (("blue", "triangle"), ("red", "circle"), ("yellow", "square"))
SEEN_COMBOS = tuple((c, s) for c in COLORS for s in SHAPES if (c, s) not in HELD_OUT_COMBOS)
TRAIN_TEMPLATES = ("exists", "attr", "count_color")
HELD_OUT_TEMPLATES = ("pair", "count_shape")
RELATIONS = ("left_of", "right_of", "above", "below")
ADJACENT = ("just_left_of", "just_right_of", "just_above", "just_below")
PHRASES = {"left_of": "left of", "right_of": "right of", "above": "above", "below": "below",
           "just_left_of": "directly left of", "just_right_of": "directly right of",
           "just_above": "directly above", "just_below": "directly below"}
RENAMING = {"red": "blicket", "green": "wug", "blue": "dax", "yellow": "toma",
            "circle": "fep", "square": "zorb", "triangle": "kiki"}
ANSWERS = ("yes", "no") + COLORS + SHAPES + tuple(str(n) for n in range(9))
GRID, CELL = 3, 16
SIZE = GRID * CELL
BASE_RGB = {"red": (0.9, 0.12, 0.1), "green": (0.12, 0.75, 0.15),
            "blue": (0.15, 0.25, 0.92), "yellow": (0.92, 0.85, 0.12)}


@dataclass(frozen=True)
class Obj:
    row: int
    col: int
    color: str
    shape: str

    @property
    def name(self) -> str:
        return f"o{self.row * GRID + self.col}"


@dataclass(frozen=True)
class Scene:
    objects: tuple


@dataclass(frozen=True)
class Question:
    """template, the noun phrases as (colour, shape) pairs (None for a missing word),
    the relation, the asked attribute (attr only), the text and the gold answer."""

    template: str
    np1: tuple
    rel: str
    np2: tuple
    attr: str | None
    text: str
    answer: str
    category: str = "train"


# ---------------------------------------------------------------- relations
def holds(rel: str, a: Obj, b: Obj) -> bool:
    """The spatial relations, on grid positions: `left_of` is any column to the left,
    `just_left_of` the neighbouring cell in the same row."""
    dr, dc = a.row - b.row, a.col - b.col
    return {"left_of": dc < 0, "right_of": dc > 0, "above": dr < 0, "below": dr > 0,
            "just_left_of": dr == 0 and dc == -1, "just_right_of": dr == 0 and dc == 1,
            "just_above": dc == 0 and dr == -1, "just_below": dc == 0 and dr == 1}[rel]


def matches(o: Obj, np_: tuple) -> bool:
    color, shape = np_
    return (color is None or o.color == color) and (shape is None or o.shape == shape)


def gold(scene: Scene, q: Question) -> str:
    objs = scene.objects
    if q.template in ("exists", "pair"):
        hit = any(matches(a, q.np1) and matches(b, q.np2) and holds(q.rel, a, b)
                  for a in objs for b in objs if a is not b)
        return "yes" if hit else "no"
    ref = _unique(objs, q.np2)
    if q.template == "attr":
        target = [o for o in objs if holds(q.rel, o, ref)]
        return getattr(target[0], q.attr)
    return str(sum(matches(o, q.np1) and holds(q.rel, o, ref) for o in objs))


def _unique(objs, np_):
    found = [o for o in objs if matches(o, np_)]
    assert len(found) == 1, (np_, objs)
    return found[0]


# ---------------------------------------------------------------- text
def np_text(np_: tuple, plural: bool = False) -> str:
    color, shape = np_
    noun = (shape or "thing") + ("s" if plural else "")
    return f"{color} {noun}" if color else noun


def question_text(template: str, np1, rel: str, np2, attr=None) -> str:
    r, b = PHRASES[rel], np_text(np2)
    return {"exists": f"is there a {np_text(np1)} {r} a {b} ?",
            "pair": f"is the {np_text(np1)} {r} the {b} ?",
            "attr": f"what {'color' if attr == 'color' else 'shape'} is the thing {r} the {b} ?",
            "count_color": f"how many {np_text(np1, True)} are {r} the {b} ?",
            "count_shape": f"how many {np_text(np1, True)} are {r} the {b} ?"}[template]


def rename_text(text: str, mapping: dict = RENAMING) -> str:
    """Colour and shape words (and their plurals) replaced by nonsense names."""
    plural = {w + "s": m + "s" for w, m in mapping.items()}
    return " ".join(mapping.get(w, plural.get(w, w)) for w in text.split())


# ---------------------------------------------------------------- scenes
def random_scene(rng: random.Random, combos, n_min: int = 3, n_max: int = 6, must=()) -> Scene:
    """Objects in distinct cells, attributes drawn from `combos`; `must` combos are placed first."""
    cells = rng.sample(range(GRID * GRID), rng.randint(max(n_min, len(must)), n_max))
    pairs = list(must) + [rng.choice(combos) for _ in range(len(cells) - len(must))]
    rng.shuffle(pairs)
    objs = [Obj(cell // GRID, cell % GRID, c, s) for cell, (c, s) in zip(cells, pairs)]
    return Scene(tuple(sorted(objs, key=lambda o: (o.row, o.col))))


def render(scene: Scene, rng: np.random.Generator | None = None, noise: float = 1.0) -> np.ndarray:
    """A 3x48x48 float32 image in [0, 1]. noise=0 gives a clean drawing (for tests)."""
    rng = rng or np.random.default_rng(0)
    img = 0.08 + noise * rng.normal(0.0, 0.04, (3, SIZE, SIZE))
    for o in scene.objects:
        rgb = np.array(BASE_RGB[o.color]) + noise * rng.uniform(-0.1, 0.1, 3)
        mask = shape_mask(o.shape, rng, noise)
        cell = img[:, o.row * CELL:(o.row + 1) * CELL, o.col * CELL:(o.col + 1) * CELL]
        cell[:, mask] = rgb[:, None] + noise * rng.normal(0.0, 0.04, (3, int(mask.sum())))
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def shape_mask(shape: str, rng: np.random.Generator, noise: float = 1.0) -> np.ndarray:
    """A boolean 16x16 mask: the shape with a jittered size and centre."""
    half = 5.5 + noise * rng.uniform(-1.5, 1.0)
    cy, cx = 7.5 + noise * rng.uniform(-1.2, 1.2, 2)
    y, x = np.mgrid[0:CELL, 0:CELL] + 0.0
    if shape == "circle":
        return (y - cy) ** 2 + (x - cx) ** 2 <= half ** 2
    if shape == "square":
        side = half * 0.85
        return (abs(y - cy) <= side) & (abs(x - cx) <= side)
    top, bottom = cy - half, cy + half * 0.8
    width = (y - top) / (bottom - top) * half
    return (y >= top) & (y <= bottom) & (abs(x - cx) <= width)


def crop(image: np.ndarray, o: Obj) -> np.ndarray:
    return image[:, o.row * CELL:(o.row + 1) * CELL, o.col * CELL:(o.col + 1) * CELL]


# ---------------------------------------------------------------- questions
def make_question(rng: random.Random, scene: Scene, template: str, focus=None, want=None):
    """A question of `template` about `scene`, or None when the scene does not allow one.
    `focus`: a (colour, shape) combination the question must name; `want`: yes or no
    (for the yes/no templates)."""
    objs = scene.objects
    unique = [(o.color, o.shape) for o in objs if sum(matches(p, (o.color, o.shape)) for p in objs) == 1]
    for _ in range(30):
        q = _draw(rng, objs, unique, template, focus)
        if q is not None and (want is None or q.answer == want):
            return q
    return None


def _draw(rng, objs, unique, template, focus):
    if template in ("exists", "pair"):
        pool = unique if template == "pair" else sorted({(o.color, o.shape) for o in objs})
        if focus is not None and focus not in pool or len(pool) < 2:
            return None
        np1, np2 = rng.sample(pool, 2)
        if focus is not None and focus not in (np1, np2):
            other = rng.choice([p for p in pool if p != focus])
            np1, np2 = rng.choice(((focus, other), (other, focus)))
        return _finish(template, np1, rng.choice(RELATIONS), np2, None, objs)
    refs = [focus] if focus is not None else unique
    if focus is not None and focus not in unique:
        return None
    if not refs:
        return None
    np2 = rng.choice(refs)
    if template == "attr":
        ref = _unique(objs, np2)
        rels = [r for r in ADJACENT if any(holds(r, o, ref) for o in objs)]
        if not rels:
            return None
        return _finish(template, (None, None), rng.choice(rels), np2, rng.choice(("color", "shape")), objs)
    other = rng.choice(objs)            # mostly count an attribute the scene has, so counts vary
    color = other.color if rng.random() < 0.8 else rng.choice(COLORS)
    shape = other.shape if rng.random() < 0.8 else rng.choice(SHAPES)
    np1 = (color, None) if template == "count_color" else (None, shape)
    return _finish(template, np1, rng.choice(RELATIONS), np2, None, objs)


def _finish(template, np1, rel, np2, attr, objs):
    q = Question(template, np1, rel, np2, attr, question_text(template, np1, rel, np2, attr), "")
    return replace(q, answer=gold(Scene(objs), q))


# ---------------------------------------------------------------- splits
@dataclass(frozen=True)
class Item:
    scene_id: int
    question: Question


@dataclass(frozen=True)
class Dataset:
    scenes: tuple          # Scene per id
    train: tuple           # Items over training scenes, training templates, seen combos
    test: tuple            # Items with question.category in seen / new-combo / new-template


def build(seed: int, n_train_scenes: int, n_per_category: int, per_scene: int = 4) -> Dataset:
    rng = random.Random(seed)
    scenes, train, test = [], [], []
    for _ in range(n_train_scenes):
        scenes.append(random_scene(rng, SEEN_COMBOS))
        train += _ask_scene(rng, len(scenes) - 1, scenes[-1], TRAIN_TEMPLATES, per_scene, "train")
    while _count(test, "seen") < n_per_category or _count(test, "new-template") < n_per_category:
        scenes.append(random_scene(rng, SEEN_COMBOS))
        test += _ask_scene(rng, len(scenes) - 1, scenes[-1], TRAIN_TEMPLATES, 2, "seen")
        test += _ask_scene(rng, len(scenes) - 1, scenes[-1], HELD_OUT_TEMPLATES, 2, "new-template")
    while _count(test, "new-combo") < n_per_category:
        focus = rng.choice(HELD_OUT_COMBOS)
        scenes.append(random_scene(rng, SEEN_COMBOS + HELD_OUT_COMBOS, must=(focus,)))
        test += _ask_scene(rng, len(scenes) - 1, scenes[-1], TRAIN_TEMPLATES, 3, "new-combo", focus)
    test = _trim(test, n_per_category)
    return Dataset(tuple(scenes), tuple(train), tuple(test))


def _ask_scene(rng, sid, scene, templates, k, category, focus=None):
    items = []
    for _ in range(k):
        template = rng.choice(templates)
        want = rng.choice(("yes", "no")) if template in ("exists", "pair") else None
        q = make_question(rng, scene, template, focus, want)
        if q is not None and all(i.question.text != q.text for i in items):
            items.append(Item(sid, replace(q, category=category)))
    return items


def _count(items, category) -> int:
    return sum(i.question.category == category for i in items)


def _trim(items, n):
    kept, seen = [], {}
    for i in items:
        c = i.question.category
        if seen.get(c, 0) < n:
            kept.append(i)
            seen[c] = seen.get(c, 0) + 1
    return kept
