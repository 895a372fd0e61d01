"""New combinations in scenes: `data` (rendered grids of coloured shapes), `task` (Scientia and
the baselines, the suite's `run`), `baseline` (CNN + LSTM / Transformer).
`python -m evals.scenes` runs the task."""
