"""A progress bar for long evaluation loops: tqdm's when it is installed (the `perception`
extra brings it), else the plain iterable, so the reasoning evaluations run on a core install."""
from __future__ import annotations


def bar(iterable, desc: str = "", disable: bool = False, leave: bool = True):
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, disable=disable, leave=leave)
