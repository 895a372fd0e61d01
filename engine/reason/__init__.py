"""Reasoning: the router, the theory (Horn part, hard part, closures), decision procedures, proofs."""
