"""fastai's Learner training loop for plain PyTorch: callbacks, metrics, schedules, safe files and exact resume

```python
from learnlib.core import *
from learnlib.data import *
from learnlib.optimizer import *
from learnlib.losses import *
from learnlib.callbacks import *
from learnlib.metrics import *
from learnlib.learner import *
from learnlib import core as _core, data as _data, optimizer as _optimizer, losses as _losses
from learnlib import callbacks as _callbacks, metrics as _metrics, learner as _learner
__all__ = [n for m in (_core, _data, _optimizer, _losses, _callbacks, _metrics, _learner) for n in m.__all__]
```

Modules:

- `learnlib.optimizer`: An `Optimizer` assembled from small stepper functions, fastai's optimizers built on it, and `OptimWrapper`, which drives any `torch.optim` optimizer through the same interface."""

__version__ = "0.0.1"
