"""Digit sums: a classifier learns digits from the SUMS of pairs only, then N-digit sums are
answered by reasoning over its perceptions, each with a kernel-checked proof.

    python -m evals.digits                      # sklearn's load_digits (8x8, ships with scikit-learn)
    python -m evals.digits --mnist DIR          # MNIST IDX files (the protocol of shared/data/README.md)
    python -m evals.digits --method both        # compare exact-probability and abduction training

Training sees pairs (image, image) labelled with their sum. The KB (kb/digits.kb) says what
a sum is; `answer_table` asks it, once, which digit pairs entail each sum; training follows
the exact query probability (or abduction by probability). Testing perceives every image
into a KB and asks `a + b = S` for N-digit numbers a and b, N = 1, 2, 4, 15: the answer is
whatever the KB entails from the perceived digits, with a proof whose leaves are the
perceived facts.
"""
from __future__ import annotations

import argparse
import json
import time

from evals.digits.data import load_mnist, load_sklearn

SUM_QUERY = "digit_of(x1) + digit_of(x2) = S"


# ---------------------------------------------------------------- training
def train(train_set, *, mnist: bool, method: str, epochs: int, seed: int, progress: bool,
          lr: float = 1e-3, batch_size: int = 16):
    import torch
    from engine.perception import Classifier, answer_table, lenet, small_cnn, train_on_answers
    from engine.perception.training import shift
    torch.manual_seed(seed)
    net = lenet() if mnist else small_cnn(1, 8, 10)
    clf = Classifier(net, list(range(10)), name="lenet" if mnist else "digit_cnn", symbol="digit_of", threshold=0.0)
    images, labels = train_set
    pairs = len(images) // 2
    xs = torch.from_numpy(images[:2 * pairs]).view(pairs, 2, *images.shape[1:])
    sums = (labels[0:2 * pairs:2] + labels[1:2 * pairs:2]).tolist()        # the ONLY labels training sees
    table = answer_table("use digits.", clf, SUM_QUERY, ["x1", "x2"])
    augment = (lambda x, g: shift(x, g, 2)) if mnist else (lambda x, g: shift(x, g, 1))
    info = train_on_answers(clf, xs, sums, table, method=method, epochs=epochs, lr=lr, batch_size=batch_size,
                            seed=seed, progress=progress, augment=augment, cosine=mnist)
    info["pairs"] = pairs
    return clf, info


# ---------------------------------------------------------------- testing, by reasoning
def number(names: list) -> str:
    """The term for the decimal number whose digits are the images `names`, most significant first."""
    n = len(names)
    return " + ".join(f"digit_of({x})" + (f" * {10 ** (n - 1 - k)}" if k < n - 1 else "") for k, x in enumerate(names))


def evaluate(clf, test_set, n_digits: int, limit: int | None = None):
    """Sum accuracy on N-digit pairs: all test images are perceived into one KB, and each
    pair's sum is whatever the KB entails, with a proof the kernel re-checks."""
    import torch
    from engine import KnowledgeBase
    from engine.errors import ScientiaError
    images, labels = test_set
    per_item = 2 * n_digits
    items = len(images) // per_item if limit is None else min(limit, len(images) // per_item)
    names = [f"t{k}" for k in range(items * per_item)]
    kb = KnowledgeBase()
    kb.tell("use digits.")
    kb.perceive_many(torch.from_numpy(images[:items * per_item]), names, clf)
    right = proofs = accepted = unknown = 0
    for i in range(items):
        mine = names[i * per_item:(i + 1) * per_item]
        query = f"{number(mine[:n_digits])} + {number(mine[n_digits:])} = S"
        answers = kb.ask_all(query)
        digits = labels[i * per_item:(i + 1) * per_item]
        truth = _value(digits[:n_digits]) + _value(digits[n_digits:])
        if len(answers) != 1:
            unknown += 1
            continue
        s = answers[0].bindings["S"]
        proofs += 1
        try:
            answers[0].proof          # built on first access, and re-checked by the kernel
            accepted += 1
        except ScientiaError:
            pass
        right += s == truth
    return {"accuracy": right / items if items else 0.0, "n": items,
            "proofs": proofs, "proofs_accepted": accepted, "unknown": unknown}


def _value(digits) -> int:
    return int("".join(str(int(d)) for d in digits))


def digit_accuracy(clf, test_set) -> float:
    import torch
    images, labels = test_set
    return clf.accuracy(torch.from_numpy(images), torch.from_numpy(labels))


# ---------------------------------------------------------------- the task
def run(*, quick: bool = False, seed: int = 0, progress: bool = True, data_dir: str | None = None,
        method: str = "exact", epochs: int | None = None, ns=(1, 2, 4, 15), baselines: bool = True) -> dict:
    """The suite's digit-sum task (also the perception benchmark)."""
    train_set, test_set, source = load_mnist(data_dir) if data_dir else load_sklearn(seed)
    mnist = data_dir is not None
    if quick:
        train_set = (train_set[0][:600], train_set[1][:600])
    epochs = epochs or (8 if mnist else 20)
    start = time.perf_counter()
    clf, info = train(train_set, mnist=mnist, method=method, epochs=epochs, seed=seed, progress=progress,
                      lr=2e-3 if mnist else 3e-3, batch_size=8 if quick else 16)
    digit_acc = digit_accuracy(clf, test_set)
    results, totals = {}, {"proofs": 0, "proofs_accepted": 0, "unknown": 0, "answers": 0}
    reason_start = time.perf_counter()
    for n in ns:
        r = evaluate(clf, test_set, n, limit=60 if quick else None)
        results[f"N={n}"] = {"accuracy": r["accuracy"], "n": r["n"], "ceiling": digit_acc ** (2 * n)}
        for k in ("proofs", "proofs_accepted", "unknown"):
            totals[k] += r[k]
        totals["answers"] += r["n"]
    results["all"] = _pooled(results, ns)
    systems, training = {"scientia": results}, {"scientia": {**info, "data": source}}
    if baselines:
        from evals.digits.baseline import KINDS, baseline
        for kind in KINDS:
            systems[kind], training[kind] = baseline(kind, train_set, test_set, ns, mnist=mnist, quick=quick,
                                                     seed=seed, progress=progress, limit=60 if quick else None)
    return {"task": "digits", "axis": "N", "categories": [f"N={n}" for n in ns],
            "systems": systems,
            "scientia": {**totals, "wall_s": time.perf_counter() - start,
                         "reasoning_s": time.perf_counter() - reason_start,
                         "digit_accuracy": digit_acc, "train": info},
            "training": training, "logical": False}


def _pooled(results: dict, ns) -> dict:
    n = sum(results[f"N={k}"]["n"] for k in ns)
    right = sum(results[f"N={k}"]["accuracy"] * results[f"N={k}"]["n"] for k in ns)
    return {"accuracy": right / n if n else 0.0, "n": n}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", metavar="DIR", help="MNIST IDX directory (t10k-images-idx3-ubyte.gz, ...)")
    ap.add_argument("--method", choices=("exact", "abduce", "both"), default="exact")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--baselines", action="store_true", help="also train the neural baselines")
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    for method in (("exact", "abduce") if args.method == "both" else (args.method,)):
        res = run(quick=args.quick, seed=args.seed, data_dir=args.mnist, method=method, epochs=args.epochs,
                  baselines=args.baselines)
        if args.json:
            print(json.dumps(res))
            continue
        s = res["scientia"]
        print(f"{res['training']['scientia']['data']}: method {method}, {s['train']['pairs']} training pairs, "
              f"{s['train']['epochs']} epochs, training {s['train']['seconds']:.1f} s, reasoning {s['reasoning_s']:.1f} s")
        print(f"  digit accuracy (held out) {100 * s['digit_accuracy']:.2f} %")
        for cat in res["categories"]:
            r = res["systems"]["scientia"][cat]
            print(f"  {cat:5} sum accuracy {100 * r['accuracy']:6.2f} %  (n={r['n']}, ceiling d^2N "
                  f"{100 * r['ceiling']:.2f} %)")
        print(f"  proofs: {s['proofs_accepted']}/{s['proofs']} accepted by the kernel, {s['unknown']} unknown")


if __name__ == "__main__":
    main()
