"""`scientia eval causal --cladder DIR`: CLadder as Scientia programs (evals/cladder/causal.py)."""
