"""How much a `Learner.fit` costs over a hand-written PyTorch loop doing the same work.

The workload (`--model mlp`, the default): a tiny MLP regression (32 -> 64 -> 1), batch size 64, 16,384 training and
4,096 validation rows, plain SGD, two epochs, each with a validation pass that computes the mean validation loss. The
hand-written loop keeps the loss a tensor, sums it, and reads it once per epoch (as a careful PyTorch user would).
Everything runs on one CPU thread, so the model is tiny and the figures show the loop's own overhead.

`--model deep`: 50 x (Linear(64, 64) + LayerNorm(64)), 200 parameter tensors, a regression on 64 targets, the same
data sizes. It compares learnlib's default `fit` (its default `opt_func`, learnlib's `Adam`) with a hand-written loop
using `torch.optim.AdamW(fused=True)`, the fastest optimizer torch has for the same maths: what it measures is the
optimizer step of a model with many tensors, on top of the loop.

Runs alternate (baseline, learnlib, learnlib, baseline ...) in one process so that noise from other processes hits
both alike; the ratio of each learnlib run to the baseline run next to it is reported as median, quartiles (IQR), min
and max over the repeats; `best/best` is the fastest learnlib run over the fastest baseline run, which noise from
other processes disturbs least. Each loop runs once before the timed runs (imports and first-call costs count for no
one: the timings are of steady state). Each run is timed with the CPU time of the process (`--wall` for the wall
clock), which other processes on a busy machine disturb less. The learner runs with its default callbacks
(`TrainEvalCallback`, `Recorder`, `ProgressCallback`, the bars printed to /dev/null) and builds its optimizer in the
timed region, as the hand-written loop does.

The hand-written loops call `opt.zero_grad()`, as PyTorch's documentation does. `OptimWrapper.zero_grad` does the same
work (sets the gradients to None) without torch's profiler region and compile guard around it, which costs ~10-20 us
per batch; `--hand-zero-grad` gives the hand loops the same saving, so that the ratio shows the loop's bookkeeping
alone.

    python bench/loop_overhead.py                 # torch DataLoader: OptimWrapper(SGD), our SGD, + a metric
    python bench/loop_overhead.py --loader tensor # TensorLoader / DataLoaders.from_tensors
    python bench/loop_overhead.py --model deep    # 200 tensors: default fit (Adam) / hand loop + fused AdamW
    python bench/loop_overhead.py --repeats 15 --cases wrapper
    python bench/loop_overhead.py --loader tensor --hand-zero-grad  # hand loops without torch's zero_grad wrappers
"""
import argparse, contextlib, os, statistics, sys, time
from functools import partial
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

N_TRAIN, N_VALID, BS, N_EPOCH, LR = 16_384, 4_096, 64, 2, 0.01
CLOCK = time.process_time

DEEP_WIDTH, DEEP_BLOCKS, DEEP_LR = 64, 50, 1e-3

def make_data(n_train=N_TRAIN, n_valid=N_VALID, seed=0, n_in=32, n_out=1):
    "Training and validation `(x, y)` tensors of a noisy linear regression with `n_in` features and `n_out` targets."
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_train + n_valid, n_in, generator=g)
    w = torch.randn(n_in, n_out, generator=g)
    y = x @ w + 0.1*torch.randn(n_train + n_valid, n_out, generator=g)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])

def make_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 1))

def make_deep_model(seed=0, width=DEEP_WIDTH, n_blocks=DEEP_BLOCKS):
    "`n_blocks` x (Linear + LayerNorm) of `width` features: 4 parameter tensors per block."
    torch.manual_seed(seed)
    return nn.Sequential(*[nn.Sequential(nn.Linear(width, width), nn.LayerNorm(width)) for _ in range(n_blocks)])

def torch_loaders(train, valid):
    return (DataLoader(TensorDataset(*train), batch_size=BS, shuffle=True),
            DataLoader(TensorDataset(*valid), batch_size=BS))

# ---- hand-written loops ------------------------------------------------------------------------------------------

def grads_to_none(opt):
    "A function that sets the gradients of `opt`'s parameters to None: torch's `opt.zero_grad()` without its wrappers."
    params = [p for g in opt.param_groups for p in g['params']]
    def zero_grad():
        for p in params: p.grad = None
    return zero_grad

def plain_fit(model, train_dl, valid_dl, n_epoch=N_EPOCH, opt_func=partial(torch.optim.SGD, lr=LR), hand_zero_grad=False):
    "The loop a careful PyTorch user writes: loss summed as a tensor, read once per epoch."
    opt = opt_func(model.parameters())
    zero_grad = grads_to_none(opt) if hand_zero_grad else opt.zero_grad
    loss_func = nn.MSELoss()
    history = []
    for epoch in range(n_epoch):
        model.train()
        train_total = torch.zeros(())
        for xb, yb in train_dl:
            loss = loss_func(model(xb), yb)
            loss.backward()
            opt.step()
            zero_grad()
            train_total += loss.detach()
        model.eval()
        valid_total, n = torch.zeros(()), 0
        with torch.no_grad():
            for xb, yb in valid_dl:
                valid_total += loss_func(model(xb), yb)*len(xb)
                n += len(xb)
        history.append((train_total.item()/len(train_dl), valid_total.item()/n))
    return history

def sliced_batches(x, y, bs, shuffle):
    "Batches cut by hand from tensors (a new random order every epoch when `shuffle`)."
    if shuffle:
        idx = torch.randperm(len(x))
        x, y = x[idx], y[idx]
    for i in range(0, len(x), bs): yield x[i:i+bs], y[i:i+bs]

class Sliced:
    "An iterable over `sliced_batches`, so that `plain_fit` can use it as a loader."
    def __init__(self, x, y, bs, shuffle): self.x, self.y, self.bs, self.shuffle = x, y, bs, shuffle
    def __iter__(self): return sliced_batches(self.x, self.y, self.bs, self.shuffle)
    def __len__(self): return (len(self.x) + self.bs - 1)//self.bs

# ---- learnlib ----------------------------------------------------------------------------------------------------

def learnlib_fit(dls, model, opt_func=None, metrics=None, n_epoch=N_EPOCH, lr=LR):
    "`Learner.fit` with the default callbacks; `opt_func=None` keeps the learner's default optimizer."
    from learnlib.learner import Learner
    kwargs = {} if opt_func is None else {'opt_func': opt_func}
    learn = Learner(dls, model, nn.MSELoss(), lr=lr, metrics=metrics, **kwargs)
    learn.fit(n_epoch)   # default callbacks: TrainEvalCallback, Recorder, ProgressCallback
    return learn.recorder.values

# ---- timing ------------------------------------------------------------------------------------------------------

def timed(f):
    "CPU time of this process running `f` (less sensitive than wall time to other processes on the machine)."
    with open(os.devnull, 'w') as null, contextlib.redirect_stdout(null):  # the progress bars print here
        start = CLOCK()
        f()
        return CLOCK() - start

def n_batches(n_train, n_valid, n_epoch=N_EPOCH): return n_epoch*(-(-n_train//BS) + -(-n_valid//BS))

def compare(name, baseline, candidate, repeats, batches, candidate_name='learnlib'):
    "Alternate `baseline` and `candidate`; print the median and range of their time ratio."
    timed(baseline); timed(candidate)   # warm up (imports, first-call costs)
    base, cand, ratios = [], [], []
    for i in range(repeats):
        if i % 2: c = timed(candidate); b = timed(baseline)
        else: b = timed(baseline); c = timed(candidate)
        base.append(b); cand.append(c); ratios.append(c/b)
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios*3
    b, c = statistics.median(base), statistics.median(cand)
    print(f"{name:<48} ratio median {statistics.median(ratios):.3f}  IQR {q[0]:.3f}-{q[2]:.3f}  "
          f"min {min(ratios):.3f}  max {max(ratios):.3f}  best/best {min(cand)/min(base):.3f}   (medians: baseline "
          f"{b*1e3:.0f} ms, {candidate_name} {c*1e3:.0f} ms, difference {(c-b)/batches*1e6:+.0f} us/batch)", flush=True)
    return ratios

def deep_main(args, train, valid, nb):
    "`--model deep`: learnlib's default `fit` (and `OptimWrapper(AdamW, fused=True)`) / hand loop + fused AdamW."
    from learnlib.data import DataLoaders
    from learnlib.optimizer import OptimWrapper
    fused = partial(torch.optim.AdamW, lr=DEEP_LR, fused=True)
    if args.loader == 'torch': loaders, ours_dls = (lambda: torch_loaders(train, valid)), (lambda: DataLoaders(*torch_loaders(train, valid)))
    else: loaders, ours_dls = (lambda: (Sliced(*train, BS, True), Sliced(*valid, BS, False))), (lambda: DataLoaders.from_tensors(train, valid, bs=BS))
    def baseline(): plain_fit(make_deep_model(), *loaders(), opt_func=fused, hand_zero_grad=args.hand_zero_grad)
    def ours(opt_func): return lambda: learnlib_fit(ours_dls(), make_deep_model(), opt_func, lr=DEEP_LR)
    hand = 'hand loop + AdamW(fused=True)'
    if 'default' in args.cases: compare(f'fit, default opt_func (Adam) / {hand}', baseline, ours(None), args.repeats, nb)
    if 'wrapper' in args.cases: compare(f'fit, OptimWrapper(AdamW fused) / {hand}', baseline,
                                        ours(partial(OptimWrapper, opt=partial(torch.optim.AdamW, fused=True))), args.repeats, nb)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', choices=('mlp', 'deep'), default='mlp', help='mlp: 32-64-1; deep: 50 x (Linear + LayerNorm)')
    p.add_argument('--loader', choices=('torch', 'tensor'), default='torch')
    p.add_argument('--repeats', type=int, default=15)
    p.add_argument('--cases', default=None, help='comma-separated: wrapper, sgd, metric (mlp; all by default); '
                   'default, wrapper (deep; default only by default)')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--n-train', type=int, default=N_TRAIN, help='training rows')
    p.add_argument('--n-valid', type=int, default=N_VALID, help='validation rows')
    p.add_argument('--hand-zero-grad', action='store_true', help="the hand loops set gradients to None themselves "
                   "instead of calling torch's opt.zero_grad() (as learnlib's OptimWrapper does): the loop's own bookkeeping")
    p.add_argument('--wall', action='store_true', help='time with the wall clock instead of the CPU time of the process')
    args = p.parse_args(argv)
    global CLOCK
    if args.wall: CLOCK = time.perf_counter
    torch.set_num_threads(args.threads)
    from learnlib.data import DataLoaders
    from learnlib.optimizer import OptimWrapper, SGD
    from learnlib.metrics import mse
    deep = args.model == 'deep'
    args.cases = (args.cases or ('default' if deep else 'wrapper,sgd,metric')).split(',')
    known = ('default', 'wrapper') if deep else ('wrapper', 'sgd', 'metric')
    bad = [c for c in args.cases if c not in known]
    if bad: sys.exit(f"Unknown case for --model {args.model}. Received: {', '.join(bad)}. Cases: {', '.join(known)}.")
    n_features = (DEEP_WIDTH, DEEP_WIDTH) if deep else (32, 1)
    train, valid = make_data(args.n_train, args.n_valid, n_in=n_features[0], n_out=n_features[1])
    nb = n_batches(args.n_train, args.n_valid)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {args.repeats} repeats, model={args.model}, "
          f"loader={args.loader}, clock={'wall' if args.wall else 'process CPU time'}"
          f"{', hand loops zero gradients by hand' if args.hand_zero_grad else ''}")
    if deep: return deep_main(args, train, valid, nb)
    cases, wrapper = args.cases, partial(OptimWrapper, opt=torch.optim.SGD)
    if args.loader == 'torch':
        def baseline(): plain_fit(make_model(), *torch_loaders(train, valid), hand_zero_grad=args.hand_zero_grad)
        def ours(opt_func, metrics=None): return lambda: learnlib_fit(DataLoaders(*torch_loaders(train, valid)),
                                                                      make_model(), opt_func, metrics)
        if 'wrapper' in cases: compare('fit, OptimWrapper(torch SGD) / hand loop', baseline, ours(wrapper), args.repeats, nb)
        if 'sgd' in cases: compare('fit, learnlib SGD / hand loop', baseline, ours(SGD), args.repeats, nb)
        if 'metric' in cases: compare('fit, OptimWrapper + mse metric / hand loop', baseline, ours(wrapper, mse),
                                      args.repeats, nb)
    else:
        def over_dataloader(): plain_fit(make_model(), *torch_loaders(train, valid), hand_zero_grad=args.hand_zero_grad)
        def over_slices(): plain_fit(make_model(), Sliced(*train, BS, True), Sliced(*valid, BS, False),
                                      hand_zero_grad=args.hand_zero_grad)
        def ours(opt_func=wrapper): learnlib_fit(DataLoaders.from_tensors(train, valid, bs=BS), make_model(), opt_func)
        compare('fit on TensorLoader / hand loop on DataLoader', over_dataloader, ours, args.repeats, nb)
        compare('fit on TensorLoader / hand loop slicing tensors', over_slices, ours, args.repeats, nb)

if __name__ == '__main__': main()
