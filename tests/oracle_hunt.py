"""Run the shape classes of tests/test_oracle_shapes.py at scale and collect every failure
(the tests stop at the first): a report of distinct failure kinds, smallest KB first.

    .venv/bin/python tests/oracle_hunt.py [N] [class ...]     (N examples per class, default 500)

HUNT_SKIP=REGEX skips the failing cases whose notes (KB text, queries) match REGEX, to look past a
known bug (e.g. HUNT_SKIP='(\b\w) != \1\b' for W2's `a != a`).
"""
from __future__ import annotations

import collections
import os
import re
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

import test_oracle_shapes as T  # noqa: E402

CLASSES = {
    "open_equality": (T.cases_open_equality, T.check_finite),
    "closed_open": (T.cases_closed_open, T.check_finite),
    "closed_finite": (T.cases_closed_finite, T.check_finite),
    "query_constants": (T.cases_query_constants, T.check_finite),
    "enum": (T.cases_enum, T.check_enum),
    "division": (T.cases_division, T.check_division),
}


SKIP = os.environ.get("HUNT_SKIP")
KEEP = 6   # smallest failing cases kept per kind


def kind_of(exc) -> str:
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    msg = re.sub(r"\?- .*?: engine", "?- Q: engine", msg)
    msg = re.sub(r"contradict each other: .*", "contradict each other", msg)
    msg = re.sub(r"accepted `.*?` over", "accepted OUTSIDER over", msg)
    return f"{type(exc).__name__}: {msg[:160]}"


def hunt(name, n, found):
    strategy, check = CLASSES[name]
    count = [0, 0]

    @settings(max_examples=n, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy())
    def run(case):
        T.NOTES.clear()
        count[0] += 1
        try:
            check(case)
        except Exception as e:   # noqa: BLE001
            count[1] += 1
            tb = traceback.extract_tb(e.__traceback__)[-1]
            key = (name, kind_of(e), f"{Path(tb.filename).name}:{tb.lineno}")
            text = "\n".join(T.NOTES)
            if SKIP and re.search(SKIP, text):
                return
            k, texts = found.get(key, (0, []))
            texts = sorted(set(texts) | {text}, key=len)[:KEEP]
            found[key] = (k + 1, texts)
    t = time.time()
    run()
    print(f"{name}: {count[0]} cases, {count[1]} failing, {time.time() - t:.0f} s", flush=True)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    names = sys.argv[2:] or list(CLASSES)
    found: dict = collections.OrderedDict()
    for name in names:
        hunt(name, n, found)
    for (name, kind, where), (k, texts) in found.items():
        print(f"\n=== [{name}] {kind}  ({k} cases; raised at {where})")
        for text in texts:
            print(f"--- \n{text}")


if __name__ == "__main__":
    main()
