"""Neural sequence baselines shared by the evaluation tasks.

`train_eval(kind, train, tests, config=Config(...))` trains one classifier on (tokens,
label) pairs and scores it on each test category. The networks (evals/neural/models.py):

- "lstm": token embedding, a 2-layer bidirectional LSTM, the last forward and first
  backward states (or mean / max pooling), and an MLP head;
- "transformer": a pre-norm Transformer encoder with learned absolute position
  embeddings (positions never seen in training keep their random initialisation);
- "transformer_rel": the same encoder without position embeddings; instead each
  attention head adds a learned bias per clipped relative distance j - i.

Training (the defaults of `Config`, evals/neural/config.py): AdamW, batches of 64, the learning rate chosen from a
small grid by accuracy (then loss) on a held-out 10% of the *training* split, then a fresh
model trained on the whole split for a few epochs and on until its training accuracy
reaches 99% (or the epoch budget runs out). `Config` sets the network's size, dropout and
pooling, the batch, a learning-rate schedule (constant / cosine / one-cycle over the
epoch budget), weight decay, gradient clipping and the stopping rule. Seeded: same seed,
same numbers (on the CPU).
"""
from __future__ import annotations

import time
from dataclasses import replace

import torch
from torch import nn
from tqdm import tqdm

from evals.neural.config import KINDS, TARGET_ACC, Config
from evals.neural.config import EPOCHS, MIN_EPOCHS, QUICK_EPOCHS  # noqa: F401 (read here by the tests)
from evals.neural.models import build

__all__ = ["KINDS", "Config", "build", "train_eval"]
PAD, UNK = "<pad>", "<unk>"
GRID, QUICK_GRID = (3e-3, 1e-3, 3e-4), (3e-3, 1e-3)
SELECT_EPOCHS, QUICK_SELECT = 12, 10   # budget of each grid run (at least 2 epochs)
SELECT_ROWS = 4000                     # grid runs fit at most this many of the other 90%


# ------------------------------------------------------------------ encoding
def vocabularies(train) -> tuple[dict, dict]:
    """Token and label indices, in order of first appearance in the training split."""
    tokens = {PAD: 0, UNK: 1}
    labels: dict = {}
    for seq, label in train:
        for t in seq:
            tokens.setdefault(t, len(tokens))
        labels.setdefault(label, len(labels))
    return tokens, labels


def encode(data, tokens: dict, labels: dict, width: int):
    """Padded token ids (unseen tokens -> <unk>) and label ids (unseen labels -> -1)."""
    x = torch.zeros((len(data), width), dtype=torch.long)
    for i, (seq, _) in enumerate(data):
        x[i, :len(seq)] = torch.tensor([tokens.get(t, 1) for t in seq], dtype=torch.long)
    y = torch.tensor([labels.get(label, -1) for _, label in data], dtype=torch.long)
    return x, y


# ------------------------------------------------------------------ training
def predict(model, x, batch: int = 512):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)]) if len(x) \
            else torch.zeros(0, dtype=torch.long, device=x.device)


def accuracy(model, x, y) -> float:
    return float((predict(model, x) == y).float().mean()) if len(y) else 0.0


def scheduler(opt, schedule: str, lr: float, steps: int):
    """Per-step learning-rate schedule over `steps` optimizer steps (None: constant)."""
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, steps))
    if schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(2, steps))
    return None


def train_epoch(model, x, y, opt, sched, config: Config, order) -> tuple[float, float]:
    """One pass over (x, y) in a seeded random order; returns (running accuracy, mean loss)."""
    model.train()
    right, loss_sum = torch.zeros((), device=x.device), torch.zeros((), device=x.device)
    for idx in torch.randperm(len(x), generator=order).split(config.batch):
        idx = idx.to(x.device)
        logits = model(x[idx])
        loss = nn.functional.cross_entropy(logits, y[idx], label_smoothing=config.label_smoothing)
        opt.zero_grad()
        loss.backward()
        if config.grad_clip:
            nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        opt.step()
        if sched is not None:
            sched.step()
        right += (logits.argmax(1) == y[idx]).sum()
        loss_sum += loss.detach() * len(idx)
    return float(right) / len(x), float(loss_sum) / len(x)      # one device sync per epoch


def fit(model, x, y, lr, config: Config, epochs: int, least: int, seed: int, desc="", progress=True,
        val=None) -> tuple[int, float, dict]:
    """Train for at least `least` epochs, then until config.stops (training accuracy, loss), at most
    `epochs` or config.max_seconds. With `val` (x, y) and config.patience, the weights of the epoch
    with the best validation accuracy among those that fit the training split (accuracy >=
    config.fit_acc) are kept, and training stops after `patience` such epochs without a better one. Returns (epochs run, train accuracy, {"best_epoch", "val_curve"})."""
    start = time.time()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=config.weight_decay)
    sched = scheduler(opt, config.schedule, lr, epochs * -(-len(x) // config.batch))
    order = torch.Generator().manual_seed(seed)
    watch = Watch(val if config.patience else None, config.patience)
    acc, epoch = None, 0
    bar = tqdm(range(1, epochs + 1), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        running, loss = train_epoch(model, x, y, opt, sched, config, order)
        bar.set_postfix(running_acc=f"{running:.3f}", loss=f"{loss:.4f}")
        acc = None
        if watch.val is not None and running + 0.02 >= config.fit_acc:   # the split is fitted: a candidate
            acc = accuracy(model, x, y)
            if watch.update(model, epoch, acc >= config.fit_acc):
                break
        if config.stops(epoch, least, running + 0.02, loss):        # running check, then the real one
            acc = accuracy(model, x, y)
            if config.stops(epoch, least, acc, loss):
                break
        if config.max_seconds and time.time() - start > config.max_seconds:
            break
    if watch.restore(model, epoch):
        acc = None
    return epoch, (acc if acc is not None else accuracy(model, x, y)), watch.info()


class Watch:
    """Validation early stopping: the best epoch's weights, and whether patience has run out."""

    def __init__(self, val, patience):
        self.val, self.patience = val, patience
        self.best, self.best_epoch, self.state, self.curve = -1.0, 0, None, {}

    def update(self, model, epoch: int, fitted: bool) -> bool:
        """Record a candidate epoch (fitted: it fits the training split); True when patience has run out."""
        if not fitted:
            return False
        acc = accuracy(model, *self.val)
        self.curve[epoch] = round(acc, 4)
        if acc > self.best:
            self.best, self.best_epoch = acc, epoch
            self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        return len([e for e in self.curve if e > self.best_epoch]) >= self.patience

    def restore(self, model, last_epoch: int) -> bool:
        if self.state is not None and self.best_epoch != last_epoch:
            model.load_state_dict(self.state)
            return True
        return False

    def info(self) -> dict:
        return {"best_epoch": self.best_epoch, "val_curve": self.curve} if self.val is not None else {}


def held_out_score(model, x, y) -> tuple[float, float]:
    model.eval()
    with torch.no_grad():
        logits = model(x)
    return float((logits.argmax(1) == y).float().mean()), -float(nn.functional.cross_entropy(logits, y))


def select_lr(kind, x, y, dims, config: Config, grid, epochs, seed, progress) -> tuple[float, dict]:
    """The grid's best learning rate by (accuracy, -loss) on a held-out 10% of the training split."""
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed + 1)).to(x.device)
    cut = max(1, len(x) // 10)
    dev, fit_idx = perm[:cut], perm[cut:cut + SELECT_ROWS]
    probe = replace(config, max_seconds=None, target_acc=config.target_acc or TARGET_ACC)
    scores = {}
    for lr in grid:
        torch.manual_seed(seed)
        model = build(kind, *dims, config).to(x.device)
        fit(model, x[fit_idx], y[fit_idx], lr, probe, epochs, min(2, epochs), seed, f"{kind} lr={lr:g}",
            progress)
        scores[lr] = held_out_score(model, x[dev], y[dev])
    best = max(grid, key=lambda lr: scores[lr])
    return best, {f"{lr:g}": round(s[0], 4) for lr, s in scores.items()}


def evaluate(model, tests: dict, tokens, labels, width, device) -> dict:
    """{category: {"accuracy", "n"}, ..., "all": ...}."""
    results, right, total = {}, 0, 0
    for name, data in tests.items():
        tx, ty = encode(data, tokens, labels, width)
        hits = int((predict(model, tx.to(device)).cpu() == ty).sum()) if data else 0
        results[name] = {"accuracy": hits / len(data) if data else 0.0, "n": len(data)}
        right, total = right + hits, total + len(data)
    results["all"] = {"accuracy": right / total if total else 0.0, "n": total}
    return results


def stop_rule(config: Config, budget: int, least: int, watched: bool) -> str:
    rule = f"at least {least} epochs, then train accuracy >= {config.target_acc}" + \
        (f" and mean loss <= {config.target_loss}" if config.target_loss else "") if config.target_acc else \
        "the whole budget"
    rule += f", at most {budget} epochs"
    return rule + (f"; the epoch with the best validation accuracy, patience {config.patience}" if watched else "")


def train_eval(kind: str, train: list[tuple[list[str], str]], tests: dict[str, list[tuple[list[str], str]]],
               *, seed: int = 0, quick: bool = False, progress: bool = True, max_epochs: int | None = None,
               lr: float | None = None, config: Config | None = None, device: str = "cpu",
               val: list[tuple[list[str], str]] | None = None) -> tuple[dict, dict]:
    """Train a sequence classifier on (tokens, label) pairs; evaluate on each test category.
    Returns ({category: {"accuracy": a, "n": n}, ..., "all": {...}}, info) where info has
    lr, epochs, train_acc, seconds, params, kind, config. A learning rate (`lr`, else
    config.lr) skips the grid search; `max_epochs` overrides config.epochs. `val` pairs (with
    config.patience) pick the final fit's epoch by validation accuracy (see `fit`)."""
    start = time.time()
    config = replace(config or Config(), **({"epochs": max_epochs} if max_epochs else {}),
                     **({"lr": lr} if lr else {}))
    tokens, labels = vocabularies(train)
    width = max(len(s) for s, _ in [*train, *(val or []), *(p for t in tests.values() for p in t)])
    x, y = (t.to(device) for t in encode(train, tokens, labels, width))
    dims = (len(tokens), len(labels), width)
    grid, grid_scores, lr = QUICK_GRID if quick else GRID, "lr given", config.lr
    if lr is None:
        lr, grid_scores = select_lr(kind, x, y, dims, config, grid, QUICK_SELECT if quick else SELECT_EPOCHS,
                                    seed, progress)
    torch.manual_seed(seed)
    model = build(kind, *dims, config).to(device)
    budget, least = config.budget(quick)
    val_xy = tuple(t.to(device) for t in encode(val, tokens, labels, width)) if val else None
    epochs, train_acc, watched = fit(model, x, y, lr, config, budget, least, seed, f"{kind} final", progress,
                                     val_xy)
    results = evaluate(model, tests, tokens, labels, width, device)
    info = {"kind": kind, "lr": lr, "epochs": epochs, "train_acc": round(train_acc, 4),
            "seconds": round(time.time() - start, 1), "params": sum(p.numel() for p in model.parameters()),
            "lr_grid": grid_scores, "selection": f"held-out 10% of the training split (grid runs fit <= "
                                                 f"{SELECT_ROWS} of the other 90%)" if config.lr is None else
            "lr given", "stop": stop_rule(config, budget, least, bool(watched)), "batch": config.batch,
            "schedule": config.schedule, "optimizer": f"AdamW(weight_decay={config.weight_decay})",
            "config": config.as_dict(), **watched,
            "device": torch.cuda.get_device_name() if str(device).startswith("cuda") else "cpu"}
    return results, info


def _self_check() -> None:
    """label = the smallest token, on sequences of length 3 (train) and 3 or 5 (test)."""
    import random
    rng = random.Random(0)
    seqs = lambda n, k: [[rng.choice("abcd") for _ in range(k)] for _ in range(n)]
    train = [(s, min(s)) for s in seqs(400, 3)]
    tests = {"len=3": [(s, min(s)) for s in seqs(100, 3)], "len=5": [(s, min(s)) for s in seqs(100, 5)]}
    for kind in KINDS:
        res, info = train_eval(kind, train, tests, quick=True, progress=False)
        print(f"{kind:16s} train {info['train_acc']:.3f}  " +
              "  ".join(f"{k} {v['accuracy']:.3f}" for k, v in res.items()) + f"  ({info['seconds']} s)")


if __name__ == "__main__":
    _self_check()
