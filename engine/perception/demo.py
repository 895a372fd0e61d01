"""The perception part of `scientia demo`: learn digits from sums, then reason over what is seen."""
from __future__ import annotations

import numpy as np
import torch

from ..kb import KnowledgeBase
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
    info = train_on_answers(clf, pairs, sums, table, epochs=8, lr=3e-3, batch_size=16, progress=False)
    held = images[1200:]
    acc = clf.accuracy(held, torch.from_numpy(labels[1200:]))
    print(f"  {info['seconds']:.1f} s; digit accuracy on {len(held)} held-out images it never saw labelled: "
          f"{100 * acc:.1f} %", file=out)
    kb = KnowledgeBase()
    kb.tell("use digits.")
    seen = kb.perceive_many(held[:3], ["img1", "img2", "img3"], clf)
    for p in seen:
        said = f"asserted {p.claim}" if p.claim else "abstained"
        print(f"  perceived img{p.input_id[-1]}: {said} (confidence {p.confidence:.3f}; true digit "
              f"{labels[1200 + int(p.input_id[-1]) - 1]})", file=out)
    for query in ("digit_of(img1) + digit_of(img2) = S", "digit_of(img1) * 10 + digit_of(img2) + digit_of(img3) = S"):
        for a in kb.ask_all(query):
            print(f"?- {query}.\n  {a.verdict}: S = {a.bindings['S']}\n" + _indent(str(a.proof)), file=out)
    q = kb.probability("digit_of(img1) + digit_of(img2) >= 10")
    print(f"?- P(digit_of(img1) + digit_of(img2) >= 10) = {q.probability:.4f} (exact: {q.exact}); most probable "
          f"reading {q.best} with margin {q.margin:.3f}", file=out)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
