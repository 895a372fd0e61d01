"""Digit sums: `data` (load_digits or MNIST), `task` (Scientia, the suite's `run`), `baseline`
(CNN + LSTM / Transformer). `python -m evals.digits` runs the task."""
