"""python -m evals.proofdepth: the same as python -m evals.proofdepth.task."""
from evals.proofdepth.task import main

main()
