"""Neural sequence baselines shared by the evaluation tasks.

`train_eval(kind, train, tests)` trains one classifier on (tokens, label) pairs and scores
it on each test category. Three kinds:

- "lstm": token embedding, a 2-layer bidirectional LSTM, the last forward and first
  backward states, and an MLP head;
- "transformer": a pre-norm Transformer encoder with learned absolute position
  embeddings (positions never seen in training keep their random initialisation);
- "transformer_rel": the same encoder without position embeddings; instead each
  attention head adds a learned bias per clipped relative distance j - i.

Training is the same for every kind: AdamW, batches of 64, the learning rate chosen
from a small grid by accuracy (then loss) on a held-out 10% of the *training* split,
then a fresh model trained on the whole split for a few epochs and on until its training
accuracy reaches 99% (or the epoch budget runs out). Seeded: same seed, same numbers.
"""
from __future__ import annotations

import math
import time

import torch
from torch import nn
from tqdm import tqdm

KINDS = ("lstm", "transformer", "transformer_rel")
PAD, UNK = "<pad>", "<unk>"
BATCH = 64
TARGET_ACC = 0.99
GRID, QUICK_GRID = (3e-3, 1e-3, 3e-4), (3e-3, 1e-3)
EPOCHS, QUICK_EPOCHS = 40, 30          # budget of the final fit
MIN_EPOCHS, QUICK_MIN = 5, 3           # the final fit runs at least this long
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


# ------------------------------------------------------------------ models
class LSTMClassifier(nn.Module):
    def __init__(self, n_tokens, n_labels, dim=64, hidden=64, layers=2):
        super().__init__()
        self.embed = nn.Embedding(n_tokens, dim, padding_idx=0)
        self.lstm = nn.LSTM(dim, hidden, num_layers=layers, batch_first=True, bidirectional=True)
        self.head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_labels))

    def forward(self, x):
        lengths = (x != 0).sum(1).clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(x), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.head(torch.cat([h[-2], h[-1]], dim=1))    # last forward, first backward


class Attention(nn.Module):
    """Multi-head self-attention, optionally with a learned bias per head per clipped
    relative distance: score(i, j) = q_i . k_j / sqrt(d) + bias[h, clip(j - i)]."""

    def __init__(self, dim, heads, clip: int | None):
        super().__init__()
        self.heads, self.clip = heads, clip
        self.qkv, self.out = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.bias = nn.Parameter(torch.zeros(heads, 2 * clip + 1)) if clip else None

    def forward(self, h, pad):
        b, n, d = h.shape
        q, k, v = self.qkv(h).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads)
        if self.bias is not None:
            pos = torch.arange(n, device=h.device)
            rel = (pos[None, :] - pos[:, None]).clamp(-self.clip, self.clip) + self.clip
            scores = scores + self.bias[:, rel]
        scores = scores.masked_fill(pad[:, None, None, :], float("-inf"))
        return self.out((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    def __init__(self, dim, heads, clip):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, clip)
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, dim))

    def forward(self, h, pad):
        h = h + self.attn(self.norm1(h), pad)
        return h + self.ff(self.norm2(h))


class TransformerClassifier(nn.Module):
    """relative=False: learned absolute positions; relative=True: relative-position bias."""

    def __init__(self, n_tokens, n_labels, max_len, relative: bool, dim=64, heads=4, layers=2, clip=6,
                 pool="mean"):
        super().__init__()
        self.pool = pool
        self.embed = nn.Embedding(n_tokens, dim, padding_idx=0)
        self.pos = None if relative else nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList(Block(dim, heads, clip if relative else None) for _ in range(layers))
        width = 2 * dim if pool == "ends" else dim
        self.norm, self.head = nn.LayerNorm(width), nn.Linear(width, n_labels)

    def forward(self, x):
        pad = x == 0
        h = self.embed(x)
        if self.pos is not None:
            h = h + self.pos(torch.arange(x.shape[1], device=x.device))[None]
        for block in self.blocks:
            h = block(h, pad)
        if self.pool == "ends":                       # the first and the last token
            last = (~pad).sum(1).clamp(min=1) - 1
            return self.head(self.norm(torch.cat([h[:, 0], h[torch.arange(len(h)), last]], dim=1)))
        keep = (~pad).unsqueeze(-1).float()
        return self.head(self.norm((h * keep).sum(1) / keep.sum(1).clamp(min=1)))   # mean pooling


def build(kind: str, n_tokens: int, n_labels: int, max_len: int) -> nn.Module:
    match kind:
        case "lstm":
            return LSTMClassifier(n_tokens, n_labels)
        case "transformer":
            return TransformerClassifier(n_tokens, n_labels, max_len, relative=False)
        case "transformer_rel":
            return TransformerClassifier(n_tokens, n_labels, max_len, relative=True)
    raise ValueError(f"unknown baseline kind {kind!r}; expected one of {KINDS}")


# ------------------------------------------------------------------ training
def predict(model, x, batch: int = 512):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)]) if len(x) \
            else torch.zeros(0, dtype=torch.long)


def accuracy(model, x, y) -> float:
    return float((predict(model, x) == y).float().mean()) if len(y) else 0.0


def fit(model, x, y, lr, epochs, seed, desc="", progress=True, min_epochs=1) -> tuple[int, float]:
    """Train for at least `min_epochs`, then until training accuracy >= TARGET_ACC, at most `epochs`;
    returns (epochs run, train accuracy)."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    order = torch.Generator().manual_seed(seed)
    acc, epoch = 0.0, 0
    bar = tqdm(range(1, epochs + 1), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        right = 0
        for idx in torch.randperm(len(x), generator=order).split(BATCH):
            logits = model(x[idx])
            loss = nn.functional.cross_entropy(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            right += int((logits.argmax(1) == y[idx]).sum())
        bar.set_postfix(running_acc=f"{right / len(x):.3f}")
        if epoch >= min_epochs and right / len(x) >= TARGET_ACC - 0.02:   # running check, then the real one
            acc = accuracy(model, x, y)
            if acc >= TARGET_ACC:
                break
    return epoch, (acc if acc >= TARGET_ACC else accuracy(model, x, y))


def held_out_score(model, x, y) -> tuple[float, float]:
    model.eval()
    with torch.no_grad():
        logits = model(x)
    return float((logits.argmax(1) == y).float().mean()), -float(nn.functional.cross_entropy(logits, y))


def select_lr(kind, x, y, dims, grid, epochs, seed, progress) -> tuple[float, dict]:
    """The grid's best learning rate by (accuracy, -loss) on a held-out 10% of the training split."""
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed + 1))
    cut = max(1, len(x) // 10)
    dev, fit_idx = perm[:cut], perm[cut:cut + SELECT_ROWS]
    scores = {}
    for lr in grid:
        torch.manual_seed(seed)
        model = build(kind, *dims)
        fit(model, x[fit_idx], y[fit_idx], lr, epochs, seed, f"{kind} lr={lr:g}", progress, min_epochs=2)
        scores[lr] = held_out_score(model, x[dev], y[dev])
    best = max(grid, key=lambda lr: scores[lr])
    return best, {f"{lr:g}": round(s[0], 4) for lr, s in scores.items()}


def train_eval(kind: str, train: list[tuple[list[str], str]], tests: dict[str, list[tuple[list[str], str]]],
               *, seed: int = 0, quick: bool = False, progress: bool = True,
               max_epochs: int | None = None, lr: float | None = None) -> tuple[dict, dict]:
    """Train a sequence classifier on (tokens, label) pairs; evaluate on each test category.
    Returns ({category: {"accuracy": a, "n": n}, ..., "all": {...}}, info) where info has
    lr, epochs, train_acc, seconds, params, kind. A given `lr` skips the grid search."""
    start = time.time()
    tokens, labels = vocabularies(train)
    width = max(len(s) for s, _ in [*train, *(p for t in tests.values() for p in t)])
    x, y = encode(train, tokens, labels, width)
    dims = (len(tokens), len(labels), width)
    grid = QUICK_GRID if quick else GRID
    grid_scores = "lr given"
    if lr is None:
        lr, grid_scores = select_lr(kind, x, y, dims, grid, QUICK_SELECT if quick else SELECT_EPOCHS, seed,
                                    progress)
    torch.manual_seed(seed)
    model = build(kind, *dims)
    budget = max_epochs or (QUICK_EPOCHS if quick else EPOCHS)
    least = min(budget, QUICK_MIN if quick else MIN_EPOCHS)
    epochs, train_acc = fit(model, x, y, lr, budget, seed, f"{kind} final", progress, min_epochs=least)
    results, right, total = {}, 0, 0
    for name, data in tests.items():
        tx, ty = encode(data, tokens, labels, width)
        hits = int((predict(model, tx) == ty).sum()) if data else 0
        results[name] = {"accuracy": hits / len(data) if data else 0.0, "n": len(data)}
        right, total = right + hits, total + len(data)
    results["all"] = {"accuracy": right / total if total else 0.0, "n": total}
    info = {"kind": kind, "lr": lr, "epochs": epochs, "train_acc": round(train_acc, 4),
            "seconds": round(time.time() - start, 1), "params": sum(p.numel() for p in model.parameters()),
            "lr_grid": grid_scores, "selection": f"held-out 10% of the training split (grid runs fit "
                                                 f"<= {SELECT_ROWS} of the other 90%)",
            "stop": f"at least {least} epochs, then train accuracy >= {TARGET_ACC}, at most {budget}",
            "batch": BATCH,
            "optimizer": "AdamW(weight_decay=0.01)"}
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
