"""fastai's Learner training loop for plain PyTorch: callbacks, metrics, schedules, safe files and exact resume

Modules:

- `learnlib.callbacks`: The events of the training loop, `Callback`, the cancel exceptions, and the callbacks every learner uses.
- `learnlib.checkpoint`: Writing the whole state of a fit regularly, and resuming the same fit from it exactly after a crash.
- `learnlib.core`: Defaults, devices, and helpers that walk nested batches of tensors.
- `learnlib.data`: `DataLoaders` over any PyTorch loaders, and a fast loader for data that fits in memory.
- `learnlib.demo`: `learnlib-demo`: train a small CNN on handwritten digits from the command line, in seconds and without a download.
- `learnlib.distributed`: Data-parallel training on several processes, GPUs or machines with `torch.distributed`, and evaluation that is exact.
- `learnlib.learner`: The training loop: `Learner`, `Recorder`, `fit`, `validate`, `get_preds`, `predict`, saving and freezing.
- `learnlib.losses`: Flattened losses that know their activation and how to decode predictions, for any loss function.
- `learnlib.metrics`: Metrics accumulated batch by batch on the device, and read once per epoch.
- `learnlib.optimizer`: An `Optimizer` assembled from small stepper functions, fastai's optimizers built on it, and `OptimWrapper`, which drives any `torch.optim` optimizer through the same interface.
- `learnlib.schedule`: Annealing hyper-parameters during training: `ParamScheduler`, `fit_one_cycle`, `fit_flat_cos`, `fit_sgdr`, `fine_tune` and the learning-rate finder `lr_find`.
- `learnlib.serialization`: Files written atomically and read without running code: weights, optimizer states, random states.
- `learnlib.test_utils`: Small learners and data for tests and examples.
- `learnlib.training`: Mixed precision, gradient accumulation and clipping, early stopping, saving the best model, logs."""

__version__ = "0.0.1"
