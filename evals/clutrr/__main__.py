"""python -m evals.clutrr: the same as python -m evals.clutrr.task."""
from evals.clutrr.task import main

main()
