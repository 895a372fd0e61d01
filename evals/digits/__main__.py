"""python -m evals.digits: the same as python -m evals.digits.task."""
from evals.digits.task import main

main()
