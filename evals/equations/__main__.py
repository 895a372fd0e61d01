"""python -m evals.equations --feynman FILE.csv [--budget 60] [--noise 0,0.001,0.01] [--rows 1000]
[--seed 0] [--out DIR] [--quick]: the same as `scientia eval equations ...`."""
from __future__ import annotations

import sys

from evals.suite import main

if __name__ == "__main__":
    sys.exit(main(["equations", *sys.argv[1:]]))
