"""A training script for the tests of `learnlib.distributed` (nbs/12_distributed.ipynb).

Run it with `torchrun --nproc_per_node=2 distributed_fit.py OUT` or with `python distributed_fit.py OUT`: it trains
small models on two processes (or one), and the main process writes what the tests check to OUT/results.json and
OUT/tensors.pt."""
import json, sys
from pathlib import Path
import torch, torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook
from learnlib.all import *

out = Path(sys.argv[1])
torch.manual_seed(0)                     # the same data on every process
w = torch.randn(4, 1)
def make(n):
    x = torch.randn(n, 4)
    return x, x@w + 0.1*torch.randn(n, 1)
(xt, yt), (xv, yv) = make(403), make(1001)
dls = DataLoaders(DataLoader(TensorDataset(xt, yt), batch_size=32, shuffle=True), TensorLoader(xv, yv, bs=64))
torch.manual_seed(1 + rank_distrib())    # different initial weights: DDP must copy the main process's
model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 1))

class Accumulate(Callback):
    "Step every second training batch; tell DDP not to synchronise the others."
    order = 10
    def before_batch(self):
        if self.training: self.learn.skip_grad_sync = self.train_iter % 2 == 0
    def before_step(self):
        if self.train_iter % 2 == 0: raise CancelBatchException()   # keep the gradients, no step, no zero_grad

class Seen(Callback):
    "The dataset indices of the training items of each epoch, on this process."
    def before_fit(self): self.idxs = []
    def after_train(self): self.idxs.append(getattr(self.dl, 'last_idxs', torch.zeros(0)).tolist())

def make_cache():
    "Whether the cache existed already; create it if not (only the main process should need to)."
    existed = (out/'cache').exists()
    (out/'cache').write_text('ready')
    return existed
first = rank0_first(make_cache)   # every other process finds the cache made by the main one

learn = Learner(dls, model, nn.MSELoss(), lr=1e-2, metrics=[mae, rmse], cbs=[Accumulate(), Seen()])
res = {}
with learn.distrib_ctx():
    syncs = [0]
    def counting_hook(state, bucket):
        syncs[0] += 1
        return allreduce_hook(state, bucket)
    if num_distrib() > 1: learn.distributed.ddp_model.register_comm_hook(None, counting_hook)
    learn.fit(2)
    res['seen'] = gather_objects(learn.seen.idxs)
    res['values'] = learn.recorder.values
    res['validate'] = learn.validate()
    preds, targs = learn.get_preds()
    inps, preds2, targs2, losses = learn.get_preds(dl=DataLoader(TensorDataset(xv, yv), batch_size=50),
                                                   with_input=True, with_loss=True)
    res['n_preds'] = [len(preds), len(preds2)]
    if num_distrib() > 1:
        learn.distributed.gather_to_all = False
        res['main_only'] = gather_objects(learn.get_preds()[0] is None)
    res['world_size'] = max(num_distrib(), 1)
    res['rank0_first'] = gather_objects(first)
    if rank_distrib() == 0: predicted = learn.predict(xv[3]).output   # no collective: the main process alone
    res['syncs'] = gather_objects(syncs[0])
    weights = gather_objects(learn.model.state_dict())
    inside = type(learn.model).__name__
res['model_after'] = type(learn.model).__name__

# Part 2: a one-cycle schedule, the library's gradient accumulation, bfloat16 mixed precision, a CSV log, save and load
torch.manual_seed(2 + rank_distrib())
model2 = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 1))
learn2 = Learner(dls, model2, nn.MSELoss(), lr=1e-2, path=out,
                 cbs=[GradientAccumulation(n_acc=64), MixedPrecision('bf16'), CSVLogger()])
with learn2.distrib_ctx():
    syncs2 = [0]
    def counting_hook2(state, bucket):
        syncs2[0] += 1
        return allreduce_hook(state, bucket)
    if num_distrib() > 1: learn2.distributed.ddp_model.register_comm_hook(None, counting_hook2)
    learn2.fit_one_cycle(2, 1e-2)
    res['lrs'] = gather_objects(learn2.recorder.lrs)
    weights2 = gather_objects(learn2.model.state_dict())
    learn2.save('final')                 # the main process writes
    with torch.no_grad():
        for p in learn2.model.parameters(): p.zero_()
    learn2.load('final')                 # every process waits for the file, then reads it
    res['loaded_same'] = gather_objects(all(torch.equal(v, weights2[0][k]) for k,v in learn2.model.state_dict().items()))
    res['syncs2'] = gather_objects(syncs2[0])

# Part 3: checkpoints. A fit stopped abruptly in its second epoch is resumed by a fresh learner
class Crash(BaseException): "Stands for the processes being killed."
class CrashAt(Callback):
    order = 100
    def __init__(self, at=None): self.at = at
    def after_backward(self):
        if self.train_iter == self.at: raise Crash()

class Steps(Callback):
    "Counts steps, by 1 on rank 0 and by 2 on rank 1: a state that differs between processes."
    def before_fit(self): self.n = 0
    def after_step(self): self.n += 1 + rank_distrib()
    def state_dict(self): return {'n': self.n}
    def load_state_dict(self, sd): self.n = sd['n']

def run3(folder, crash_at=None):
    "The same fit every time (same seeds), with checkpoints every 4 batches in `out/folder`; None if it crashed."
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1))
    torch.manual_seed(30 + rank_distrib())   # each process drops different units: its own random stream
    steps = Steps()
    learn = Learner(dls, model, nn.MSELoss(), lr=1e-2, path=out/folder,
                    cbs=[CheckpointCallback(every_n_batches=4), CrashAt(crash_at), steps])
    try:
        with learn.distrib_ctx(seed=7), learn.no_bar(), learn.no_logging(): learn.fit(2)
    except Crash: return None
    return learn

ref3 = run3('ref')
res['crashed'] = run3('ck', crash_at=10) is None
resumed = run3('ck')
res['resumed_from'] = getattr(resumed.checkpoint.resumed_from, 'name', None)
created = setup_distrib()   # a process group for gathering what each process found
res['resume_exact'] = gather_objects(all(torch.equal(v, ref3.model.state_dict()[k])
                                         for k,v in resumed.model.state_dict().items()))
res['losses_exact'] = gather_objects([float(l) for l in resumed.recorder.losses] == [float(l) for l in ref3.recorder.losses])
res['own_losses'] = gather_objects([float(l) for l in ref3.recorder.losses])
res['steps'] = gather_objects([ref3.steps.n, resumed.steps.n])
teardown_distrib(created)

# Part 4: a NaN loss that only the process of rank 1 sees stops every process at the same batch
import warnings
class NaNOnRank1(Callback):
    "On rank 1, make the recorded loss NaN from training batch `at`, or at validation batch `valid_at` (gradients stay finite)."
    order = -20
    def __init__(self, at=None, valid_at=None): self.at, self.valid_at = at, valid_at
    def after_loss(self):
        if rank_distrib() != 1: return
        if (self.at is not None and self.training and self.iter >= self.at) or (not self.training and self.iter == self.valid_at):
            self.learn.loss = torch.tensor(float('nan'))

def run4(**kwargs):
    "Where each process stopped a 3-epoch fit (None: it did not stop)."
    learn = Learner(dls, nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1)), nn.MSELoss(), lr=1e-2,
                    cbs=[NaNOnRank1(**kwargs), TerminateOnNaNCallback(check_every=4)])
    with learn.distrib_ctx(), learn.no_bar(), learn.no_logging(), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        learn.fit(3)
        return gather_objects(learn.terminate_on_na_n.stopped_at)

res['nan_train'] = run4(at=5)
res['nan_valid'] = run4(valid_at=2)

# Part 5: compiled models in a distributed fit (the `aot_eager` backend, quick to compile): through `CompileModel`,
# which compiles the DDP wrapper, and a model given to the learner already compiled (then DDP wraps it)
def chain(m):
    "The class names of `m` and of the modules it wraps (torch.compile's and DDP's wrappers), outermost first."
    res = []
    while m is not None:
        res.append(type(m).__name__)
        m = m._orig_mod if res[-1] == 'OptimizedModule' else m.module if res[-1] == 'DistributedDataParallel' else None
    return res

class SeeWrapper(Callback):
    "The modules the loop calls in training."
    def before_batch(self):
        wrapper = self.learn.model_wrapper
        if self.training: self.kind = chain(self.learn.model if wrapper is None else wrapper)

def run5(how):
    "Weights (gathered from every process) and predictions after a fit of one epoch, the model compiled `how`."
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    if how == 'by_hand': model = torch.compile(model, backend='aot_eager')
    see = SeeWrapper()
    cbs = [see] + ([CompileModel(backend='aot_eager')] if how == 'callback' else [])
    learn = Learner(dls, model, nn.MSELoss(), lr=1e-2, cbs=cbs)
    with learn.distrib_ctx(seed=5), learn.no_bar(), learn.no_logging():
        learn.fit(1)
        preds = learn.get_preds()[0]
        weights = gather_objects(unwrap_model(learn.model).state_dict())
    return {'weights': weights, 'preds': preds, 'kind': see.kind, 'after': learn.model_wrapper is None}

compiled = {how: run5(how) for how in ('plain', 'callback', 'by_hand')}
res['compiled'] = {how: {k: v for k, v in r.items() if k in ('kind', 'after')} for how, r in compiled.items()}

if rank_distrib() == 0:
    learn.model.eval()
    with torch.no_grad(): exact = learn.model(xv)
    res['exact'] = [F.mse_loss(exact, yv).item(), mae(exact, yv).item(), rmse(exact, yv)]
    res['predict'] = [predicted.item(), exact[3].item()]
    torch.save(dict(preds=preds, targs=targs, inps=inps, preds2=preds2, targs2=targs2, losses=losses, exact=exact,
                    xv=xv, yv=yv, weights=weights, weights2=weights2,
                    compiled={how: {'weights': r['weights'], 'preds': r['preds']} for how, r in compiled.items()}), out/'tensors.pt')
    (out/'results.json').write_text(json.dumps(res))
