"""Neural baselines for the digit-sum task: image sequences in, the sum's digits out.

    python -m evals.digits.baseline                 # sklearn's load_digits (8x8)
    python -m evals.digits.baseline --mnist DIR     # MNIST IDX files (shared/data/README.md protocol)
    python -m evals.digits.baseline --quick         # 600 training images, fewer epochs

A CNN embeds each image (engine.perception's LeNet for 28x28, small_cnn for 8x8, the last
layer replaced by a 16-d embedding). The two numbers' embeddings are aligned by position,
least significant first, concatenated per position, and put through a ReLU layer; one more
position gets a learned "end" vector instead. A sequence model then emits one 10-way digit
per position, the last one the final carry:

    lstm         an LSTM over the positions; a linear head shared by every step reads the
                 step's LSTM output and its input (the skip gets it off the initial plateau).
    transformer  a small Transformer encoder (2 layers, width 64, 4 heads) over the N+1
                 positions with learned absolute position embeddings; a shared linear head.

Training sees only the N=1 training pairs (image 2i, image 2i+1) labelled with their sum
(targets: the sum's two digits, least significant first), with the cross-entropy of every
output digit, Adam, batches of 16, no augmentation. The learning rate comes from a small
grid, chosen by sum accuracy on a held-out 10% of the training pairs after a short run;
the model is then trained from scratch on all the pairs until it fits them (every training
sum right) or runs out of its epoch budget. It is applied unchanged to N = 2, 4, 15; an
item is right only if every output digit is.
"""
from __future__ import annotations

import argparse
import time
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

KINDS = ("lstm", "transformer")
GRIDS = {"lstm": (1e-3, 3e-3), "transformer": (1e-3, 3e-3)}
QUICK_IMAGES = 600


# ---------------------------------------------------------------- targets and items
def sum_digits(total: int, n: int) -> list[int]:
    """The decimal digits of `total`, least significant first, zero padded to n + 1 digits."""
    if not 0 <= total < 10 ** (n + 1):
        raise ValueError(f"{total} has more than {n + 1} digits")
    return [total // 10 ** k % 10 for k in range(n + 1)]


def value(digits) -> int:
    """The number whose decimal digits are `digits`, most significant first."""
    return int("".join(str(int(d)) for d in digits))


def groups(n_images: int, n: int, limit: int | None = None) -> np.ndarray:
    """Image indices of the N-digit items, [items, 2N]: consecutive groups of 2N images,
    the first N the digits of a (most significant first), the next N those of b."""
    items = n_images // (2 * n)
    items = items if limit is None else min(limit, items)
    return np.arange(items * 2 * n).reshape(items, 2 * n)


def item_targets(labels: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The digits of a + b (least significant first, N + 1 of them) for each item."""
    n = index.shape[1] // 2
    return np.array([sum_digits(value(labels[row[:n]]) + value(labels[row[n:]]), n) for row in index],
                    dtype=np.int64).reshape(len(index), n + 1)


def pair_targets(labels: np.ndarray) -> np.ndarray:
    """Training targets of the pairs (2i, 2i+1): the two digits of their SUM, the only label used."""
    pairs = len(labels) // 2
    sums = labels[0:2 * pairs:2] + labels[1:2 * pairs:2]
    return np.stack([sums % 10, sums // 10], axis=1).astype(np.int64)


def align(emb: torch.Tensor) -> torch.Tensor:
    """[B, 2N, E] (a's digits then b's, most significant first) -> [B, N, 2E]: position k
    holds a's and b's k-th least significant digits, concatenated."""
    n = emb.shape[1] // 2
    return torch.cat([emb[:, :n], emb[:, n:]], dim=2).flip(1)


# ---------------------------------------------------------------- models
def encoder(mnist: bool, width: int) -> nn.Module:
    """The perception CNN with its last layer replaced by a `width`-d embedding."""
    from engine.perception import lenet, small_cnn
    net = lenet() if mnist else small_cnn(1, 8, 10)
    return nn.Sequential(*list(net)[:-1], nn.Linear(net[-1].in_features, width))


class DigitSum(nn.Module):
    """CNN per image, then a sequence model over the aligned positions and an end position."""

    def __init__(self, kind: str, mnist: bool, width: int = 16, hidden: int = 128, dim: int = 64,
                 layers: int = 2, max_len: int = 64):
        super().__init__()
        self.kind, self.max_len = kind, max_len
        self.cnn = encoder(mnist, width)
        self.end = nn.Parameter(torch.randn(2 * width) * 0.1)
        self.inp = nn.Sequential(nn.Linear(2 * width, hidden), nn.ReLU())
        if kind == "lstm":
            self.seq = nn.LSTM(hidden, hidden, batch_first=True)
            self.head = nn.Linear(2 * hidden, 10)
        elif kind == "transformer":
            self.proj = nn.Linear(hidden, dim)
            self.pos = nn.Parameter(torch.randn(max_len, dim) * 0.02)
            layer = nn.TransformerEncoderLayer(dim, 4, 2 * dim, dropout=0.0, batch_first=True)
            self.seq = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.head = nn.Linear(dim, 10)
        else:
            raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """[M, 1, H, W] -> [M, E]."""
        return self.cnn(images)

    def read(self, emb: torch.Tensor) -> torch.Tensor:
        """[B, 2N, E] item embeddings -> [B, N + 1, 10] digit logits, least significant first."""
        x = align(emb)
        x = self.inp(torch.cat([x, self.end.expand(len(x), 1, -1)], dim=1))
        if self.kind == "lstm":
            return self.head(torch.cat([self.seq(x)[0], x], 2))
        if x.shape[1] > self.max_len:
            raise ValueError(f"{x.shape[1]} positions exceed the transformer's {self.max_len}")
        return self.head(self.seq(self.proj(x) + self.pos[:x.shape[1]]))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """[B, 2N, 1, H, W] -> [B, N + 1, 10]."""
        emb = self.embed(images.flatten(0, 1))
        return self.read(emb.view(*images.shape[:2], -1))


# ---------------------------------------------------------------- training
def train_model(kind: str, xs: torch.Tensor, ys: torch.Tensor, *, mnist: bool, lr: float, epochs: int,
                seed: int, progress: bool, desc: str, batch_size: int = 16) -> tuple:
    """Adam on the cross-entropy of every output digit, until the model fits the training
    pairs (every sum right) or `epochs` run out. Returns (model, epochs run, train sum acc)."""
    from tqdm import tqdm
    from engine.perception.training import batches, seeded
    gen = seeded(seed)
    model = DigitSum(kind, mnist)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    acc, done = 0.0, 0
    bar = tqdm(range(epochs), desc=desc, disable=not progress, leave=False)
    for _ in bar:
        acc, done = epoch(model, opt, xs, ys, batches(len(xs), batch_size, gen)), done + 1
        if acc >= 0.99:
            acc = sum_accuracy(model, xs, ys)
        bar.set_postfix(train_acc=f"{acc:.3f}")
        if acc == 1.0:
            break
    return model, done, acc


def epoch(model: DigitSum, opt, xs: torch.Tensor, ys: torch.Tensor, order) -> float:
    """One pass over the mini-batches `order`; the running sum accuracy."""
    model.train()
    hits = 0
    for idx in order:
        logits = model(xs[idx])
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), ys[idx].flatten())
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        hits += int((logits.argmax(2) == ys[idx]).all(1).sum())
    return hits / len(xs)


@torch.no_grad()
def sum_accuracy(model: DigitSum, xs: torch.Tensor, ys: torch.Tensor, batch_size: int = 256) -> float:
    """Fraction of items whose every output digit is right."""
    model.eval()
    right = sum(int((model(xs[i:i + batch_size]).argmax(2) == ys[i:i + batch_size]).all(1).sum())
                for i in range(0, len(xs), batch_size))
    return right / len(xs) if len(xs) else 0.0


def training_pairs(train_set) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = train_set
    pairs = len(images) // 2
    xs = torch.from_numpy(np.ascontiguousarray(images[:2 * pairs])).view(pairs, 2, *images.shape[1:])
    return xs, torch.from_numpy(pair_targets(labels))


def choose_lr(kind, xs, ys, *, mnist, epochs, seed, progress) -> tuple[float, dict]:
    """The grid's lr with the best sum accuracy on a held-out 10% of the training pairs."""
    order = torch.randperm(len(xs), generator=torch.Generator().manual_seed(seed))
    held, fit = order[:max(1, len(xs) // 10)], order[max(1, len(xs) // 10):]
    val = {}
    for lr in GRIDS[kind]:
        model, _, _ = train_model(kind, xs[fit], ys[fit], mnist=mnist, lr=lr, epochs=epochs, seed=seed,
                                  progress=progress, desc=f"{kind} lr={lr:g} (select)")
        val[lr] = sum_accuracy(model, xs[held], ys[held])
    return max(val, key=lambda k: (val[k], -k)), val


# ---------------------------------------------------------------- testing
@torch.no_grad()
def evaluate(model: DigitSum, test_set, ns, limit: int | None) -> dict:
    """Sum accuracy per N (exact match of all N + 1 digits), and pooled over the Ns as "all"."""
    model.eval()
    images, labels = test_set
    emb = torch.cat([model.embed(torch.from_numpy(images[i:i + 512])) for i in range(0, len(images), 512)])
    results = {f"N={n}": n_accuracy(model, emb, labels, groups(len(images), n, limit)) for n in ns}
    total = sum(r["n"] for r in results.values())
    right = sum(r["accuracy"] * r["n"] for r in results.values())
    results["all"] = {"accuracy": right / total if total else 0.0, "n": total}
    return results


def n_accuracy(model: DigitSum, emb: torch.Tensor, labels: np.ndarray, index: np.ndarray) -> dict:
    if not len(index):
        return {"accuracy": 0.0, "n": 0}
    gold = torch.from_numpy(item_targets(labels, index))
    pred = model.read(emb[torch.from_numpy(index)]).argmax(2)
    return {"accuracy": int((pred == gold).all(1).sum()) / len(index), "n": len(index)}


def budget(quick: bool, mnist: bool) -> tuple[int, int]:
    """(epochs for each lr candidate, epochs for the final model)."""
    if quick:
        return 12, 40
    return (4, 30) if mnist else (20, 80)


def baseline(kind: str, train_set, test_set, ns=(1, 2, 4, 15), *, mnist: bool, quick: bool = False,
             seed: int = 0, progress: bool = True, limit: int | None = None) -> tuple[dict, dict]:
    """Train `kind` on the sum-labelled N=1 training pairs; test on N-digit sums.
    Returns ({"N=1": {"accuracy": a, "n": n}, ..., "all": {...}}, info) with info = how it
    was trained (lr, epochs, train accuracy on the sum, seconds, params, kind)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    with one_thread():
        return _baseline(kind, train_set, test_set, ns, mnist=mnist, quick=quick, seed=seed,
                         progress=progress, limit=limit)


@contextmanager
def one_thread():
    """Small batches of small images: one intra-op thread is several times faster than two
    on a busy 2-core machine. The caller's setting is restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _baseline(kind, train_set, test_set, ns, *, mnist, quick, seed, progress, limit) -> tuple[dict, dict]:
    start = time.perf_counter()
    if quick:
        train_set = (train_set[0][:QUICK_IMAGES], train_set[1][:QUICK_IMAGES])
    xs, ys = training_pairs(train_set)
    select_epochs, epochs = budget(quick, mnist)
    lr, val = choose_lr(kind, xs, ys, mnist=mnist, epochs=select_epochs, seed=seed, progress=progress)
    model, done, _ = train_model(kind, xs, ys, mnist=mnist, lr=lr, epochs=epochs, seed=seed,
                                 progress=progress, desc=f"{kind} lr={lr:g}")
    train_acc = sum_accuracy(model, xs, ys)
    results = evaluate(model, test_set, ns, limit)
    info = {"kind": kind, "lr": lr, "lr_grid": list(GRIDS[kind]),
            "val_acc": {f"{k:g}": round(v, 4) for k, v in val.items()}, "select_epochs": select_epochs,
            "epochs": done, "epoch_budget": epochs,
            "train_acc": round(train_acc, 4), "pairs": len(xs), "seconds": round(time.perf_counter() - start, 1),
            "params": sum(p.numel() for p in model.parameters())}
    return results, info


# ---------------------------------------------------------------- command line
def main(argv=None) -> None:
    from evals.digits.data import load_mnist, load_sklearn
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", metavar="DIR", help="MNIST IDX directory (t10k-images-idx3-ubyte.gz, ...)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    args = ap.parse_args(argv)
    train_set, test_set, source = load_mnist(args.mnist) if args.mnist else load_sklearn(args.seed)
    for kind in args.kinds:
        results, info = baseline(kind, train_set, test_set, mnist=args.mnist is not None, quick=args.quick,
                                 seed=args.seed, limit=60 if args.quick else None)
        print(f"{source}: {kind}, {info['pairs']} training pairs, lr {info['lr']:g} (held-out sum acc "
              f"{info['val_acc']}), {info['epochs']}/{info['epoch_budget']} epochs, train sum acc "
              f"{100 * info['train_acc']:.1f} %, {info['params']} params, {info['seconds']:.1f} s")
        for cat, r in results.items():
            print(f"  {cat:5} sum accuracy {100 * r['accuracy']:6.2f} %  (n={r['n']})")


if __name__ == "__main__":
    main()
