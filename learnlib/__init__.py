"""fastai's Learner training loop for plain PyTorch: callbacks, metrics, schedules, safe files and exact resume

Modules:

- `learnlib.optimizer`: An `Optimizer` assembled from small stepper functions, fastai's optimizers built on it, and `OptimWrapper`, which drives any `torch.optim` optimizer through the same interface.
- `learnlib.schedule`: Annealing hyper-parameters during training: `ParamScheduler`, `fit_one_cycle`, `fit_flat_cos`, `fit_sgdr`, `fine_tune` and the learning-rate finder `lr_find`."""

__version__ = "0.0.1"
