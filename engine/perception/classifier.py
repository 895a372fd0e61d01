"""A classifier that names typed symbols: a network, its labels, and the KB symbol it perceives."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from .training import batches, progress_bar, seeded


class Classifier:
    """`net` maps a batch of inputs to logits over `labels` (the elements of the sort that
    `symbol` returns). `kb.perceive(x, "img7", model=clf)` asserts `symbol(img7) = label`
    when the top probability reaches `threshold`, and abstains otherwise."""

    def __init__(self, net: nn.Module, labels, *, name: str, symbol: str, threshold: float = 0.5):
        self.net, self.labels, self.name, self.symbol = net, list(labels), name, symbol
        self.threshold = float(threshold)

    # ------------------------------------------------------------ inference
    @torch.no_grad()
    def probabilities(self, xs: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
        self.net.eval()
        return torch.cat([torch.softmax(self.net(xs[i:i + batch_size]), dim=1)
                          for i in range(0, len(xs), batch_size)]) if len(xs) else torch.empty(0, len(self.labels))

    def distribution(self, x: torch.Tensor) -> list:
        """[(label, probability), ...] for one input."""
        return self.distributions(x.unsqueeze(0))[0]

    def distributions(self, xs: torch.Tensor) -> list:
        return [list(zip(self.labels, row)) for row in self.probabilities(xs).tolist()]

    def predict(self, xs: torch.Tensor) -> list:
        """The most probable label of each input, or None where the classifier abstains."""
        conf, idx = self.probabilities(xs).max(dim=1)
        return [self.labels[i] if c >= self.threshold else None for c, i in zip(conf.tolist(), idx.tolist())]

    def accuracy(self, xs: torch.Tensor, ys: torch.Tensor) -> float:
        return (self.probabilities(xs).argmax(dim=1) == ys).float().mean().item() if len(xs) else 0.0

    # ------------------------------------------------------------ supervised training
    def fit(self, xs: torch.Tensor, ys: torch.Tensor, *, epochs: int = 5, lr: float = 1e-3, batch_size: int = 64,
            seed: int = 0, progress: bool = True, augment=None) -> dict:
        """Train on symbol labels (indices into `labels`) with cross-entropy and Adam."""
        gen = seeded(seed)
        opt = torch.optim.Adam(self.net.parameters(), lr=lr)
        start, loss = time.perf_counter(), float("nan")
        for epoch in progress_bar(range(epochs), progress, f"{self.name} (supervised)"):
            self.net.train()
            for idx in batches(len(xs), batch_size, gen):
                x = augment(xs[idx], gen) if augment else xs[idx]
                out = nn.functional.cross_entropy(self.net(x), ys[idx])
                opt.zero_grad()
                out.backward()
                opt.step()
                loss = out.item()
        return {"epochs": epochs, "lr": lr, "seconds": time.perf_counter() - start, "last_loss": loss}

    # ------------------------------------------------------------ weights
    def save(self, path) -> None:
        """Weights and metadata, written atomically; loadable with torch.load(weights_only=True)."""
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=".scientia-", suffix=".pt")
        os.close(fd)
        torch.save({"state": self.net.state_dict(), "labels": self.labels, "name": self.name,
                    "symbol": self.symbol, "threshold": self.threshold}, tmp)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path, net: nn.Module) -> "Classifier":
        """Load into `net` (same architecture). Only tensors and plain data are unpickled."""
        data = torch.load(Path(path), weights_only=True)
        net.load_state_dict(data["state"])
        return cls(net, data["labels"], name=data["name"], symbol=data["symbol"], threshold=data["threshold"])
