"""The neural baselines' networks (trained by evals/baselines.py).

- LSTMClassifier: token embedding, a bidirectional LSTM, a pooled summary (the last
  forward and first backward states, or the mean / max of the outputs), an MLP head;
- TransformerClassifier: a pre-norm Transformer encoder with either learned absolute
  position embeddings (positions never seen in training keep their initialisation) or,
  relative=True, no position embeddings but a learned bias per head per clipped relative
  distance j - i; mean / max / first-and-last-token pooling.
"""
from __future__ import annotations

import math

import torch
from torch import nn

KINDS = ("lstm", "transformer", "transformer_rel")
LSTM_POOLS, TRANSFORMER_POOLS = ("final", "mean", "max"), ("mean", "max", "ends")


def pool_outputs(h, pad, pool: str):
    """Summary of outputs h (batch, n, d) over the non-pad positions: mean or max."""
    keep = (~pad).unsqueeze(-1)
    if pool == "max":
        return h.masked_fill(~keep, float("-inf")).max(1).values
    keep = keep.float()
    return (h * keep).sum(1) / keep.sum(1).clamp(min=1)


class LSTMClassifier(nn.Module):
    def __init__(self, n_tokens, n_labels, dim=64, layers=2, dropout=0.0, pool="final"):
        super().__init__()
        self.pool = pool
        self.embed = nn.Embedding(n_tokens, dim, padding_idx=0)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(dim, dim, num_layers=layers, batch_first=True, bidirectional=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Linear(2 * dim, dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(dim, n_labels))

    def forward(self, x):
        pad = x == 0
        lengths = (~pad).sum(1).clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.drop(self.embed(x)), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        out, (h, _) = self.lstm(packed)
        if self.pool == "final":
            return self.head(torch.cat([h[-2], h[-1]], dim=1))    # last forward, first backward
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.head(pool_outputs(out, pad, self.pool))


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
    def __init__(self, dim, heads, clip, dropout=0.0):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, clip)
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, dim))
        self.drop = nn.Dropout(dropout)

    def forward(self, h, pad):
        h = h + self.drop(self.attn(self.norm1(h), pad))
        return h + self.drop(self.ff(self.norm2(h)))


class TransformerClassifier(nn.Module):
    """relative=False: learned absolute positions (initialised N(0, pos_std^2)); relative=True:
    relative-position bias."""

    def __init__(self, n_tokens, n_labels, max_len, relative: bool, dim=64, heads=4, layers=2, clip=6,
                 pool="mean", dropout=0.0, pos_std=1.0):
        super().__init__()
        self.pool = pool
        self.embed = nn.Embedding(n_tokens, dim, padding_idx=0)
        self.pos = None if relative else nn.Embedding(max_len, dim)
        if self.pos is not None:
            nn.init.normal_(self.pos.weight, std=pos_std)
        self.blocks = nn.ModuleList(Block(dim, heads, clip if relative else None, dropout) for _ in range(layers))
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
            return self.head(self.norm(torch.cat([h[:, 0], h[torch.arange(len(h), device=x.device), last]], 1)))
        return self.head(self.norm(pool_outputs(h, pad, self.pool)))


def build(kind: str, n_tokens: int, n_labels: int, max_len: int, config=None) -> nn.Module:
    """A fresh network of `kind`; `config` (evals.baselines.Config) sets its size, dropout and pooling."""
    from evals.baselines import Config
    c = config or Config()
    match kind:
        case "lstm":
            return LSTMClassifier(n_tokens, n_labels, c.dim, c.layers, c.dropout, c.pool_for(kind))
        case "transformer" | "transformer_rel":
            return TransformerClassifier(n_tokens, n_labels, max_len, kind == "transformer_rel", c.dim, c.heads,
                                         c.layers, c.clip, c.pool_for(kind), c.dropout, c.pos_std)
    raise ValueError(f"unknown baseline kind {kind!r}; expected one of {KINDS}")
