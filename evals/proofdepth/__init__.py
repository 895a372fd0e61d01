"""Proof depth (ProofWriter-style, open world): `generate` (theories, the oracle, depths),
`task` (Scientia and the baselines, the suite's `run`), `baseline` (the statement-level
sequence models). `python -m evals.proofdepth` runs the task."""
