"""The loop overhead of other training libraries on the workload of `loop_overhead.py`, next to learnlib's.

The workload is that of `loop_overhead.py` (a tiny MLP regression over `torch.utils.data.DataLoader`s, plain SGD, two
epochs with a validation pass computing the mean validation loss, one CPU thread), and so is the baseline: the
hand-written PyTorch loop, run in the same process. Each library runs it the way its documentation shows, with its
defaults (progress bars included where a library has them on by default):

- learnlib: `Learner(dls, model, loss, opt_func=partial(OptimWrapper, opt=torch.optim.SGD)).fit(2)`;
- PyTorch Ignite: `create_supervised_trainer` and `create_supervised_evaluator` with a `Loss` metric, the evaluator
  run on the validation loader when each epoch completes;
- PyTorch Lightning: a `LightningModule` (`training_step`, `validation_step` logging the loss, `configure_optimizers`
  returning `torch.optim.SGD`) and `Trainer(max_epochs=2)` on the CPU, without logger, checkpoints, model summary or
  sanity-check batches (work the hand-written loop does not do);
- fastai: `Learner(DataLoaders(train_dl, valid_dl), model, loss).fit(2)` with its own `SGD`, and with
  `partial(OptimWrapper, opt=torch.optim.SGD)`.

A library that is not installed is reported as such and skipped. Runs alternate with the baseline, each library
runs once before the timed runs (steady state), and ratios are medians over the repeats, as in `loop_overhead.py`.
Output of the libraries (bars, tables, logs, warnings) goes to /dev/null.

    python bench/peers.py                    # every library that is installed
    python bench/peers.py --peers ignite,lightning --repeats 9
"""
import argparse, contextlib, importlib.metadata, logging, os, sys, warnings
from functools import partial
from pathlib import Path
import torch
from torch import nn
sys.path.insert(0, str(Path(__file__).parent))
import loop_overhead as lo

PEERS = {'learnlib': 'learnlib', 'ignite': 'pytorch-ignite', 'lightning': 'lightning', 'fastai': 'fastai'}

def version(peer:str) -> str|None:
    "The installed version of `peer`'s package, or None when it cannot be imported."
    try:
        importlib.import_module({'learnlib': 'learnlib.learner', 'ignite': 'ignite.engine', 'lightning': 'lightning.pytorch',
                                 'fastai': 'fastai.basics'}[peer])
    except ImportError: return None
    try: return importlib.metadata.version(PEERS[peer])
    except importlib.metadata.PackageNotFoundError: return 'unknown version'

def quiet(f):
    "`f` with its standard error (bars, logs, warnings) sent to /dev/null (`loop_overhead.timed` silences the rest)."
    def _f():
        with open(os.devnull, 'w') as null, contextlib.redirect_stderr(null), warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return f()
    return _f

def ignite_fit(train, valid):
    from ignite.engine import create_supervised_trainer, create_supervised_evaluator, Events
    from ignite.metrics import Loss
    model, loss_func = lo.make_model(), nn.MSELoss()
    train_dl, valid_dl = lo.torch_loaders(train, valid)
    trainer = create_supervised_trainer(model, torch.optim.SGD(model.parameters(), lr=lo.LR), loss_func)
    evaluator = create_supervised_evaluator(model, metrics={'loss': Loss(loss_func)})
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda engine: evaluator.run(valid_dl))
    trainer.run(train_dl, max_epochs=lo.N_EPOCH)

def lightning_fit(train, valid):
    import lightning.pytorch as pl
    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.model, self.loss_func = lo.make_model(), nn.MSELoss()
        def training_step(self, batch, batch_idx): return self.loss_func(self.model(batch[0]), batch[1])
        def validation_step(self, batch, batch_idx): self.log('valid_loss', self.loss_func(self.model(batch[0]), batch[1]))
        def configure_optimizers(self): return torch.optim.SGD(self.parameters(), lr=lo.LR)
    trainer = pl.Trainer(max_epochs=lo.N_EPOCH, accelerator='cpu', devices=1, logger=False, enable_checkpointing=False,
                         enable_model_summary=False, num_sanity_val_steps=0)
    trainer.fit(Module(), *lo.torch_loaders(train, valid))

def fastai_fit(train, valid, torch_sgd:bool=False):
    from fastai.basics import Learner, DataLoaders, SGD, OptimWrapper
    opt_func = partial(OptimWrapper, opt=torch.optim.SGD) if torch_sgd else SGD
    learn = Learner(DataLoaders(*lo.torch_loaders(train, valid), device='cpu'), lo.make_model(), nn.MSELoss(),
                    opt_func=opt_func, lr=lo.LR)
    learn.fit(lo.N_EPOCH)

def learnlib_fit(train, valid):
    from learnlib.data import DataLoaders
    from learnlib.optimizer import OptimWrapper
    lo.learnlib_fit(DataLoaders(*lo.torch_loaders(train, valid)), lo.make_model(), partial(OptimWrapper, opt=torch.optim.SGD))

CASES = {  # name: (library, function)
    'learnlib, OptimWrapper(torch SGD)': ('learnlib', learnlib_fit),
    'PyTorch Ignite': ('ignite', ignite_fit),
    'PyTorch Lightning': ('lightning', lightning_fit),
    'fastai, its own SGD': ('fastai', fastai_fit),
    'fastai, OptimWrapper(torch SGD)': ('fastai', partial(fastai_fit, torch_sgd=True)),
}

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--peers', default=','.join(PEERS), help=f"comma-separated, from: {', '.join(PEERS)}")
    p.add_argument('--repeats', type=int, default=15)
    p.add_argument('--n-train', type=int, default=lo.N_TRAIN, help='training rows')
    p.add_argument('--n-valid', type=int, default=lo.N_VALID, help='validation rows')
    args = p.parse_args(argv)
    peers = args.peers.split(',')
    bad = [o for o in peers if o not in PEERS]
    if bad: sys.exit(f"Unknown library. Received: {', '.join(bad)}. Libraries: {', '.join(PEERS)}.")
    torch.set_num_threads(1)
    train, valid = lo.make_data(args.n_train, args.n_valid)
    nb = lo.n_batches(args.n_train, args.n_valid)
    versions = {o: version(o) for o in peers}   # imports them: then their loggers can be silenced
    for name in ('lightning', 'lightning.pytorch', 'lightning.fabric', 'pytorch_lightning'): logging.getLogger(name).setLevel(logging.ERROR)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {args.repeats} repeats; " +
          ', '.join(f"{o} {v or 'not installed'}" for o, v in versions.items()), flush=True)
    def baseline(): lo.plain_fit(lo.make_model(), *lo.torch_loaders(train, valid))
    for name, (peer, f) in CASES.items():
        if peer not in peers: continue
        if versions[peer] is None: print(f"{name:<48} not installed: skipped (pip install {PEERS[peer]})", flush=True)
        else: lo.compare(f'{name} / hand loop', baseline, quiet(partial(f, train, valid)), args.repeats, nb, candidate_name=peer)

if __name__ == '__main__': main()
