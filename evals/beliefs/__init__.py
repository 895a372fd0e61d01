"""The suite's `beliefs` task (ToMi): see evals/tomi/."""
