"""The neural sequence baselines shared by the evaluation tasks: `config` (Config, the kinds,
the training defaults), `models` (the networks) and `train` (train_eval)."""
