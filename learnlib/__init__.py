"""fastai's Learner training loop for plain PyTorch: callbacks, metrics, schedules, safe files and exact resume

Modules:

- `learnlib.callbacks`: The events of the training loop, `Callback`, the cancel exceptions, and the callbacks every learner uses. A callback owns its state and declares it with `state_dict`; the loop's counters belong to the learner.
- `learnlib.checkpoint`: Writing the whole state of a fit regularly, and resuming the same fit from it exactly after a crash. A resumed fit ends with the same weights, to the bit, as one that never stopped.
- `learnlib.core`: Defaults, devices, and helpers that walk nested batches of tensors. The small pieces every other module leans on; nothing here knows about training.
- `learnlib.data`: `DataLoaders` over any PyTorch loaders, and a fast loader for data that fits in memory. Any loader you can iterate again and again works; `TensorLoader` cuts batches straight out of tensors.
- `learnlib.demo`: `learnlib-demo`: train a small CNN on handwritten digits from the command line, in seconds and without a download. It shows the whole library at work: `fit_one_cycle`, metrics, progress bars, saving and a loss plot.
- `learnlib.distributed`: Data-parallel training on several processes, GPUs or machines with `torch.distributed`, and evaluation that is exact. DDP, or FSDP with the model sharded, with sharded loaders; losses, metrics and predictions over the whole set, each item once.
- `learnlib.learner`: The training loop: `Learner`, `Recorder`, `fit`, `validate`, `get_preds`, `predict`, saving and freezing. The loop owns its counters and position; later modules add entry points such as `fit_one_cycle`.
- `learnlib.losses`: Flattened losses that know their activation and how to decode predictions, for any loss function. They give `get_preds` its activation and decoding; any other loss gets the same through `loss_activation`.
- `learnlib.metrics`: Metrics accumulated batch by batch on the device, and read once per epoch. Every metric of `fastai.metrics` is here, with fastai's names, and each combines exactly across processes.
- `learnlib.optimizer`: An `Optimizer` assembled from small stepper functions, fastai's optimizers built on it, and `OptimWrapper`, which drives any `torch.optim` optimizer through the same interface.
- `learnlib.schedule`: Annealing hyper-parameters during training: `ParamScheduler`, `fit_one_cycle`, `fit_flat_cos`, `fit_sgdr`, `fine_tune` and the learning-rate finder `lr_find`.
- `learnlib.serialization`: Files written atomically and read without running code: weights, optimizer states, random states. A killed save leaves the previous file intact; a bad or hostile file raises an error and changes nothing.
- `learnlib.test_utils`: Small learners and data for tests and examples. `synth_learner`, the handwritten digits and their CNN, and helpers for tests that run real processes.
- `learnlib.training`: Mixed precision, gradient accumulation and clipping, early stopping, saving the best model, logs. Each callback sits at the `order` its partners expect, and acts in real fits only."""

__version__ = "0.0.1"
