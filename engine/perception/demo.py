"""The perception part of `scientia demo`: learn digits from sums, then reason over what is seen."""
from __future__ import annotations

import numpy as np
import torch

from ..kb import KnowledgeBase
from ..language.terms import show_value
from .classifier import Classifier
from .learn import answer_table, train_on_answers
from .models import small_cnn

SUM = "digit_of(x1) + digit_of(x2) = S"


def run(out) -> None:
    from sklearn.datasets import load_digits
    data = load_digits()
    order = np.random.default_rng(0).permutation(len(data.target))
    images = torch.from_numpy((data.images[order] / 16.0).astype(np.float32)[:, None])
    labels = data.target[order]
    torch.manual_seed(0)
    clf = Classifier(small_cnn(1, 8, 10), list(range(10)), name="digit_cnn", symbol="digit_of", threshold=0.9)
    pairs, sums = images[:1200].view(600, 2, 1, 8, 8), (labels[0:1200:2] + labels[1:1200:2]).tolist()
    print("Training a CNN on 600 pairs of 8x8 digit images labelled only with their SUM ...", file=out)
    table = answer_table("use digits.", clf, SUM, ["x1", "x2"])
    info = train_on_answers(clf, pairs, sums, table, epochs=8, lr=3e-3, batch_size=16, progress=True)
    held = images[1200:]
    acc = clf.accuracy(held, torch.from_numpy(labels[1200:]))
    print(f"  {info['seconds']:.1f} s; digit accuracy on {len(held)} held-out images it never saw labelled: "
          f"{100 * acc:.1f} %", file=out)
    kb = KnowledgeBase()
    kb.tell("use digits.")
    # three images the CNN reads with confidence, and one where it abstains (if there is one)
    confident, doubtful = [], []
    for k in range(len(held)):
        dist = clf.distribution(held[k])
        (confident if max(p for _, p in dist) >= clf.threshold else doubtful).append(k)
        if len(confident) >= 3 and doubtful:
            break
    chosen = confident[:3] + doubtful[:1]
    names = [f"img{n}" for n in range(1, len(chosen) + 1)]
    seen = kb.perceive_many(held[chosen], names, clf)
    for p, k in zip(seen, chosen):
        said = f"asserted {p.claim}" if p.claim else "abstained: its digit stays unknown"
        print(f"  perceived {p.input_id}: {said} (confidence {p.confidence:.3f}; true digit {labels[1200 + k]})",
              file=out)
    queries = ["digit_of(img1) + digit_of(img2) = S", "digit_of(img1) * 10 + digit_of(img2) + digit_of(img3) = S"]
    if len(chosen) > 3:
        queries.append("digit_of(img1) + digit_of(img4) = S")
    for query in queries:
        answers = kb.ask_all(query)
        print(f"?- {query}.", file=out)
        if not answers:
            print("  no entailed answer: a digit it abstained on is unknown, so the sum is too", file=out)
        for a in answers:
            print(f"  {a.verdict}: S = {show_value(a.bindings['S'], {})}\n" + _indent(str(a.proof)), file=out)
    last = "img4" if len(chosen) > 3 else "img2"
    question = f"digit_of(img1) + digit_of({last}) >= 10"
    q = kb.probability(question)
    reading = ", ".join(f"digit_of({i}) = {show_value(v, {})}" for i, v in sorted((q.best or {}).items()))
    print(f"?- P({question}) = {q.probability:.4f} ({'exact' if q.exact else f'between {q.lower:.4f} and {q.upper:.4f}'}); "
          f"most probable reading: {reading} (margin {q.margin:.3f})", file=out)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
