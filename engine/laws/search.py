"""Brute-force enumeration of expression trees in order of size, screened on a small sample
of rows: each new tree (deduplicated by its values) gets its outer constants fitted in closed
form, y ~ k*f (+ b); a tree whose fit is good enough on the sample is handed to `verify`,
which checks it on every row and may end the search."""
import math
import time

from .expr import BINARY, COMMUTATIVE, CONSTANTS, UNARY, Invalid, apply_binary, apply_unary, size, to_text

STORE_CAP = 60_000        # trees kept (with their sample values) as building blocks
CHECK_EVERY = 512         # candidates between clock checks
SEEN_CAP = 400_000        # value signatures remembered for deduplication (memory bound)


class Stop(Exception):
    """The budget ran out, or `verify` accepted a law."""


class Search:
    """One enumeration. `sample` maps each input name to its values on the sampled rows and
    `y` holds the target on them; `screen` is the sample RMS relative error under which a fit
    (with `w` the per-row denominators of the relative error)
    is passed to `verify(tree, affine)`, which returns True to end the search."""

    def __init__(self, sample, y, w, screen, verify, deadline, progress=None):
        self.sample, self.y, self.screen, self.verify = sample, y, screen, verify
        self.deadline, self.progress = deadline, progress
        self.n = len(y)
        self.iw = [1.0 / d for d in w]
        self.t = [a * c for a, c in zip(y, self.iw)]
        self.svv = sum(c * c for c in self.iw)
        self.svt = sum(a * c for a, c in zip(self.iw, self.t))
        self.stt = sum(a * a for a in self.t)
        self.evaluated = 0
        self.front = {}           # complexity -> (rms on the sample, tree, affine)
        self.seen = set()
        self.stored = 0
        self.done = False

    # ---- screening one candidate -------------------------------------------------------
    def _score(self, tree, f):
        self.evaluated += 1
        if self.evaluated % CHECK_EVERY == 0:
            if time.monotonic() > self.deadline:
                raise Stop
            if self.progress is not None:
                best = min(self.front.values(), key=lambda e: e[0], default=None)
                self.progress(self.evaluated, None if best is None else (best[0], to_text(best[1])))
        u = [a * c for a, c in zip(f, self.iw)]
        suu = sum(a * a for a in u)
        if not suu > 0:
            return
        sut = sum(a * c for a, c in zip(u, self.t))
        n, stt = self.n, self.stt
        k = sut / suu
        rms1 = math.sqrt(max(0.0, stt - k * sut) / n)
        suv = sum(a * c for a, c in zip(u, self.iw))
        det = suu * self.svv - suv * suv
        rms2 = math.inf
        if det > 1e-9 * suu * self.svv:
            k2 = (sut * self.svv - self.svt * suv) / det
            b2 = (self.svt * suu - sut * suv) / det
            rms2 = math.sqrt(max(0.0, stt - k2 * sut - b2 * self.svt) / n)
        c = size(tree)
        for affine, rms in ((False, rms1), (True, rms2)):
            cx = c + affine
            old = self.front.get(cx)
            if old is None or rms < old[0]:
                self.front[cx] = (rms, tree, affine)
        for affine, rms in ((False, rms1), (True, rms2)):
            if rms < self.screen and self.verify(tree, affine):
                self.done = True
                raise Stop

    def _add(self, level, tree, values):
        key = tuple(round(v, 9) for v in values[:5])
        if key in self.seen:
            return
        if len(self.seen) < SEEN_CAP:
            self.seen.add(key)
        if tree[0] != "const":
            self._score(tree, values)
        if self.stored < STORE_CAP:
            level.append((tree, values))
            self.stored += 1

    # ---- enumeration ---------------------------------------------------------------------
    def run(self, max_size=30):
        levels = {1: []}
        try:
            for name, values in self.sample.items():
                self._add(levels[1], ("var", name), list(values))
            for const in CONSTANTS:
                self._add(levels[1], const, [const[1]] * self.n)
            for c in range(2, max_size + 1):
                level = levels[c] = []
                for tree, values in levels[c - 1]:
                    if tree[0] == "const":
                        continue
                    for op in UNARY:
                        try:
                            out = apply_unary(op, values)
                        except (Invalid, OverflowError, ValueError):
                            continue
                        self._add(level, (op, tree), out)
                for a in range(1, c - 1):
                    b = c - 1 - a
                    for i, (lt, lv) in enumerate(levels[a]):
                        lconst = lt[0] == "const"
                        for j, (rt, rv) in enumerate(levels[b]):
                            if lconst and rt[0] == "const":
                                continue
                            for op in BINARY:
                                if op in COMMUTATIVE and (a > b or (a == b and j < i)):
                                    continue
                                try:
                                    values = apply_binary(op, lv, rv)
                                except (Invalid, OverflowError, ZeroDivisionError):
                                    continue
                                self._add(level, (op, lt, rt), values)
        except Stop:
            pass
        return self
