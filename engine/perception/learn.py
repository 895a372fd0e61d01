"""Learning a classifier through the knowledge base, when only the answer to a query is labelled.

`answer_table` asks the KB, once, which interpretations of the perceived symbols make it
entail which answer (for `digit_of(x1) + digit_of(x2) = S`: S = 7 under (0,7), (1,6), ...).
z3 decides each interpretation (engine.reason.probability.outcomes), so the table is exactly the
abduction space of the KB, whatever its rules and constraints.

`train_on_answers` then trains on (inputs, answer) pairs in one of two ways:
- "exact": maximise log P(answer) = log Σ_{a ∈ table[answer]} Π_j p(x_j = a_j), the exact
  query probability of DeepProbLog and Scallop, with gradients through every candidate;
- "abduce": take the most probable candidate under the current network (abduction by
  probability, not by fewest revisions) as pseudo-labels, with cross-entropy (ABL's way).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn

from .training import batches, progress_bar, seeded


@dataclass
class AnswerTable:
    """answer -> label-index tuples of the interpretations under which the KB entails it."""

    inputs: tuple
    candidates: dict

    def padded(self, answers: list):
        """(candidate tensor [A, m, n], mask [A, m], index of each answer) for a training set."""
        keys = sorted(set(answers), key=repr)
        unknown = [a for a in keys if a not in self.candidates]
        if unknown:
            raise ValueError(f"answers the knowledge base never entails: {unknown[:5]}")
        width = max(len(self.candidates[a]) for a in keys)
        cand = torch.zeros(len(keys), width, len(self.inputs), dtype=torch.long)
        mask = torch.zeros(len(keys), width, dtype=torch.bool)
        for i, a in enumerate(keys):
            rows = torch.tensor(self.candidates[a], dtype=torch.long)
            cand[i, :len(rows)], mask[i, :len(rows)] = rows, True
        where = {a: i for i, a in enumerate(keys)}
        return cand, mask, torch.tensor([where[a] for a in answers])


class _Uniform:
    """A stand-in perception model: uniform over the labels, always abstaining."""

    def __init__(self, classifier):
        self.name, self.symbol, self.threshold, self.labels = "uniform", classifier.symbol, 2.0, classifier.labels


def answer_table(theory: str, classifier, query: str, inputs: list, answer_var: str = "S",
                 limit: int = 100_000) -> AnswerTable:
    """Ask a fresh KB (the `theory` text) which answers each interpretation of `inputs` entails."""
    from ..kb import KnowledgeBase
    kb = KnowledgeBase()
    kb.tell(theory)
    stub = _Uniform(classifier)
    uniform = [(label, 1.0 / len(stub.labels)) for label in stub.labels]
    kb.add_perceptions(stub, [(name, uniform) for name in inputs])
    index = {label: k for k, label in enumerate(classifier.labels)}
    table: dict = {}
    for _, interpretation, bindings in kb.outcomes(query, limit):
        for b in bindings:
            table.setdefault(b[answer_var], []).append(tuple(index[interpretation[x]] for x in inputs))
    return AnswerTable(tuple(inputs), table)


def train_on_answers(classifier, xs: torch.Tensor, answers: list, table: AnswerTable, *, method: str = "exact",
                     epochs: int = 5, lr: float = 1e-3, batch_size: int = 32, seed: int = 0,
                     progress: bool = True, augment=None, cosine: bool = False) -> dict:
    """Train on inputs xs [M, n, ...] (n = len(table.inputs)) labelled only with answers;
    `cosine` warms the learning rate up and anneals it (one cycle) over the whole run."""
    if method not in ("exact", "abduce"):
        raise ValueError("method is 'exact' or 'abduce'")
    cand, mask, which = table.padded(answers)
    gen = seeded(seed)
    net = classifier.net
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps = epochs * ((len(xs) + batch_size - 1) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15) if cosine else None
    start, n = time.perf_counter(), xs.shape[1]
    for _ in progress_bar(range(epochs), progress, f"{classifier.name} ({method}, from answers)"):
        net.train()
        for idx in batches(len(xs), batch_size, gen):
            flat = xs[idx].flatten(0, 1)
            flat = augment(flat, gen) if augment else flat
            logp = torch.log_softmax(net(flat), dim=1).view(len(idx), n, -1)
            loss = _loss(logp, cand[which[idx]], mask[which[idx]], method)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if schedule is not None:
                schedule.step()
    return {"method": method, "epochs": epochs, "lr": lr, "seconds": time.perf_counter() - start}


def _loss(logp: torch.Tensor, cand: torch.Tensor, mask: torch.Tensor, method: str) -> torch.Tensor:
    """logp [B, n, C]; cand [B, m, n] label indices; mask [B, m] real candidates."""
    b, m, n = cand.shape
    picked = logp[torch.arange(b)[:, None, None], torch.arange(n)[None, None, :], cand]    # [B, m, n]
    scores = picked.sum(dim=2).masked_fill(~mask, float("-inf"))                          # [B, m]
    if method == "exact":
        return -torch.logsumexp(scores, dim=1).mean()
    best = cand[torch.arange(b), scores.argmax(dim=1)]                                    # [B, n]
    return nn.functional.nll_loss(logp.flatten(0, 1), best.flatten())
