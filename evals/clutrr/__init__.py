"""Kinship stories (CLUTRR protocol): `data` (the generator and the CSV reader), `induction`
(rules from the training split), `task` (Scientia and the baselines, the suite's `run`),
`sweep` (the baselines' configuration sweep). `python -m evals.clutrr` runs the task."""
