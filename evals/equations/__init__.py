"""The `equations` task: law discovery on AI Feynman's equations (`scientia eval equations
--feynman FILE.csv`): data.py reads and samples the tables, score.py scores a formula
(SRBench's exact recovery, errors in and outside the range), baselines.py runs gplearn,
pyoperon and an MLP, task.py runs them all and assembles the suite's result."""
