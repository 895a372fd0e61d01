"""Neural baselines for the scenes task: an image and a question in, an answer class out.

    cnn_lstm         CNN over the whole 48x48 image (a 64x6x6 feature map, flattened)
                     and an LSTM over the question tokens, concatenated, MLP to the answers.
    cnn_transformer  the CNN's 36 feature-map cells as tokens (with learned positions) and
                     the question tokens, into a small Transformer encoder; a [CLS] token
                     reads out the answer.

Training is fair: the learning rate is chosen from a small grid on a held-out 10% of
the TRAINING questions (whole scenes held out), then the model is trained from scratch on
all training questions until it fits them (99%) or runs out of its epoch budget. A batch
is the questions of a few scenes, so each image goes through the CNN once per batch.
"""
from __future__ import annotations

import random
import time

import numpy as np
import torch
from torch import nn

from evals import scenes_data as D

PAD, UNK = "<pad>", "<unk>"
ANSWER_INDEX = {a: i for i, a in enumerate(D.ANSWERS)}
GRIDS = {"cnn_lstm": (1e-3, 3e-3), "cnn_transformer": (3e-4, 1e-3)}


# ---------------------------------------------------------------- models
def image_encoder() -> nn.Module:
    """3x48x48 -> 64x6x6: three strided convolutions (24x24, 12x12, 6x6)."""
    return nn.Sequential(
        nn.Conv2d(3, 32, 4, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, stride=2, padding=1), nn.ReLU())


class CnnLstm(nn.Module):
    def __init__(self, vocab: int, classes: int, dim: int = 128):
        super().__init__()
        self.cnn = image_encoder()
        self.img = nn.Sequential(nn.Flatten(), nn.Linear(64 * 36, dim), nn.ReLU())
        self.emb = nn.Embedding(vocab, 64, padding_idx=0)
        self.lstm = nn.LSTM(64, dim, batch_first=True)
        self.head = nn.Sequential(nn.Linear(2 * dim, 256), nn.ReLU(), nn.Linear(256, classes))

    def forward(self, images, local, tokens, lengths):
        """images: the batch's distinct scenes; local: the scene of each question."""
        feats = self.img(self.cnn(images))[local]
        packed = nn.utils.rnn.pack_padded_sequence(self.emb(tokens), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.head(torch.cat([feats, h[-1]], dim=1))


class CnnTransformer(nn.Module):
    def __init__(self, vocab: int, classes: int, dim: int = 64, layers: int = 2, max_len: int = 16):
        super().__init__()
        self.cnn = image_encoder()
        self.proj = nn.Linear(64, dim)
        self.img_pos = nn.Parameter(torch.randn(36, dim) * 0.02)
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.tok_pos = nn.Parameter(torch.randn(max_len, dim) * 0.02)
        self.segment = nn.Parameter(torch.randn(2, dim) * 0.02)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, 4, 2 * dim, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(dim, classes)

    def forward(self, images, local, tokens, lengths):
        cells = self.proj(self.cnn(images).flatten(2).transpose(1, 2))[local] + self.img_pos + self.segment[0]
        words = self.emb(tokens) + self.tok_pos[:tokens.shape[1]] + self.segment[1]
        x = torch.cat([self.cls.expand(len(tokens), -1, -1), cells, words], dim=1)
        pad = torch.cat([torch.zeros(len(tokens), 37, dtype=torch.bool), tokens == 0], dim=1)
        return self.head(self.encoder(x, src_key_padding_mask=pad)[:, 0])


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
    info = {"lr": lr, "lr_grid": list(GRIDS[kind]), "val_acc": {f"{k:g}": round(v, 4) for k, v in val_acc.items()},
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
