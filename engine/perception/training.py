"""Shared training plumbing: seeding, shuffled mini-batches, progress bars."""
from __future__ import annotations

import torch


def seeded(seed: int) -> torch.Generator:
    """Seed torch for reproducible initialisation and return a generator for shuffling."""
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def batches(n: int, size: int, gen: torch.Generator):
    order = torch.randperm(n, generator=gen)
    for i in range(0, n, size):
        yield order[i:i + size]


def progress_bar(iterable, enabled: bool, desc: str):
    if not enabled:
        return iterable
    from tqdm import tqdm
    return tqdm(iterable, desc=desc, leave=False)


def shift(xs: torch.Tensor, gen: torch.Generator, pixels: int = 2) -> torch.Tensor:
    """Random translation by up to `pixels` in each direction (zero padding): a light augmentation."""
    n, _, h, w = xs.shape
    padded = torch.nn.functional.pad(xs, (pixels, pixels, pixels, pixels))
    dx = torch.randint(0, 2 * pixels + 1, (n,), generator=gen)
    dy = torch.randint(0, 2 * pixels + 1, (n,), generator=gen)
    rows = (torch.arange(h)[None, :] + dy[:, None])[:, None, :, None].expand(n, xs.shape[1], h, w + 2 * pixels)
    out = padded.gather(2, rows)
    cols = (torch.arange(w)[None, :] + dx[:, None])[:, None, None, :].expand(n, xs.shape[1], h, w)
    return out.gather(3, cols)
