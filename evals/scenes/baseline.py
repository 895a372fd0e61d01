"""Neural baselines for the scenes task: an image and a question in, an answer class out.

    cnn_lstm         CNN over the whole 48x48 image, pooled to one 64-d feature per grid cell
                     (3x3), an LSTM over the question tokens, and a relation network (an MLP
                     over every pair of cells with the question, summed; Santoro et al. 2017).
    cnn_transformer  the CNN's 9 cell features as tokens (with learned positions) and the
                     question tokens in one small Transformer encoder; a [CLS] token reads out
                     the answer.

The CNN normalises the pixels and uses batch norm. Training is fair: the learning rate is
chosen from a small grid on a held-out 10% of the TRAINING questions (whole scenes held out),
then the model is trained from scratch on all training questions (Adam, cosine decay over the
epoch budget) until it fits them (99%) or runs out of its epoch budget. A batch is the
questions of a few scenes, so each image goes through the CNN once per batch.
"""
from __future__ import annotations

import random
import time

import numpy as np
import torch
from torch import nn

from evals.scenes import data as D

PAD, UNK = "<pad>", "<unk>"
ANSWER_INDEX = {a: i for i, a in enumerate(D.ANSWERS)}
GRIDS = {"cnn_lstm": (3e-4, 1e-3), "cnn_transformer": (5e-4, 1e-3)}


# ---------------------------------------------------------------- models
def image_encoder() -> nn.Module:
    """3x48x48 -> 64x3x3: the image centred and scaled, three strided convolutions with batch
    norm (24x24, 12x12, 6x6) and a 2x2 average pool: one 64-d feature per grid cell (the
    renderer's 3x3 layout, which Scientia's object crops rest on too)."""
    return nn.Sequential(
        Normalise(),
        nn.Conv2d(3, 32, 4, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AvgPool2d(2))


class Normalise(nn.Module):
    """Pixels in [0, 1] (dark background ~0.08) to roughly zero mean, unit spread."""

    def forward(self, x):
        return (x - 0.25) / 0.35


def cell_features(cnn: nn.Module, images) -> torch.Tensor:
    """[scenes, 9, 64]: the feature of each grid cell, row by row."""
    return cnn(images).flatten(2).transpose(1, 2)


class CnnLstm(nn.Module):
    """CNN cells + LSTM question, fused by a relation network (Santoro et al. 2017, the CLEVR
    baseline): an MLP g over every ordered pair of cells with their coordinates and the question,
    summed over the pairs, then an MLP f to the answers."""

    def __init__(self, vocab: int, classes: int, dim: int = 128, cells: int = 9):
        super().__init__()
        self.cnn = image_encoder()
        self.emb = nn.Embedding(vocab, 64, padding_idx=0)
        self.lstm = nn.LSTM(64, dim, batch_first=True)
        self.pos = nn.Parameter(torch.randn(cells, 16) * 0.1)
        self.g = nn.Sequential(nn.Linear(2 * (64 + 16) + dim, dim), nn.ReLU(), nn.Linear(dim, dim), nn.ReLU(),
                               nn.Linear(dim, dim), nn.ReLU())
        self.f = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, classes))

    def forward(self, images, local, tokens, lengths):
        """images: the batch's distinct scenes; local: the scene of each question."""
        cells = cell_features(self.cnn, images)
        cells = torch.cat([cells, self.pos.expand(len(cells), -1, -1)], dim=2)[local]     # [q, 9, 80]
        packed = nn.utils.rnn.pack_padded_sequence(self.emb(tokens), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        n = cells.shape[1]
        pairs = torch.cat([cells[:, :, None].expand(-1, -1, n, -1), cells[:, None].expand(-1, n, -1, -1),
                           h[-1][:, None, None].expand(-1, n, n, -1)], dim=3)
        return self.f(self.g(pairs).sum((1, 2)))


class CnnTransformer(nn.Module):
    """CNN cells as tokens (learned positions) and the question tokens in one Transformer
    encoder; a [CLS] token reads out the answer."""

    def __init__(self, vocab: int, classes: int, dim: int = 64, layers: int = 2, max_len: int = 16,
                 cells: int = 9):
        super().__init__()
        self.cnn = image_encoder()
        self.proj = nn.Linear(64, dim)
        self.img_pos = nn.Parameter(torch.randn(cells, dim) * 0.02)
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.tok_pos = nn.Parameter(torch.randn(max_len, dim) * 0.02)
        self.segment = nn.Parameter(torch.randn(2, dim) * 0.02)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, 4, 2 * dim, dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm, self.head = nn.LayerNorm(dim), nn.Linear(dim, classes)

    def forward(self, images, local, tokens, lengths):
        cells = self.proj(cell_features(self.cnn, images))[local] + self.img_pos + self.segment[0]
        words = self.emb(tokens) + self.tok_pos[:tokens.shape[1]] + self.segment[1]
        x = torch.cat([self.cls.expand(len(tokens), -1, -1), cells, words], dim=1)
        pad = torch.cat([torch.zeros(len(tokens), 1 + cells.shape[1], dtype=torch.bool), tokens == 0], dim=1)
        return self.head(self.norm(self.encoder(x, src_key_padding_mask=pad)[:, 0]))


MODELS = {"cnn_lstm": CnnLstm, "cnn_transformer": CnnTransformer}


# ---------------------------------------------------------------- data
def vocabulary(texts) -> dict:
    words = sorted({w for t in texts for w in t.split()})
    return {w: i for i, w in enumerate([PAD, UNK] + words)}


def encode(texts, vocab: dict):
    ids = [[vocab.get(w, 1) for w in t.split()] for t in texts]
    lengths = torch.tensor([len(x) for x in ids])
    tokens = torch.zeros(len(ids), int(lengths.max()), dtype=torch.long)
    for i, x in enumerate(ids):
        tokens[i, :len(x)] = torch.tensor(x)
    return tokens, lengths


def answer_ids(answers) -> torch.Tensor:
    """Answers outside the class list (renamed colours) get -1: never predicted right."""
    return torch.tensor([ANSWER_INDEX.get(a, -1) for a in answers])


class Batches:
    """Questions grouped by scene; a batch is all the questions of `scenes_per_batch` scenes."""

    def __init__(self, items, texts, images: torch.Tensor, vocab: dict, scenes_per_batch: int = 16):
        self.images, self.per = images, scenes_per_batch
        self.scene = torch.tensor([it.scene_id for it in items])
        self.tokens, self.lengths = encode(texts, vocab)
        self.y = answer_ids([it.question.answer for it in items])
        groups: dict = {}
        for i, it in enumerate(items):
            groups.setdefault(it.scene_id, []).append(i)
        self.groups = list(groups.values())
        self.visit = [i for g in self.groups for i in g]     # the unshuffled order of the items

    def __iter__(self):
        yield from self.iterate(None)

    def iterate(self, rng: random.Random | None):
        order = list(range(len(self.groups)))
        if rng is not None:
            rng.shuffle(order)
        for k in range(0, len(order), self.per):
            idx = torch.tensor([i for g in order[k:k + self.per] for i in self.groups[g]])
            scenes, local = torch.unique(self.scene[idx], return_inverse=True)
            yield self.images[scenes], local, self.tokens[idx], self.lengths[idx], self.y[idx]

    def __len__(self):
        return (len(self.groups) + self.per - 1) // self.per


# ---------------------------------------------------------------- training
def train_model(kind, vocab, batches: Batches, lr, epochs, seed, progress, desc) -> tuple:
    torch.manual_seed(seed)
    model = MODELS[kind](len(vocab), len(D.ANSWERS))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs * len(batches)))
    rng, acc, done = random.Random(seed), 0.0, 0
    from tqdm import tqdm
    bar = tqdm(range(epochs), desc=desc, disable=not progress, leave=False)
    for _ in bar:
        model.train()
        hits = n = 0
        for images, local, tokens, lengths, y in batches.iterate(rng):
            logits = model(images, local, tokens, lengths)
            loss = nn.functional.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            hits, n = hits + int((logits.argmax(1) == y).sum()), n + len(y)
        acc, done = hits / n, done + 1
        bar.set_postfix(train_acc=f"{acc:.3f}")
        if acc >= 0.99:
            break
    return model, done, acc


@torch.no_grad()
def predict(model, batches: Batches) -> tuple:
    """(predicted class ids, gold ids) in the batches' order."""
    model.eval()
    preds, golds = [], []
    for images, local, tokens, lengths, y in batches:
        preds.append(model(images, local, tokens, lengths).argmax(1))
        golds.append(y)
    return torch.cat(preds), torch.cat(golds)


def accuracy(model, batches: Batches) -> float:
    p, g = predict(model, batches)
    return float((p == g).float().mean()) if len(g) else 0.0


def train_and_eval(kind: str, train_items, images: torch.Tensor, tests: dict, *, seed: int,
                   epochs: int, select_epochs: int, progress: bool) -> tuple[dict, dict]:
    """Choose lr on 10% of the training scenes, retrain on all of them, answer each test set.
    tests: name -> (items, texts). Returns ({name: [predicted answer per item]}, training info)."""
    t0 = time.perf_counter()
    vocab = vocabulary(it.question.text for it in train_items)
    rng = random.Random(seed)
    scene_ids = sorted({it.scene_id for it in train_items})
    held = set(rng.sample(scene_ids, max(1, len(scene_ids) // 10)))
    fit = [it for it in train_items if it.scene_id not in held]
    val = [it for it in train_items if it.scene_id in held]
    val_acc = {}
    for lr in GRIDS[kind]:
        model, _, _ = train_model(kind, vocab, _batches(fit, images, vocab), lr, select_epochs, seed,
                                  progress, f"{kind} lr={lr:g} (select)")
        val_acc[lr] = accuracy(model, _batches(val, images, vocab))
    lr = max(val_acc, key=lambda k: (val_acc[k], -k))
    model, done, train_acc = train_model(kind, vocab, _batches(train_items, images, vocab), lr, epochs,
                                         seed, progress, f"{kind} lr={lr:g}")
    train_acc = accuracy(model, _batches(train_items, images, vocab))
    results = {name: predict_answers(model, Batches(items, texts, images, vocab))
               for name, (items, texts) in tests.items()}
    info = {"lr": lr, "lr_grid": list(GRIDS[kind]), "optimizer": "Adam, cosine decay over the epoch budget, "
            "grad-norm clip 1.0, batches of 16 scenes' questions", "val_acc": {f"{k:g}": round(v, 4) for k, v in val_acc.items()},
            "epochs": done, "epoch_budget": epochs, "select_epochs": select_epochs,
            "train_acc": round(train_acc, 4), "seconds": round(time.perf_counter() - t0, 1),
            "params": sum(p.numel() for p in model.parameters()), "train_questions": len(train_items)}
    return results, info


def _batches(items, images, vocab) -> Batches:
    return Batches(items, [it.question.text for it in items], images, vocab)


def predict_answers(model, batches: Batches) -> list:
    """The predicted answer of every item, in the items' own order."""
    p, _ = predict(model, batches)
    out = [""] * len(p)
    for pos, i in enumerate(batches.visit):
        out[i] = D.ANSWERS[int(p[pos])]
    return out


def to_tensor(images: list) -> torch.Tensor:
    return torch.from_numpy(np.stack(images))
