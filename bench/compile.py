"""What `torch.compile` changes in the time of a fit of a small convolutional network, with and without learnlib.

The workload: a small CNN (two 3x3 convolutions of 32 and 64 channels on 1x32x32 inputs, each followed by
ReLU, then average pooling and a linear layer to one output) trained on a regression over 4,096 random images
held in memory, batch size 64, plain SGD, one epoch with a validation pass over 1,024 images. It runs on one CPU
thread by default (`--threads`), which keeps the figures steady on a shared machine.

Each loop below is compared with the same hand-written loop on the uncompiled model (the baseline, 1.00):

- hand loop, `torch.compile(model)`: what compilation gains by itself (training and validation compiled);
- `Learner.fit`, uncompiled: the learner's own cost on this model;
- `Learner.fit` after `learn.compile()`: training batches compiled (`CompileModel`), validation runs the plain model;
- `Learner.fit` on `torch.compile(model)`: everything compiled, as in the compiled hand loop.

Compiling happens once, in the first run of the compiled hand loop (its wall time is printed as the cost of
compiling); every later run builds a new model, which reuses what was compiled (steady state). Runs alternate with the
baseline in one process and the ratios are reported as median, quartiles, min and max (see `loop_overhead.py`).

    python bench/compile.py                      # inductor (torch's default backend: needs a C++ compiler)
    python bench/compile.py --repeats 11 --backend aot_eager
    python bench/compile.py --smoke              # a tiny run that checks that everything works
"""
import argparse, contextlib, os, sys, time
from functools import partial
from pathlib import Path
import torch
from torch import nn
sys.path.insert(0, str(Path(__file__).parent))
import loop_overhead as lo

N_TRAIN, N_VALID, BS, SIZE, LR = 4096, 1024, 64, 32, 0.01

def make_images(n_train=N_TRAIN, n_valid=N_VALID, size=SIZE, seed=0):
    "Training and validation `(x, y)`: random 1-channel images, and a target that depends on them."
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_train + n_valid, 1, size, size, generator=g)
    y = x.mean((1, 2, 3))[:, None]*10 + 0.1*torch.randn(n_train + n_valid, 1, generator=g)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])

def make_cnn(seed=0):
    "Two 3x3 convolutions with ReLU, average pooling, a linear layer to one output."
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 1))

def wall(f):
    "Wall time of `f()` (compiling runs work in other threads and processes), its output sent to /dev/null."
    with open(os.devnull, 'w') as null, contextlib.redirect_stdout(null):
        start = time.perf_counter(); f()
        return time.perf_counter() - start

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--repeats', type=int, default=9)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--backend', default='inductor', help="torch.compile's backend")
    p.add_argument('--mode', default=None, help="torch.compile's mode (e.g. 'max-autotune-no-cudagraphs')")
    p.add_argument('--wall', action='store_true', help='time with the wall clock instead of the CPU time of the process')
    p.add_argument('--smoke', action='store_true', help='a tiny run: checks that everything works, times nothing useful')
    args = p.parse_args(argv)
    if args.wall: lo.CLOCK = time.perf_counter
    torch.set_num_threads(args.threads)
    from learnlib.data import DataLoaders
    from learnlib.optimizer import OptimWrapper
    import learnlib.training   # noqa: F401 (adds `Learner.compile`)
    n_train, n_valid, repeats = (256, 64, 1) if args.smoke else (N_TRAIN, N_VALID, args.repeats)
    train, valid = make_images(n_train, n_valid)
    kwargs = {'backend': args.backend} | ({'mode': args.mode} if args.mode else {})
    compiled = lambda m: torch.compile(m, **kwargs)
    sgd, nb = partial(OptimWrapper, opt=torch.optim.SGD), -(-n_train//BS) + -(-n_valid//BS)
    slices = lambda: (lo.Sliced(*train, BS, True), lo.Sliced(*valid, BS, False))
    dls = lambda: DataLoaders.from_tensors(train, valid, bs=BS)
    def learner(model):
        from learnlib.learner import Learner
        return Learner(dls(), model, nn.MSELoss(), opt_func=sgd, lr=LR)
    def baseline(): lo.plain_fit(make_cnn(), *slices(), n_epoch=1)
    def hand_compiled(): lo.plain_fit(compiled(make_cnn()), *slices(), n_epoch=1)
    def fit_plain(): learner(make_cnn()).fit(1)
    def fit_compile_cb(): learner(make_cnn()).compile(**kwargs).fit(1)
    def fit_compiled_model(): learner(compiled(make_cnn())).fit(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {repeats} repeats, backend={args.backend}, "
          f"mode={args.mode}, clock={'wall' if args.wall else 'process CPU time'}")
    cases = [('hand loop, torch.compile(model)', hand_compiled), ('fit, uncompiled', fit_plain),
             ('fit, learn.compile()', fit_compile_cb), ('fit, Learner(torch.compile(model))', fit_compiled_model)]
    print(f"compiling: the first run of the compiled hand loop took {wall(hand_compiled):.1f} s (wall time); the other "
          "loops reuse what it compiled", flush=True)
    for name, f in cases: lo.compare(f'{name} / hand loop, uncompiled', baseline, f, repeats, nb, candidate_name='compared')

if __name__ == '__main__': main()
