"""New combinations in scenes ("red on the left"): perception learns the attributes,
the logic composes them.

Scenes are 3x3 grids of coloured shapes (`evals.scenes.data`). Some colour+shape combinations
(red circle, blue triangle, yellow square) and two question templates (`is the A rel
the B ?`, `how many Ss are rel the B ?`) never occur in training. Test categories:
"seen", "new-combo", "new-template".

Scientia: two small CNNs (engine.perception) learn colour and shape from the labelled
object crops of the training scenes. Each test scene becomes a KnowledgeBase: a named
sort `obj` whose elements are the scene's objects (domain closure), the layout as
facts of closed predicates (`left_of`, `above`, `just_left_of`, `just_above`, with
rules for their converses), and one perceived fact `color_of(o) = c` / `shape_of(o) = s`
per object and attribute, with the classifier's confidence (nothing is asserted
below the threshold: the attribute stays unknown). Questions are parsed by one small
grammar into a query of the language; yes/no questions are closed queries (a "no" is
a proved `false`), "what ..." questions and counts use ask_all, and a count is only
given when a second query proves that no other object qualifies.

Baselines (evals.scenes.baseline): CNN + LSTM and CNN + Transformer, trained on the training
questions with the answer as a class. Every test question is asked again with colour
and shape words renamed ("renamed"); Scientia renames its sort declarations and its
classifiers' labels the same way.

    python -m evals.scenes [--quick] [--seed N]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from evals.scenes import data as D

TASK = "scenes"
CATEGORIES = ["seen", "new-combo", "new-template"]
BASELINES = ("cnn_lstm", "cnn_transformer")
SIZES = {True: {"train_scenes": 300, "per_category": 20, "clf_epochs": {"color": 3, "shape": 3},
               "baseline": {"epochs": 15, "select_epochs": 2}},
         False: {"train_scenes": 2000, "per_category": 120, "clf_epochs": {"color": 3, "shape": 3},
                 "baseline": {"epochs": 25, "select_epochs": 3}}}
THRESHOLD = 0.5
PROGRAM = """
type color = {{{colors}}}.
type shape = {{{shapes}}}.
fun color_of(obj) -> color.
fun shape_of(obj) -> shape.
pred left_of(obj, obj). pred above(obj, obj). pred just_left_of(obj, obj). pred just_above(obj, obj).
right_of(X, Y) :- left_of(Y, X).
below(X, Y) :- above(Y, X).
just_right_of(X, Y) :- just_left_of(Y, X).
just_below(X, Y) :- just_above(Y, X).
closed left_of, right_of, above, below, just_left_of, just_right_of, just_above, just_below.
"""
LAYOUT = ("left_of", "above", "just_left_of", "just_above")
NOTES = ("not a logical task: Scientia's answers rest on perceived attributes, so its accuracy is bounded "
         "by perception (result['perception']); object boxes and positions come from the renderer, and the "
         "question grammar is hand-written (the held-out templates are new to the learners, not to the parser)")


# ---------------------------------------------------------------- the scene as a KB
def scene_program(scene: D.Scene, colors, shapes) -> str:
    """The scene's objects, the attribute sorts and the layout: everything but the perceptions."""
    names = ", ".join(o.name for o in scene.objects)
    facts = [f"{r}({a.name}, {b.name})." for r in LAYOUT for a in scene.objects for b in scene.objects
             if D.holds(r, a, b)]
    return (f"type obj = {{{names}}}.\n" + PROGRAM.format(colors=", ".join(colors), shapes=", ".join(shapes))
            + "\n".join(facts) + "\n")


class TruthModel:
    """A stand-in perception model that reports the ground truth with confidence 1
    (the perception ceiling, and tests without training)."""

    def __init__(self, name: str, symbol: str, labels, threshold: float = THRESHOLD):
        self.name, self.symbol, self.labels, self.threshold = name, symbol, list(labels), threshold

    def one_hot(self, label: str) -> list:
        return [(x, 1.0 if x == label else 0.0) for x in self.labels]


def scene_kb(scene: D.Scene, colors, shapes, perceptions):
    """A KnowledgeBase with the scene's program, then one atomic batch of perceived facts per
    model: perceptions are (model, [(object name, [(label, probability), ...]), ...])."""
    from engine import KnowledgeBase
    kb = KnowledgeBase(timeout_ms=10_000)
    kb.tell(scene_program(scene, colors, shapes))
    for model, items in perceptions:
        kb.add_perceptions(model, items)
    return kb


def truth_perceptions(scene: D.Scene, rename: dict | None = None) -> list:
    """Ground-truth attributes as perceptions of confidence 1."""
    rename = rename or {}
    out = []
    for attr, labels in (("color", D.COLORS), ("shape", D.SHAPES)):
        model = TruthModel(f"truth_{attr}", f"{attr}_of", [rename.get(x, x) for x in labels])
        out.append((model, [(o.name, model.one_hot(rename.get(getattr(o, attr), getattr(o, attr))))
                            for o in scene.objects]))
    return out


# ---------------------------------------------------------------- questions as queries
@dataclass(frozen=True)
class Form:
    """A parsed question: kind yesno / which / count, noun phrases (colour, shape), relation."""
    kind: str
    np1: tuple
    rel: str
    np2: tuple
    attr: str | None = None


class Unparsed(ValueError):
    pass


def lexicon(kb) -> dict:
    """word -> ("color" | "shape", constant), read from the KB's sort declarations."""
    sig = kb.signature
    return {w: (sort, w) for sort in ("color", "shape") for w in sig.domain(sort)}


def parse_question(text: str, lex: dict) -> Form:
    toks = text.split()
    head = toks[:2]
    if head == ["is", "there"]:
        (np1, rel, np2), rest = _np_rel_np(toks[2:], lex, det="a")
        return _done(Form("yesno", np1, rel, np2), rest)
    if head[:1] == ["is"]:
        (np1, rel, np2), rest = _np_rel_np(toks[1:], lex, det="the")
        return _done(Form("yesno", np1, rel, np2), rest)
    if head[:1] == ["what"] and len(toks) > 3 and toks[1] in ("color", "shape") and toks[2] == "is":
        (np1, rel, np2), rest = _np_rel_np(toks[3:], lex, det="the")
        return _done(Form("which", np1, rel, np2, toks[1]), rest)
    if head == ["how", "many"]:
        np1, rest = _np(toks[2:], lex, plural=True)
        rel, rest = _rel(_expect(rest, "are"), 0)
        np2, rest = _np(_expect(rest, "the"), lex)
        return _done(Form("count", np1, rel, np2), rest)
    raise Unparsed(text)


def _np_rel_np(toks, lex, det):
    np1, rest = _np(_expect(toks, det), lex)
    rel, rest = _rel(rest, 0)
    np2, rest = _np(_expect(rest, det), lex)
    return (np1, rel, np2), rest


def _expect(toks, word):
    if not toks or toks[0] != word:
        raise Unparsed(f"expected {word!r} at {' '.join(toks)!r}")
    return toks[1:]


def _np(toks, lex, plural=False):
    """[colour] (shape | thing), plural with a trailing s."""
    color = None
    if toks and lex.get(toks[0], ("",))[0] == "color":
        color, toks = toks[0], toks[1:]
    if not toks:
        raise Unparsed("missing noun")
    word = toks[0][:-1] if plural and toks[0].endswith("s") else toks[0]
    if word == "thing":
        return (color, None), toks[1:]
    if lex.get(word, ("",))[0] == "shape":
        return (color, word), toks[1:]
    raise Unparsed(f"not a noun: {toks[0]!r}")


def _rel(toks, _):
    direct = bool(toks) and toks[0] == "directly"
    toks = toks[1:] if direct else toks
    for name, words in (("left_of", ["left", "of"]), ("right_of", ["right", "of"]),
                        ("above", ["above"]), ("below", ["below"])):
        if toks[:len(words)] == words:
            return ("just_" + name if direct else name), toks[len(words):]
    raise Unparsed(f"not a relation: {' '.join(toks)!r}")


def _done(form: Form, rest) -> Form:
    _expect(rest, "?")
    return form


def describe(var: str, np_: tuple) -> list:
    color, shape = np_
    return ([f"color_of({var}) = {color}"] if color else []) + ([f"shape_of({var}) = {shape}"] if shape else [])


def _and(parts) -> str:
    return " & ".join(parts)


def yesno_query(f: Form) -> str:
    return f"exists X: obj, Y: obj. ({_and(describe('X', f.np1) + [f'{f.rel}(X, Y)'] + describe('Y', f.np2))})"


def which_query(f: Form, value: str = "V") -> str:
    return f"exists X: obj, Y: obj. ({_and([f'{f.rel}(X, Y)'] + describe('Y', f.np2) + [f'{f.attr}_of(X) = {value}'])})"


def count_body(f: Form, x: str = "X") -> str:
    inner = _and(describe("Y", f.np2) + [f"{f.rel}({x}, Y)"])
    return _and(describe(x, f.np1) + [f"exists Y: obj. ({inner})"])


def count_closure(f: Form, members) -> str:
    """No object but the members satisfies the count's body."""
    if not members:
        return f"forall X: obj. not ({count_body(f)})"
    return f"forall X: obj. (({count_body(f)}) -> ({' | '.join(f'X = {m}' for m in members)}))"


# ---------------------------------------------------------------- answering
@dataclass
class Outcome:
    answer: str | None          # None: unknown
    proofs: int = 0             # proofs behind the answer
    accepted: int = 0           # of those, re-checked by kb.verify


def answer(kb, text: str) -> Outcome:
    """Scientia's answer to one question, every proof behind it re-checked with kb.verify."""
    from engine.errors import ProofError, ScientiaError
    try:
        form = parse_question(text, lexicon(kb))
        return {"yesno": _yesno, "which": _which, "count": _count}[form.kind](kb, form)
    except ProofError:              # the kernel refused a proof while answering: a rejected proof
        return Outcome(None, 1, 0)
    except (Unparsed, ScientiaError):
        return Outcome(None)


def _verify(kb, proof, claim: str) -> bool:
    from engine.errors import ProofError
    try:
        kb.verify(proof, claim)
        return True
    except ProofError:
        return False


def _yesno(kb, f: Form) -> Outcome:
    from engine import Verdict
    q = yesno_query(f)
    a = kb.ask(q)
    if a.verdict is Verdict.UNKNOWN:
        return Outcome(None)
    claim = q if a.verdict is Verdict.TRUE else f"not ({q})"
    return Outcome("yes" if a.verdict is Verdict.TRUE else "no", 1, int(_verify(kb, a.proof, claim)))


def _which(kb, f: Form) -> Outcome:
    found = kb.ask_all(which_query(f))
    if len(found) != 1:
        return Outcome(None)
    value = found[0].bindings["V"]
    return Outcome(value, 1, int(_verify(kb, found[0].proof, which_query(f, value))))


def _count(kb, f: Form) -> Outcome:
    from engine import Verdict
    found = kb.ask_all(count_body(f))
    members = sorted(b.bindings["X"] for b in found)
    checks = [(b.proof, count_body(f, b.bindings["X"])) for b in found]
    closure = kb.ask(count_closure(f, members))
    if closure.verdict is not Verdict.TRUE:
        return Outcome(None)
    checks.append((closure.proof, count_closure(f, members)))
    ok = all(_verify(kb, p, c) for p, c in checks)
    return Outcome(str(len(members)), 1, int(ok))


# ---------------------------------------------------------------- perception
ATTRS = (("color", D.COLORS), ("shape", D.SHAPES))


def render_all(ds: D.Dataset, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [D.render(s, rng) for s in ds.scenes]


def object_crops(ds: D.Dataset, images, scene_ids):
    """(the objects as (scene id, Obj), their crops as a float tensor [N, 3, 16, 16])."""
    import torch
    objs = [(sid, o) for sid in scene_ids for o in ds.scenes[sid].objects]
    return objs, torch.from_numpy(np.stack([D.crop(images[sid], o) for sid, o in objs]))


def perception_net(attr: str, classes: int):
    """colour: a narrow small_cnn on the RGB crop. shape: a small_cnn on the crop's silhouette
    (each pixel's brightest channel: a max-pool across the colour channels), so that the shape
    network cannot read shape off colour (held-out combinations pair them anew)."""
    from torch import nn
    from engine.perception import small_cnn
    if attr == "color":
        return small_cnn(in_channels=3, size=D.CELL, classes=classes, width=8)
    silhouette = [nn.Unflatten(1, (1, 3)), nn.MaxPool3d((3, 1, 1)), nn.Flatten(1, 2)]
    return nn.Sequential(*silhouette, small_cnn(in_channels=1, size=D.CELL, classes=classes))


def train_perception(ds: D.Dataset, images, *, epochs: dict, seed: int, progress: bool) -> tuple[dict, dict]:
    """A colour and a shape classifier, supervised on the objects of the TRAINING scenes only."""
    import torch
    from engine.perception import Classifier
    objs, xs = object_crops(ds, images, sorted({it.scene_id for it in ds.train}))
    models, info = {}, {"train_objects": len(objs)}
    for attr, labels in ATTRS:
        torch.manual_seed(seed)
        clf = Classifier(perception_net(attr, len(labels)), labels,
                         name=f"{attr}_net", symbol=f"{attr}_of", threshold=THRESHOLD)
        ys = torch.tensor([labels.index(getattr(o, attr)) for _, o in objs])
        fit = clf.fit(xs, ys, epochs=epochs[attr], lr=1e-3, batch_size=64, seed=seed, progress=progress)
        models[attr] = clf
        info[attr] = {"epochs": epochs[attr], "lr": 1e-3, "seconds": round(fit["seconds"], 1),
                      "train_acc": round(clf.accuracy(xs, ys), 4)}
    return models, info


def renamed_models(models: dict) -> dict:
    """The same networks with their label strings renamed: a renaming of symbols, not of pixels."""
    from engine.perception import Classifier
    return {a: Classifier(m.net, [D.RENAMING[x] for x in m.labels], name=m.name, symbol=m.symbol,
                          threshold=m.threshold) for a, m in models.items()}


def perceive_test_objects(ds: D.Dataset, images, models: dict) -> tuple[dict, dict]:
    """Per test scene, the distributions of both classifiers over its objects (one batched
    forward pass per classifier), and the perception accuracy on the test objects."""
    scene_ids = sorted({it.scene_id for it in ds.test})
    objs, xs = object_crops(ds, images, scene_ids)
    probs = {a: m.probabilities(xs) for a, m in models.items()}
    per_scene: dict = {sid: {a: [] for a, _ in ATTRS} for sid in scene_ids}
    for k, (sid, o) in enumerate(objs):
        for a, _ in ATTRS:
            per_scene[sid][a].append((o.name, probs[a][k].tolist()))
    right = {a: [m.labels[int(probs[a][k].argmax())] == getattr(o, a) for k, (_, o) in enumerate(objs)]
             for a, m in models.items()}
    both = [c and s for c, s in zip(right["color"], right["shape"])]
    held = [b for b, (_, o) in zip(both, objs) if (o.color, o.shape) in D.HELD_OUT_COMBOS]
    stats = {"color_acc": _mean(right["color"]), "shape_acc": _mean(right["shape"]),
             "object_acc": _mean(both), "held_out_combo_object_acc": _mean(held), "test_objects": len(objs)}
    return per_scene, stats


def _mean(xs) -> float:
    return round(sum(xs) / len(xs), 4) if xs else 0.0


def perceptions_for(models: dict, scene_probs: dict) -> list:
    return [(models[a], [(name, list(zip(models[a].labels, p))) for name, p in scene_probs[a]]) for a, _ in ATTRS]


# ---------------------------------------------------------------- Scientia over the test set
def scientia_eval(ds: D.Dataset, images, models: dict, progress: bool = True) -> tuple[dict, dict, dict]:
    """Rows (category, gold, answer) for the test questions and for their renamed versions."""
    from evals.progress import bar as tqdm
    t0 = time.perf_counter()
    probs, perception = perceive_test_objects(ds, images, models)
    variants = {"test": (models, lambda t: t, {}), "renamed": (renamed_models(models), D.rename_text, D.RENAMING)}
    rows = {name: [] for name in variants}
    stats = {"answers": 0, "proofs": 0, "proofs_accepted": 0, "unknown": 0}
    by_scene = _group(ds.test)
    for sid in tqdm(sorted(by_scene), desc="scientia", disable=not progress):
        scene = ds.scenes[sid]
        ceiling = all(probs_right(probs[sid], scene))
        for name, (ms, rename, mapping) in variants.items():
            kb = scene_kb(scene, [mapping.get(c, c) for c in D.COLORS], [mapping.get(s, s) for s in D.SHAPES],
                          perceptions_for(ms, probs[sid]))
            for q in by_scene[sid]:
                out = answer(kb, rename(q.text))
                rows[name].append((q.category, mapping.get(q.answer, q.answer), out.answer, ceiling))
                _tally(stats, out)
    stats["wall_s"] = round(time.perf_counter() - t0, 2)
    perception["questions_on_perfectly_perceived_scenes"] = _mean([r[3] for r in rows["test"]])
    return rows, stats, perception


def probs_right(scene_probs: dict, scene: D.Scene):
    for a, labels in ATTRS:
        for (_, p), o in zip(scene_probs[a], scene.objects):
            yield labels[int(np.argmax(p))] == getattr(o, a) and max(p) >= THRESHOLD


def _group(items) -> dict:
    out: dict = {}
    for it in items:
        out.setdefault(it.scene_id, []).append(it.question)
    return out


def _tally(stats: dict, out: Outcome) -> None:
    stats["answers"] += 1
    stats["unknown"] += out.answer is None
    stats["proofs"] += out.proofs
    stats["proofs_accepted"] += out.accepted


def accuracy(rows) -> dict:
    """{category: {"accuracy", "n"}} over rows (category, gold, predicted, ...), and "all"."""
    res = {}
    for c in CATEGORIES + ["all"]:
        hits = [gold == pred for cat, gold, pred, *_ in rows if c in ("all", cat)]
        res[c] = {"accuracy": sum(hits) / len(hits) if hits else 0.0, "n": len(hits)}
    return res


# ---------------------------------------------------------------- baselines
def baselines_eval(ds: D.Dataset, images, *, seed: int, progress: bool, epochs: int,
                   select_epochs: int) -> tuple[dict, dict, dict]:
    from evals.scenes import baseline as B
    tensor = B.to_tensor(images)
    tests = {"test": (ds.test, [it.question.text for it in ds.test]),
             "renamed": (ds.test, [D.rename_text(it.question.text) for it in ds.test])}
    golds = {"test": [it.question.answer for it in ds.test],
             "renamed": [D.RENAMING.get(it.question.answer, it.question.answer) for it in ds.test]}
    systems, renamed, training = {}, {}, {}
    for kind in BASELINES:
        preds, info = B.train_and_eval(kind, ds.train, tensor, tests, seed=seed, progress=progress,
                                       epochs=epochs, select_epochs=select_epochs)
        rows = {n: [(it.question.category, g, p) for it, g, p in zip(ds.test, golds[n], preds[n])] for n in tests}
        systems[kind] = accuracy(rows["test"])
        renamed[kind] = {"all": accuracy(rows["renamed"])["all"]}
        training[kind] = info
    return systems, renamed, training


# ---------------------------------------------------------------- the task
def run(*, quick: bool = False, seed: int = 0, progress: bool = True, data_dir: str | None = None) -> dict:
    """The TaskResult of the scenes task (data_dir is unused: the scenes are generated)."""
    return run_sized(SIZES[quick], seed=seed, progress=progress)


def run_sized(size: dict, *, seed: int = 0, progress: bool = True) -> dict:
    import torch
    t0 = time.perf_counter()
    torch.manual_seed(seed)
    ds = D.build(seed, size["train_scenes"], size["per_category"])
    images = render_all(ds, seed)
    models, perception_training = train_perception(ds, images, epochs=size["clf_epochs"], seed=seed,
                                                   progress=progress)
    rows, stats, perception = scientia_eval(ds, images, models, progress)
    systems, renamed, training = baselines_eval(ds, images, seed=seed, progress=progress, **size["baseline"])
    training["scientia_perception"] = perception_training
    return {"task": TASK, "axis": "split", "categories": list(CATEGORIES),
            "systems": {"scientia": accuracy(rows["test"]), **systems},
            "renamed": {"scientia": {"all": accuracy(rows["renamed"])["all"]}, **renamed},
            "scientia": stats, "training": training, "perception": perception, "logical": False,
            "data": {"train_scenes": size["train_scenes"], "train_questions": len(ds.train),
                     "test_questions": len(ds.test), "held_out_combos": [list(c) for c in D.HELD_OUT_COMBOS],
                     "held_out_templates": list(D.HELD_OUT_TEMPLATES)},
            "notes": NOTES, "wall_s": round(time.perf_counter() - t0, 1)}


def table(result: dict) -> str:
    cats = result["categories"] + ["all"]
    lines = [f"{'system':<16}" + "".join(f"{c:>14}" for c in cats) + f"{'renamed':>10}"]
    for name, res in result["systems"].items():
        lines.append(f"{name:<16}" + "".join(f"{res[c]['accuracy']:>9.3f} ({res[c]['n']:>3})" for c in cats)
                     + f"{result['renamed'][name]['all']['accuracy']:>10.3f}")
    s, p = result["scientia"], result["perception"]
    lines.append(f"scientia: {s['answers']} answers, {s['unknown']} unknown, proofs {s['proofs_accepted']}/"
                 f"{s['proofs']} accepted, {s['wall_s']} s; perception: colour {p['color_acc']:.3f}, "
                 f"shape {p['shape_acc']:.3f}, held-out combos {p['held_out_combo_object_acc']:.3f}")
    for name, t in result["training"].items():
        lines.append(f"training {name}: {t}")
    lines.append(f"wall time {result['wall_s']} s")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    print(table(run(quick=args.quick, seed=args.seed, progress=not args.no_progress)))


if __name__ == "__main__":
    main()
