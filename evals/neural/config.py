"""How a neural sequence baseline is built and trained: `Config`, the network kinds and the
training defaults. Shared by evals/neural/models.py (the networks) and evals/neural/train.py
(the training loop); it imports neither, so neither imports the other to get a Config.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

KINDS = ("lstm", "transformer", "transformer_rel")
LSTM_POOLS, TRANSFORMER_POOLS = ("final", "mean", "max"), ("mean", "max", "ends", "last")
BATCH = 64
TARGET_ACC = 0.99
EPOCHS, QUICK_EPOCHS = 40, 30          # budget of the final fit
MIN_EPOCHS, QUICK_MIN = 5, 3           # the final fit runs at least this long
SCHEDULES = ("constant", "cosine", "onecycle")


@dataclass(frozen=True)
class Config:
    """How a baseline is built and trained. The defaults are the suite's original setting."""
    dim: int = 64                   # embedding = hidden size (LSTM: per direction)
    layers: int = 2
    heads: int = 4                  # transformers
    dropout: float = 0.0
    pool: str | None = None         # None: "final" for the LSTM, "mean" for the transformers
    clip: int = 6                   # transformer_rel: relative distances clipped to +-clip
    pos_std: float = 1.0            # transformer: init std of the absolute position embeddings
    batch: int = BATCH
    lr: float | None = None         # None: chosen from the grid on held-out training rows
    weight_decay: float = 0.01
    schedule: str = "constant"      # constant / cosine / onecycle, over the epoch budget
    grad_clip: float | None = None  # max gradient norm
    epochs: int | None = None       # budget of the final fit; None: EPOCHS (quick: QUICK_EPOCHS)
    min_epochs: int | None = None   # None: MIN_EPOCHS (quick: QUICK_MIN)
    target_acc: float | None = TARGET_ACC   # stop once train accuracy >= this; None: the whole budget
    target_loss: float | None = None        # ... and the epoch's mean training loss <= this
    max_seconds: float | None = None        # stop the final fit after this long (wall clock)
    patience: int | None = None     # with validation data: keep the epoch with the best validation
                                    # accuracy, stop after this many epochs without a better one
    fit_acc: float = 0.98           # ... counting only epochs whose training accuracy reaches this
    bidirectional: bool = True      # lstm: False reads the sequence in one direction only
    reverse: bool = False           # read the tokens right to left (lstm: with bidirectional=False)
    share_layers: bool = False      # transformers: one block applied `layers` times (Universal-Transformer style)
    causal: bool = False            # transformers: position i attends to positions j <= i only
    label_smoothing: float = 0.0    # of the training cross-entropy
    random_positions: bool = False  # transformer: train on ascending random positions from the whole table
    loop: bool = False              # transformers, with share_layers: the block once per input token

    def __post_init__(self):
        checks = {"dim": self.dim >= 1, "layers": self.layers >= 1, "heads": self.heads >= 1,
                  "dim % heads": self.dim % self.heads == 0, "dropout": 0.0 <= self.dropout < 1.0,
                  "pool": self.pool in (None, *LSTM_POOLS, *TRANSFORMER_POOLS), "clip": self.clip >= 1,
                  "pos_std": self.pos_std > 0, "batch": self.batch >= 1, "lr": self.lr is None or self.lr > 0,
                  "weight_decay": self.weight_decay >= 0, "schedule": self.schedule in SCHEDULES,
                  "grad_clip": self.grad_clip is None or self.grad_clip > 0,
                  "epochs": self.epochs is None or self.epochs >= 1,
                  "min_epochs": self.min_epochs is None or self.min_epochs >= 1,
                  "target_acc": self.target_acc is None or 0 < self.target_acc <= 1,
                  "target_loss": self.target_loss is None or self.target_loss > 0,
                  "max_seconds": self.max_seconds is None or self.max_seconds > 0,
                  "patience": self.patience is None or self.patience >= 1, "fit_acc": 0 <= self.fit_acc <= 1,
                  "label_smoothing": 0.0 <= self.label_smoothing < 1.0, "loop": self.share_layers or not self.loop}
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid baseline Config field(s) {bad}: {self}")

    def pool_for(self, kind: str) -> str:
        pool = self.pool or ("final" if kind == "lstm" else "mean")
        if pool not in (LSTM_POOLS if kind == "lstm" else TRANSFORMER_POOLS):
            raise ValueError(f"pool {pool!r} is not available for {kind}")
        return pool

    def budget(self, quick: bool) -> tuple[int, int]:
        """(epoch budget, least epochs) of the final fit."""
        epochs = self.epochs or (QUICK_EPOCHS if quick else EPOCHS)
        return epochs, min(epochs, self.min_epochs or (QUICK_MIN if quick else MIN_EPOCHS))

    def stops(self, epoch: int, least: int, acc: float, loss: float) -> bool:
        return (self.target_acc is not None and epoch >= least and acc >= self.target_acc
                and (self.target_loss is None or loss <= self.target_loss))

    def as_dict(self) -> dict:
        return asdict(self)
