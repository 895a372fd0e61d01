"""python -m evals.scenes: the same as python -m evals.scenes.task."""
from evals.scenes.task import main

main()
