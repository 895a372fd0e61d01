"""Proof-depth baselines over statements: a sequence model over the tokenised theory, two levels.

The compact input `[Q] question [T] theory` (generate.model_input_compact) is cut into
segments: the question (`[Q] not red anne`) and each statement of the theory, up to its `.`
(`big X & not red X -> kind X .`). A shared statement encoder turns each segment's tokens
into one vector: token embeddings (one vocabulary for every segment, so a constant or a
predicate has the same embedding in the question, in facts and in rules) plus an embedding
of the token's position inside its segment, flattened and put through a two-layer MLP. A
sequence model then reads the segment vectors, the question's first, with a learned
question/statement type embedding:

    lstm             a 2-layer bidirectional LSTM whose input at every step is the segment's
                     vector and the question's; the last forward and first backward states,
                     the question's output and the max over all outputs feed an MLP head;
    transformer      a pre-norm Transformer encoder (evals.neural.models.Block) with learned
                     absolute positions over the segment index; the head reads the question's
                     output;
    transformer_rel  the same without position embeddings, with a learned bias per head per
                     clipped relative segment distance.

A theory of ~55 tokens becomes ~10 segment vectors, which is what makes fitting the training
split affordable on one CPU core. Training: AdamW, a linear warm-up then cosine decay over the
epoch budget, gradient clipping, and a stop once the training accuracy reaches the target.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import torch
from torch import nn

from evals.neural.models import Block

KINDS = ("lstm", "transformer", "transformer_rel")
PAD, UNK = "<pad>", "<unk>"
ENCODING = "statements"


@dataclass(frozen=True)
class Config:
    dim: int = 96                 # segment vector and sequence-model width
    tok_dim: int = 32             # token (and in-segment position) embedding
    layers: int = 2
    heads: int = 4
    clip: int = 4                 # transformer_rel: relative segment distance clipped to +-clip
    dropout: float = 0.0
    lr: float = 3e-3
    weight_decay: float = 0.01
    batch: int = 64
    epochs: int = 40              # budget
    warmup: float = 0.05          # fraction of the steps with a linear warm-up
    grad_clip: float = 1.0
    target_acc: float = 0.99      # stop once the training accuracy reaches this
    max_seconds: float | None = None
    anonymise: bool = True        # names -> #1, #2, ... by first occurrence in each item (question first)

    def as_dict(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------ encoding
def segments(tokens: list[str]) -> list[list[str]]:
    """[Q] question [T] s1 . s2 . ... -> [question], [s1 .], [s2 .], ... (the markers go: the
    question is the first segment, and its literal lines up with a fact's)."""
    cut = tokens.index("[T]")
    out, cur = [tokens[1:cut] if tokens[0] == "[Q]" else tokens[:cut]], []
    for t in tokens[cut + 1:]:
        cur.append(t)
        if t == ".":
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


SYNTAX = frozenset({"[Q]", "[T]", "not", "&", "->", "."})


def anonymise(tokens: list[str]) -> list[str]:
    """Every name (constant or predicate: not syntax, not a variable) replaced by `#k`, k its
    order of first occurrence in this item, the question first: the same name gets the same
    token throughout the item, and names carry no meaning across items."""
    names: dict[str, str] = {}
    return [t if t in SYNTAX or t[0].isupper() else names.setdefault(t, f"#{len(names) + 1}") for t in tokens]


def vocabulary(train) -> dict:
    vocab = {PAD: 0, UNK: 1}
    for seq, _ in train:
        for t in seq:
            vocab.setdefault(t, len(vocab))
    return vocab


def encode(data, vocab: dict, labels: dict, n_seg: int, seg_len: int):
    """(N, n_seg, seg_len) token ids (segments past n_seg or tokens past seg_len are cut: the
    widths come from every split, so nothing is cut in the task) and label ids (-1: unseen)."""
    x = torch.zeros((len(data), n_seg, seg_len), dtype=torch.long)
    for i, (seq, _) in enumerate(data):
        for j, seg in enumerate(segments(seq)[:n_seg]):
            ids = [vocab.get(t, 1) for t in seg[:seg_len]]
            x[i, j, :len(ids)] = torch.tensor(ids, dtype=torch.long)
    y = torch.tensor([labels.get(label, -1) for _, label in data], dtype=torch.long)
    return x, y


def widths(*splits) -> tuple[int, int]:
    segs = [segments(seq) for split in splits for seq, _ in split]
    return max(len(s) for s in segs), max(len(t) for s in segs for t in s)


# ------------------------------------------------------------------ networks
class SegmentEncoder(nn.Module):
    """A segment's tokens -> one vector: the token embeddings laid out in slots twice, aligned
    at the segment's start and at its end (so a rule's head, a fact and the question line up),
    each with its own slot embedding, flattened, then a two-layer MLP."""

    def __init__(self, n_tokens: int, seg_len: int, tok_dim: int, dim: int):
        super().__init__()
        self.len = seg_len
        self.embed = nn.Embedding(n_tokens, tok_dim, padding_idx=0)
        self.pos = nn.Parameter(torch.randn(2, seg_len, tok_dim) * 0.1)
        self.mlp = nn.Sequential(nn.Linear(2 * seg_len * tok_dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, dim))

    def forward(self, x):                       # (B, S, L) -> (B, S, dim)
        x = nn.functional.pad(x, (0, self.len - x.shape[2]))                # trimmed batches
        n = (x != 0).sum(2, keepdim=True)                                   # tokens per segment
        src = torch.arange(self.len, device=x.device) - (self.len - n)      # right-aligned slot -> token
        right = x.gather(2, src.clamp(min=0)) * (src >= 0)
        used = n.squeeze(2) > 0                                             # non-empty segments only
        x, right = x[used], right[used]
        parts = [(self.embed(t) + self.pos[i]) * (t != 0).unsqueeze(-1) for i, t in enumerate((x, right))]
        out = torch.zeros(*used.shape, self.mlp[-1].out_features, device=x.device)
        out[used] = self.mlp(torch.cat(parts, -1).flatten(1))
        return out


class Hierarchical(nn.Module):
    def __init__(self, kind: str, n_tokens: int, n_labels: int, n_seg: int, seg_len: int, c: Config):
        super().__init__()
        self.kind = kind
        self.segment = SegmentEncoder(n_tokens, seg_len, c.tok_dim, c.dim)
        self.role = nn.Embedding(2, c.dim)                      # question / statement
        self.drop = nn.Dropout(c.dropout)
        if kind == "lstm":
            self.lstm = nn.LSTM(2 * c.dim, c.dim, num_layers=c.layers, batch_first=True, bidirectional=True,
                                dropout=c.dropout if c.layers > 1 else 0.0)
            width = 6 * c.dim
        elif kind in ("transformer", "transformer_rel"):
            self.pos = nn.Embedding(n_seg, c.dim) if kind == "transformer" else None
            if self.pos is not None:
                nn.init.normal_(self.pos.weight, std=0.02)
            clip = c.clip if kind == "transformer_rel" else None
            self.blocks = nn.ModuleList(Block(c.dim, c.heads, clip, c.dropout) for _ in range(c.layers))
            self.norm = nn.LayerNorm(c.dim)
            width = c.dim
        else:
            raise ValueError(f"unknown baseline kind {kind!r}; expected one of {KINDS}")
        self.head = nn.Sequential(nn.Linear(width, c.dim), nn.ReLU(), nn.Linear(c.dim, n_labels))

    def forward(self, x):
        pad = (x != 0).sum(2) == 0                              # (B, S): empty segments
        kinds = torch.ones(x.shape[1], dtype=torch.long, device=x.device)
        kinds[0] = 0
        h = self.drop(self.segment(x) + self.role(kinds))
        if self.kind == "lstm":                                 # every step also sees the question
            h = torch.cat([h, h[:, :1].expand_as(h)], 2)
            lengths = (~pad).sum(1).clamp(min=1)
            packed = nn.utils.rnn.pack_padded_sequence(h, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, (hn, _) = self.lstm(packed)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
            top = out.masked_fill(pad.unsqueeze(-1), float("-inf")).max(1).values
            return self.head(torch.cat([hn[-2], hn[-1], out[:, 0], top], 1))
        if self.pos is not None:
            h = h + self.pos(torch.arange(x.shape[1], device=x.device))[None]
        for block in self.blocks:
            h = block(h, pad)
        return self.head(self.norm(h[:, 0]))


# ------------------------------------------------------------------ training
def trim(x):
    """Drop trailing segment and token columns that are empty in the whole batch."""
    used = x != 0
    s = int(used.any(2).any(0).nonzero().max()) + 1
    tok = int(used.any(1).any(0).nonzero().max()) + 1
    return x[:, :s, :tok]


def predict(model, x, batch: int = 512):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(trim(x[i:i + batch])).argmax(1) for i in range(0, len(x), batch)]) \
            if len(x) else torch.zeros(0, dtype=torch.long)


def lr_at(step: int, total: int, config: Config) -> float:
    warm = max(1, int(config.warmup * total))
    if step < warm:
        return config.lr * (step + 1) / warm
    return config.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))


def fit(model, x, y, config: Config, seed: int, progress: bool = False, desc: str = "",
        val=None) -> dict:
    """Train until the training accuracy reaches config.target_acc (checked on the running
    accuracy, then on a full pass) or the epoch budget / time runs out."""
    from tqdm import tqdm
    start = time.time()
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    order = torch.Generator().manual_seed(seed)
    steps = config.epochs * -(-len(x) // config.batch)
    step, acc, curve = 0, 0.0, []
    bar = tqdm(range(1, config.epochs + 1), desc=desc, disable=not progress, leave=False)
    epoch = 0
    for epoch in bar:
        model.train()
        right, loss_sum = 0, 0.0
        for idx in torch.randperm(len(x), generator=order).split(config.batch):
            for g in opt.param_groups:
                g["lr"] = lr_at(step, steps, config)
            logits = model(trim(x[idx]))
            loss = nn.functional.cross_entropy(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            if config.grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            opt.step()
            step += 1
            right += int((logits.argmax(1) == y[idx]).sum())
            loss_sum += float(loss.detach()) * len(idx)
        running, loss = right / len(x), loss_sum / len(x)
        point = {"epoch": epoch, "running_acc": round(running, 4), "loss": round(loss, 4),
                 "s": round(time.time() - start, 1)}
        if val is not None:
            point["val_acc"] = round(float((predict(model, val[0]) == val[1]).float().mean()), 4)
        curve.append(point)
        bar.set_postfix(running_acc=f"{running:.3f}", loss=f"{loss:.4f}")
        if running + 0.02 >= config.target_acc:
            acc = float((predict(model, x) == y).float().mean())
            if acc >= config.target_acc:
                break
        if config.max_seconds and time.time() - start > config.max_seconds:
            break
    acc = float((predict(model, x) == y).float().mean())
    return {"epochs": epoch, "train_acc": round(acc, 4), "curve": curve}


def train_eval(kind: str, train, tests: dict, *, config: Config | None = None, seed: int = 0,
               progress: bool = False, val=None) -> tuple[dict, dict]:
    """Train one hierarchical baseline on (compact tokens, label) pairs; score each test set.
    Returns ({name: {"accuracy", "n"}}, info: config, lr, epochs, train_acc, seconds, ...)."""
    start = time.time()
    config = config or Config()
    if config.anonymise:
        anon = lambda split: [(anonymise(seq), label) for seq, label in split]
        train, val, tests = anon(train), val and anon(val), {k: anon(v) for k, v in tests.items()}
    vocab = vocabulary(train)
    labels = {lab: i for i, lab in enumerate(sorted({lab for _, lab in train}))}
    n_seg, seg_len = widths(train, *(val or [],), *tests.values())
    x, y = encode(train, vocab, labels, n_seg, seg_len)
    val_xy = encode(val, vocab, labels, n_seg, seg_len) if val else None
    torch.manual_seed(seed)
    model = Hierarchical(kind, len(vocab), len(labels), n_seg, seg_len, config)
    fitted = fit(model, x, y, config, seed, progress, f"{kind} (statements)", val_xy)
    results = {}
    for name, data in tests.items():
        tx, ty = encode(data, vocab, labels, n_seg, seg_len)
        hits = int((predict(model, tx) == ty).sum()) if data else 0
        results[name] = {"accuracy": hits / len(data) if data else 0.0, "n": len(data)}
    info = {"kind": kind, "encoding": ENCODING + (", names anonymised per item" if config.anonymise else ""), "lr": config.lr, "epochs": fitted["epochs"],
            "train_acc": fitted["train_acc"], "seconds": round(time.time() - start, 1),
            "params": sum(p.numel() for p in model.parameters()), "batch": config.batch,
            "schedule": f"linear warm-up ({config.warmup:.0%} of the steps), cosine decay over "
                        f"{config.epochs} epochs", "optimizer": f"AdamW(weight_decay={config.weight_decay})",
            "stop": f"train accuracy >= {config.target_acc}, at most {config.epochs} epochs",
            "config": config.as_dict(), "curve": fitted["curve"]}
    return results, info
