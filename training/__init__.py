"""Dataset assembly, training, evaluation, registry and the synthetic export generator."""
