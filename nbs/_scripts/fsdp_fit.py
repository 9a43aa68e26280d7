"""A training script for the FSDP tests of `learnlib.distributed` (nbs/12_distributed.ipynb).

`torchrun --nproc_per_node=2 fsdp_fit.py OUT` trains a small model sharded over the two processes
(`distrib_ctx(strategy='fsdp')`) in several ways and, on the main process, the same model on one process over the
same batches; the main process writes what the tests check to OUT/results.json and OUT/tensors.pt. Then it starts
a fit with checkpoints, in which the process of rank 1 is killed (SIGKILL) while it writes a checkpoint.
`torchrun --nproc_per_node=2 fsdp_fit.py OUT resume` runs that fit again, which resumes from the last checkpoint,
then the same fit uninterrupted; the main process writes what it found to OUT/resume.json."""
import json, os, signal, sys
from functools import partial
from pathlib import Path
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from learnlib.all import *

out, SEED = Path(sys.argv[1]), 7
mode = sys.argv[2] if len(sys.argv) > 2 else 'all'
torch.manual_seed(0)                     # the same data on every process
x, xv = torch.randn(256, 12), torch.randn(257, 12)
w = torch.randn(12, 5)
y, yv = x@w + 0.1*torch.randn(256, 5), xv@w
train_dl = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
valid_dl = TensorLoader(xv, yv, bs=64)   # evaluation shards of 128 and 129 items: 2 and 3 batches

class Block(nn.Module):
    def __init__(self, d=32, h=65, p=0.):
        super().__init__()
        self.lin1, self.act, self.lin2, self.norm = nn.Linear(d, h), nn.GELU(), nn.Linear(h, d), nn.LayerNorm(d)
        self.drop = nn.Dropout(p)
    def forward(self, x): return x + self.drop(self.lin2(self.act(self.lin1(self.norm(x)))))

class MLP(nn.Module):
    "An input layer, three residual blocks, a head; odd sizes (65, 5): the shards of a parameter differ by a row."
    def __init__(self, p=0.):
        super().__init__()
        self.inp, self.blocks, self.head = nn.Linear(12, 32), nn.ModuleList(Block(p=p) for _ in range(3)), nn.Linear(32, 5)
    def forward(self, x):
        x = self.inp(x)
        for b in self.blocks: x = b(x)
        return self.head(x)

def make_model(seed=1, p=0.):
    torch.manual_seed(seed)
    return MLP(p)

class GlobalBatches:
    "The batches one process must see to take the steps of a 2-process run: both processes' batches, side by side."
    def __init__(self, dl):
        self.shards, self.epoch = [DistributedLoader(dl, rank=r, world_size=2, train=True, seed=SEED) for r in range(2)], 0
    def __len__(self): return len(self.shards[0])
    def __iter__(self):
        for s in self.shards: s.set_epoch(self.epoch)
        idxs, bs, self.epoch = [s._local() for s in self.shards], self.shards[0].batch_size, self.epoch + 1
        for t in range(len(self)): yield torch.cat([i[t*bs:(t+1)*bs] for i in idxs]).tolist()

def learner(model, single=False, **kwargs):
    "A learner over the training data (for one process: the 2-process run's global batches) and the validation set."
    tdl = DataLoader(train_dl.dataset, batch_sampler=GlobalBatches(train_dl)) if single else train_dl
    return Learner(DataLoaders(tdl, valid_dl), model, nn.MSELoss(), lr=1e-2, path=out, **kwargs)

def quiet(learn): return learn.no_bar(), learn.no_logging()

def resumable_fit(folder:str):
    "The same fit every time, with checkpoints every 3 batches in `models/folder`: dropout, gradient accumulation."
    model = make_model(seed=9, p=0.3)
    torch.manual_seed(40 + rank_distrib())   # each process drops its own units: its own random stream
    learn = learner(model, cbs=[GradientAccumulation(n_acc=32), CheckpointCallback(folder, every_n_batches=3)])
    with learn.distrib_ctx(strategy='fsdp', seed=SEED, timeout=60), quiet(learn)[0], quiet(learn)[1]: learn.fit(2)
    return learn

if mode == 'resume':   # the fit killed at the end of the other run resumes, then the same fit runs uninterrupted
    learn, ref, res = resumable_fit('ck'), resumable_fit('ref'), {}
    res['resumed_from'] = learn.checkpoint.resumed_from.name
    created = setup_distrib()
    res['weights_exact'] = gather_objects(all(torch.equal(v, ref.model.state_dict()[k]) for k, v in
                                              learn.model.state_dict().items()))
    res['losses_exact'] = gather_objects([float(l) for l in learn.recorder.losses] == [float(l) for l in ref.recorder.losses])
    res['own_losses'] = gather_objects([float(l) for l in ref.recorder.losses])
    teardown_distrib(created)
    if rank_distrib() == 0:
        res['left'] = sorted(os.listdir(out/'models'/'ck'))
        (out/'resume.json').write_text(json.dumps(res))
    sys.exit()

res, ten = {}, {}
# 1. The sharded run's shards, predictions and metrics; then, on the main process, the same fit on one process
model = make_model()
learn = learner(model, metrics=[mae, rmse])
with learn.distrib_ctx(strategy='fsdp', seed=SEED):
    res['inside'] = type(learn.model).__name__
    res['shards'] = gather_objects([[n, list(p.shape), list(p.to_local().shape), type(p).__name__]
                                    for n, p in learn.model.named_parameters()])
    with quiet(learn)[0], quiet(learn)[1]: learn.fit(2)
    res['values'] = learn.recorder.values
    res['validate'] = learn.validate()
    preds, targs = learn.get_preds()
    preds2, targs2 = learn.get_preds(dl=DataLoader(TensorDataset(xv, yv), batch_size=50))
    res['predict'] = learn.predict(xv[3]).output.tolist()   # a forward pass: every process predicts
    whole, _ = learn.sharding.gathered(with_opt=False)     # the whole model, on the main process
    learn.save('final')                                    # every process writes its shards
    learn.export()                                         # the main process writes an ordinary learner
    with quiet(learn)[0], quiet(learn)[1]: learn.fit(1)    # on from the checkpoint
res['after'] = [type(learn.model).__name__, learn.model is model]
created = setup_distrib()   # a process group to compare the processes' results
res['same_weights'] = gather_objects({k: v.sum().item() for k, v in model.state_dict().items()})
teardown_distrib(created)
ten.update(preds=preds, targs=targs, preds2=preds2, targs2=targs2, fsdp3=model.state_dict(), yv=yv)
if rank_distrib() == 0:
    ten['fsdp'] = whole.state_dict()
    ref = learner(make_model(), single=True, metrics=[mae, rmse])
    with quiet(ref)[0], quiet(ref)[1]: ref.fit(2)
    ten['single'] = ref.model.state_dict()
    with torch.no_grad(): exact = whole.eval()(xv)
    ten['exact'] = exact
    res['exact'] = [nn.functional.mse_loss(exact, yv).item(), mae(exact, yv).item(), rmse(exact, yv)]

# 2. The sharded checkpoint, loaded by two processes (then one more epoch, as the first run did), as one ordinary
# file (a whole model, which each process shards) and back to a sharded one; then on one process, and the export
learn = learner(make_model(seed=5))
with learn.distrib_ctx(strategy='fsdp', seed=SEED), quiet(learn)[0], quiet(learn)[1]:
    learn.load('final')
    learn.fit(1)
ten['resumed3'] = learn.model.state_dict()
def convert():
    if rank_distrib() == 0:
        sharded_to_file(out/'models'/'final.dcp', out/'models'/'whole.pth')
        file_to_sharded(out/'models'/'whole.pth', out/'models'/'back.dcp')
rank0_first(convert)
for name in ('whole.pth', 'back'):
    learn = learner(make_model(seed=6))
    with learn.distrib_ctx(strategy='fsdp', seed=SEED):
        learn.load(name)
        whole, _ = learn.sharding.gathered(with_opt=False)
    if rank_distrib() == 0: ten[f'loaded_{name}'] = whole.state_dict()
if rank_distrib() == 0:
    one = learner(make_model(seed=8)).load('final')   # one process, without any process group
    ten['one_process'], ten['one_process_opt'] = one.model.state_dict(), one.opt.state_dict()
    exported = load_learner(out/'export.pkl', trusted=True)
    res['exported'] = [type(exported.model).__name__, exported.sharding, [type(cb).__name__ for cb in exported.cbs]]
    ten['exported'], ten['exported_opt'] = exported.model.state_dict(), exported.opt.state_dict()
    res['files'] = sorted(os.listdir(out/'models'/'final.dcp'))

# 3. Other optimizers, the one-cycle schedule, gradient accumulation and clipping, against one process
def accumulate_clip(n_acc): return dict(cbs=[GradientAccumulation(n_acc=n_acc), GradientClip(max_norm=0.3)])
runs = {'sgd': lambda _: dict(opt_func=partial(SGD, mom=0.9, wd=1e-2), cbs=GradientClip(0.5, norm_type=float('inf'))),
        'ranger': lambda _: dict(opt_func=ranger),
        'adamw': lambda _: dict(opt_func=torch.optim.AdamW), 'one_cycle': lambda _: {},
        'accumulate_clip': lambda single: accumulate_clip(64 if single else 32)}   # a step every 64 items in all
def fit(learn, name): (learn.fit_one_cycle if name == 'one_cycle' else learn.fit)(1)
res['lrs'] = {}
for name, kw in runs.items():
    learn = learner(make_model(), **kw(False))
    with learn.distrib_ctx(strategy='fsdp', seed=SEED), quiet(learn)[0], quiet(learn)[1]:
        fit(learn, name)
        res['lrs'][name] = gather_objects(learn.recorder.lrs[-1])
        if name in ('sgd', 'accumulate_clip'): res[f'{name}_norm'] = gather_objects(float(learn.gradient_clip.total_norm))
    ten[name] = learn.model.state_dict()
    if rank_distrib() == 0:
        ref = learner(make_model(), single=True, **kw(True))
        with quiet(ref)[0], quiet(ref)[1]: fit(ref, name)
        ten[f'{name}_single'] = ref.model.state_dict()

# 4. bfloat16 through FSDP's mixed precision policy: the blocks compute in bfloat16, the weights stay float32
from torch.distributed.fsdp import MixedPrecisionPolicy
bf16 = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32, output_dtype=torch.float32)
learn = learner(make_model())
with learn.distrib_ctx(strategy='fsdp', seed=SEED, fsdp_kwargs=dict(mp_policy=bf16)), quiet(learn)[0], quiet(learn)[1]:
    seen = []
    learn.model.blocks[0].lin1.register_forward_hook(lambda m, i, o: seen.append(str(o.dtype)))
    learn.fit(1)
    res['bf16'] = {'layer': seen[0], 'pred': str(learn.get_preds()[0].dtype),
                   'params': sorted({str(p.dtype) for p in learn.model.parameters()})}
ten['bf16'] = learn.model.state_dict()
if rank_distrib() == 0:
    ref = learner(make_model(), single=True)
    with quiet(ref)[0], quiet(ref)[1]: ref.fit(1)
    ten['fp32_single'] = ref.model.state_dict()

if rank_distrib() == 0:
    torch.save(ten, out/'tensors.pt')
    (out/'results.json').write_text(json.dumps(res))

# 5. A fit with checkpoints, in which the process of rank 1 is killed while it writes its shards of the checkpoint
# after 12 batches: the one after 9 batches (in the middle of an accumulation: gradients saved) stays the latest
import torch.distributed.checkpoint as dcp
write_data = dcp.FileSystemWriter.write_data
def write_or_die(self, plan, planner):
    if rank_distrib() == 1 and '-000000012-batch' in str(self.path):
        with open(os.path.join(self.path, '__1_0.distcp'), 'wb') as f: f.write(b'half a file')
        os.kill(os.getpid(), signal.SIGKILL)
    return write_data(self, plan, planner)
dcp.FileSystemWriter.write_data = write_or_die
resumable_fit('ck')
