"""The neural baselines' networks (trained by evals/neural/train.py).

- LSTMClassifier: token embedding, a bidirectional LSTM, a pooled summary (the last
  forward and first backward states, or the mean / max of the outputs), an MLP head;
- TransformerClassifier: a pre-norm Transformer encoder with either learned absolute
  position embeddings (positions never seen in training keep their initialisation, unless
  random_positions trains every position on ascending random subsets) or,
  relative=True, no position embeddings but a learned bias per head per clipped relative
  distance j - i; mean / max / first-and-last-token / last-token pooling; optionally causal
  attention, one block shared by all layers (loop=True: applied once per token of the input, a
  looped Transformer whose depth grows with the length), or the tokens read right to left.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from evals.neural.config import KINDS, Config


def pool_outputs(h, pad, pool: str):
    """Summary of outputs h (batch, n, d) over the non-pad positions: mean or max."""
    keep = (~pad).unsqueeze(-1)
    if pool == "max":
        return h.masked_fill(~keep, float("-inf")).max(1).values
    keep = keep.float()
    return (h * keep).sum(1) / keep.sum(1).clamp(min=1)


def reverse_tokens(x):
    """Each row's non-pad tokens (a prefix) in reverse order, the padding kept at the end."""
    lengths = (x != 0).sum(1, keepdim=True)
    pos = torch.arange(x.shape[1], device=x.device)[None]
    idx = torch.where(pos < lengths, lengths - 1 - pos, pos)
    return x.gather(1, idx)


class LSTMClassifier(nn.Module):
    """bidirectional=False: one direction (left to right, or right to left with reverse=True), the
    final state or the pooled outputs of that direction."""

    def __init__(self, n_tokens, n_labels, dim=64, layers=2, dropout=0.0, pool="final", bidirectional=True,
                 reverse=False):
        super().__init__()
        self.pool, self.reverse, self.dirs = pool, reverse, 2 if bidirectional else 1
        self.embed = nn.Embedding(n_tokens, dim, padding_idx=0)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(dim, dim, num_layers=layers, batch_first=True, bidirectional=bidirectional,
                            dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Linear(self.dirs * dim, dim), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(dim, n_labels))

    def forward(self, x):
        if self.reverse:
            x = reverse_tokens(x)
        pad = x == 0
        lengths = (~pad).sum(1).clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.drop(self.embed(x)), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        out, (h, _) = self.lstm(packed)
        if self.pool == "final":                # bidirectional: the last forward, the first backward state
            return self.head(torch.cat(list(h[-self.dirs:]), dim=1))
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.head(pool_outputs(out, pad, self.pool))


class Attention(nn.Module):
    """Multi-head self-attention, optionally with a learned bias per head per clipped
    relative distance: score(i, j) = q_i . k_j / sqrt(d) + bias[h, clip(j - i)]."""

    def __init__(self, dim, heads, clip: int | None, causal: bool = False):
        super().__init__()
        self.heads, self.clip, self.causal = heads, clip, causal
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
        mask = pad[:, None, None, :]
        if self.causal:                               # position i attends to j <= i only
            mask = mask | torch.ones(n, n, dtype=torch.bool, device=h.device).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
        return self.out((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    def __init__(self, dim, heads, clip, dropout=0.0, causal=False):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, clip, causal)
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, dim))
        self.drop = nn.Dropout(dropout)

    def forward(self, h, pad):
        h = h + self.drop(self.attn(self.norm1(h), pad))
        return h + self.drop(self.ff(self.norm2(h)))


class TransformerClassifier(nn.Module):
    """relative=False: learned absolute positions (initialised N(0, pos_std^2)); relative=True:
    relative-position bias."""

    def __init__(self, n_tokens, n_labels, max_len, relative: bool, dim=64, heads=4, layers=2, clip=6,
                 pool="mean", dropout=0.0, pos_std=1.0, share_layers=False, reverse=False, causal=False,
                 random_positions=False, loop=False):
        super().__init__()
        self.pool, self.reverse, self.random_positions, self.loop = pool, reverse, random_positions, loop
        self.embed = nn.Embedding(n_tokens, dim, padding_idx=0)
        self.pos = None if relative else nn.Embedding(max_len, dim)
        if self.pos is not None:
            nn.init.normal_(self.pos.weight, std=pos_std)
        blocks = [Block(dim, heads, clip if relative else None, dropout, causal) for _ in range(1 if share_layers else layers)]
        self.blocks = nn.ModuleList(blocks * layers if share_layers else blocks)     # shared: one block, `layers` times
        width = 2 * dim if pool == "ends" else dim
        self.norm, self.head = nn.LayerNorm(width), nn.Linear(width, n_labels)

    def forward(self, x):
        if self.reverse:
            x = reverse_tokens(x)
        pad = x == 0
        h = self.embed(x)
        if self.pos is not None:
            h = h + self.pos(self.positions(x))
        blocks = self.blocks
        if self.loop:                  # the shared block once per token of the batch's longest sequence
            blocks = [self.blocks[0]] * int((~pad).sum(1).max())
        for block in blocks:
            h = block(h, pad)
        if self.pool in ("ends", "last"):             # the first and the last token, or the last one
            last = h[torch.arange(len(h), device=x.device), (~pad).sum(1).clamp(min=1) - 1]
            return self.head(self.norm(torch.cat([h[:, 0], last], 1) if self.pool == "ends" else last))
        return self.head(self.norm(pool_outputs(h, pad, self.pool)))

    def positions(self, x):
        """0, 1, 2, ... for every row; while training with random_positions, each row gets its own
        ascending random positions drawn from the whole table (randomised positional encodings,
        Ruoss et al. 2023), so that positions past the training lengths are trained too."""
        n = x.shape[1]
        if not (self.random_positions and self.training):
            return torch.arange(n, device=x.device)[None]
        table = self.pos.num_embeddings
        return torch.rand(len(x), table, device=x.device).argsort(1)[:, :n].sort(1).values


def build(kind: str, n_tokens: int, n_labels: int, max_len: int, config=None) -> nn.Module:
    """A fresh network of `kind`; `config` (evals.neural.config.Config) sets its size, dropout and pooling."""
    c = config or Config()
    match kind:
        case "lstm":
            return LSTMClassifier(n_tokens, n_labels, c.dim, c.layers, c.dropout, c.pool_for(kind), c.bidirectional,
                                  c.reverse)
        case "transformer" | "transformer_rel":
            return TransformerClassifier(n_tokens, n_labels, max_len, kind == "transformer_rel", c.dim, c.heads,
                                         c.layers, c.clip, c.pool_for(kind), c.dropout, c.pos_std, c.share_layers,
                                         c.reverse, c.causal, c.random_positions, c.loop)
    raise ValueError(f"unknown baseline kind {kind!r}; expected one of {KINDS}")
