"""CLadder (Jin et al., NeurIPS 2023) answered by Scientia's causal core (engine/causal).

`python -m evals.cladder --cladder DIR [--out DIR]`: DIR holds questions.json and models.json.
data.py reads and validates the files; task.py computes each question's quantity with
engine.causal and scores the yes/no answers and the numbers (see task.py's docstring)."""
