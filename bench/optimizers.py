"""Step time of each learnlib optimizer against torch's fastest implementation of the same maths.

Two models of 200 tensors: `small` is 50 x (Linear(64, 64) + LayerNorm(64)), 0.2M parameters; `large` is
50 x (Linear(512, 512) + LayerNorm(512)), 13M parameters. Every parameter gets a fixed random gradient once; a run
times `--steps` calls of `opt.step()` in steady state (each optimizer has taken a run of steps before, so its state
exists, and imports and first-call costs are outside the timed region).

The baseline of each optimizer is torch's fastest implementation of the same maths: the fused kernel where torch has
one (`AdamW(fused=True)`, `SGD(fused=True)`), else torch's `foreach` implementation (`RMSprop`, `RAdam`), else a
hand-written `foreach` version below (QHAdam, LARC, LAMB, and Lookahead around torch's `foreach` RAdam for ranger).
Goals: `Adam` and `SGD` at most 1.10x torch fused, the others at most 1.5x their baseline.

Runs alternate (baseline, learnlib, learnlib, baseline ...) in one process so that noise from other processes hits
both alike; the ratio of each learnlib run to the baseline run next to it is reported as median, quartiles (IQR), min
and max over the repeats; `best/best` is the fastest learnlib run over the fastest baseline run. Each run is timed
with the CPU time of the process (`--wall` for the wall clock), on one thread unless `--threads` says otherwise.

    python bench/optimizers.py                        # every optimizer, both sizes
    python bench/optimizers.py --sizes small --repeats 21 --cases Adam,SGD
    python bench/optimizers.py --per-param            # also learnlib's steppers run on each parameter (before groups)
    python bench/optimizers.py --smoke                # a quick check that everything runs
"""
import argparse, statistics, time
from functools import partial
import torch
from torch import nn

CLOCK = time.process_time
SIZES = {'small': 64, 'large': 512}
STEPS = {'small': 100, 'large': 4}
N_BLOCKS, LR = 50, 1e-3

def make_params(width:int, n_blocks:int=N_BLOCKS, seed:int=0) -> list:
    "The parameters of `n_blocks` x (Linear + LayerNorm) of `width` features, each with a fixed random gradient."
    torch.manual_seed(seed)
    model = nn.Sequential(*[nn.Sequential(nn.Linear(width, width), nn.LayerNorm(width)) for _ in range(n_blocks)])
    params = list(model.parameters())
    for p in params[3::4]: nn.init.normal_(p, std=0.1)   # LayerNorm biases: not zeros, which LARC never moves
    for p in params: p.grad = torch.randn_like(p) * 1e-2
    return params

def copies(params:list) -> list:
    "Copies of `params`, with copies of their gradients."
    res = [nn.Parameter(p.detach().clone()) for p in params]
    for r, p in zip(res, params): r.grad = p.grad.clone()
    return res

def check_moved(start:list, *param_lists:list):
    "Raise an error when an optimizer left a parameter where it started: then the timings would mean nothing."
    for ps in param_lists:
        for p0, p in zip(start, ps):
            if torch.equal(p0, p.detach()): raise RuntimeError(f"A parameter of shape {tuple(p.shape)} did not move.")

# ---- hand-written foreach baselines (what a careful user writes where torch has no implementation) ---------------

class ForeachQHAdam:
    "QHAdam (decoupled weight decay 0) with foreach operations."
    def __init__(self, params, lr, mom=0.999, sqr_mom=0.999, nu_1=0.7, nu_2=1.0, eps=1e-8):
        self.ps = list(params)
        self.avgs, self.sqrs = [torch.zeros_like(p) for p in self.ps], [torch.zeros_like(p) for p in self.ps]
        self.lr, self.mom, self.sqr_mom, self.nu_1, self.nu_2, self.eps, self.n = lr, mom, sqr_mom, nu_1, nu_2, eps, 0

    @torch.no_grad()
    def step(self):
        ps, gs, avgs, sqrs = self.ps, [p.grad for p in self.ps], self.avgs, self.sqrs
        self.n += 1
        torch._foreach_lerp_(avgs, gs, 1 - self.mom)
        torch._foreach_mul_(sqrs, self.sqr_mom)
        torch._foreach_addcmul_(sqrs, gs, gs, value=1 - self.sqr_mom)
        num = torch._foreach_mul(avgs, self.nu_1 / (1 - self.mom**self.n))
        torch._foreach_add_(num, gs, alpha=1 - self.nu_1)
        den = torch._foreach_mul(sqrs, self.nu_2 / (1 - self.sqr_mom**self.n))
        torch._foreach_addcmul_(den, gs, gs, value=1 - self.nu_2)
        torch._foreach_sqrt_(den)
        torch._foreach_add_(den, self.eps)
        torch._foreach_addcdiv_(ps, num, den, value=-self.lr)

class ForeachLarc:
    "LARC with momentum (no dampening) and clipping, with foreach operations and per-tensor norms stacked."
    def __init__(self, params, lr, mom=0.9, trust_coeff=0.02, eps=1e-8):
        self.ps = list(params)
        self.bufs = [torch.zeros_like(p) for p in self.ps]
        self.lr, self.mom, self.trust_coeff, self.eps = lr, mom, trust_coeff, eps

    @torch.no_grad()
    def step(self):
        ps, gs, bufs = self.ps, [p.grad for p in self.ps], self.bufs
        torch._foreach_mul_(bufs, self.mom)
        torch._foreach_add_(bufs, gs)
        p_norm, g_norm = torch.stack(torch._foreach_norm(ps)), torch.stack(torch._foreach_norm(gs))
        local_lr = p_norm.mul(self.lr * self.trust_coeff).div_(g_norm.add_(self.eps)).clamp_(max=self.lr)
        torch._foreach_addcmul_(ps, bufs, local_lr.unbind(), value=-1)

class ForeachLamb:
    "LAMB with foreach operations and per-tensor norms stacked."
    def __init__(self, params, lr, mom=0.9, sqr_mom=0.99, eps=1e-5):
        self.ps = list(params)
        self.avgs, self.sqrs = [torch.zeros_like(p) for p in self.ps], [torch.zeros_like(p) for p in self.ps]
        self.lr, self.mom, self.sqr_mom, self.eps, self.n = lr, mom, sqr_mom, eps, 0

    @torch.no_grad()
    def step(self):
        ps, gs, avgs, sqrs = self.ps, [p.grad for p in self.ps], self.avgs, self.sqrs
        self.n += 1
        torch._foreach_lerp_(avgs, gs, 1 - self.mom)
        torch._foreach_mul_(sqrs, self.sqr_mom)
        torch._foreach_addcmul_(sqrs, gs, gs, value=1 - self.sqr_mom)
        den = torch._foreach_div(sqrs, 1 - self.sqr_mom**self.n)
        torch._foreach_sqrt_(den)
        torch._foreach_add_(den, self.eps)
        upd = torch._foreach_div(avgs, den)
        torch._foreach_div_(upd, 1 - self.mom**self.n)
        r1, r2 = torch.stack(torch._foreach_norm(ps)), torch.stack(torch._foreach_norm(upd))
        q = torch.where((r1 == 0) | (r2 == 0), 1., (r1 / r2).clamp_(max=10.)).mul_(self.lr)
        torch._foreach_addcmul_(ps, upd, q.unbind(), value=-1)

class ForeachLookahead:
    "Lookahead around a torch optimizer, syncing with foreach operations."
    def __init__(self, opt, k=6, alpha=0.5):
        self.opt, self.k, self.alpha, self.n = opt, k, alpha, 0
        self.fast = [p for pg in opt.param_groups for p in pg['params']]
        self.slow = [p.detach().clone() for p in self.fast]

    @torch.no_grad()
    def step(self):
        self.opt.step()
        self.n += 1
        if self.n % self.k: return
        torch._foreach_lerp_(self.slow, self.fast, self.alpha)
        torch._foreach_copy_(self.fast, self.slow)

# ---- the cases: (name, learnlib optimizer, baseline, its name, goal) ----------------------------------------------

def cases():
    from learnlib.optimizer import SGD, Adam, RMSProp, RAdam, QHAdam, Larc, Lamb, ranger
    T = torch.optim
    return [
        ('SGD', partial(SGD, lr=LR), partial(T.SGD, lr=LR, fused=True), 'torch SGD fused', 1.10),
        ('SGD mom', partial(SGD, lr=LR, mom=0.9), partial(T.SGD, lr=LR, momentum=0.9, fused=True),
         'torch SGD fused', 1.10),
        ('Adam', partial(Adam, lr=LR), partial(T.AdamW, lr=LR, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01,
                                               fused=True), 'torch AdamW fused', 1.10),
        ('RMSProp', partial(RMSProp, lr=LR), partial(T.RMSprop, lr=LR, alpha=0.99, eps=1e-8, foreach=True),
         'torch RMSprop foreach', 1.5),
        ('RAdam', partial(RAdam, lr=LR), partial(T.RAdam, lr=LR, betas=(0.9, 0.99), eps=1e-5, foreach=True),
         'torch RAdam foreach', 1.5),
        ('QHAdam', partial(QHAdam, lr=LR), partial(ForeachQHAdam, lr=LR), 'hand-written foreach', 1.5),
        ('Larc', partial(Larc, lr=LR), partial(ForeachLarc, lr=LR), 'hand-written foreach', 1.5),
        ('Lamb', partial(Lamb, lr=LR), partial(ForeachLamb, lr=LR), 'hand-written foreach', 1.5),
        ('ranger', partial(ranger, lr=LR), lambda ps: ForeachLookahead(T.RAdam(
            ps, lr=LR, betas=(0.95, 0.99), eps=1e-6, weight_decay=0.01, decoupled_weight_decay=True, foreach=True)),
         'foreach Lookahead + torch RAdam', 1.5)]

def per_param(opt_func):
    "`opt_func` with its optimizer running the steppers on each parameter (how learnlib stepped before groups)."
    def _inner(params):
        opt = opt_func(params)
        getattr(opt, 'opt', opt).group_step = None
        return opt
    return _inner

# ---- timing ------------------------------------------------------------------------------------------------------

def timed(opt, steps:int) -> float:
    "Seconds per step (CPU time of this process, unless `--wall`) over `steps` steps of `opt`."
    start = CLOCK()
    for _ in range(steps): opt.step()
    return (CLOCK() - start) / steps

def compare(label:str, baseline, candidate, repeats:int, steps:int, goal:float|None):
    "Alternate runs of `baseline` and `candidate` (optimizers); print the median and range of their time ratio."
    timed(baseline, steps); timed(candidate, steps)   # warm up: the state exists, first-call costs are paid
    base, cand, ratios = [], [], []
    for i in range(repeats):
        if i % 2: c = timed(candidate, steps); b = timed(baseline, steps)
        else: b = timed(baseline, steps); c = timed(candidate, steps)
        base.append(b); cand.append(c); ratios.append(c / b)
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    med = statistics.median(ratios)
    verdict = '' if goal is None else f"  goal <= {goal:.2f}: {'met' if med <= goal else 'MISSED'}"
    print(f"{label:<62} ratio median {med:.3f}  IQR {q[0]:.3f}-{q[2]:.3f}  min {min(ratios):.3f}  "
          f"max {max(ratios):.3f}  best/best {min(cand) / min(base):.3f}   (medians per step: baseline "
          f"{statistics.median(base) * 1e3:.3f} ms, learnlib {statistics.median(cand) * 1e3:.3f} ms){verdict}",
          flush=True)
    return ratios

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--repeats', type=int, default=11, help='alternated pairs of runs per comparison')
    p.add_argument('--steps', type=int, default=None, help=f'steps per run (default: {STEPS})')
    p.add_argument('--sizes', default='small,large', help='comma-separated: small, large')
    p.add_argument('--cases', default=None, help='comma-separated names (default: all), e.g. Adam,SGD')
    p.add_argument('--per-param', action='store_true', help="also time learnlib's steppers run on each parameter")
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--wall', action='store_true', help='time with the wall clock, not the CPU time of the process')
    p.add_argument('--smoke', action='store_true', help='a quick run: 2 repeats of 2 steps, 4 blocks per model')
    args = p.parse_args(argv)
    global CLOCK
    if args.wall: CLOCK = time.perf_counter
    torch.set_num_threads(args.threads)
    repeats, n_blocks = (2, 4) if args.smoke else (args.repeats, N_BLOCKS)
    all_cases = cases()
    names = [c[0] for c in all_cases] if args.cases is None else args.cases.split(',')
    unknown = set(names) - {c[0] for c in all_cases}
    if unknown: p.error(f"unknown cases {sorted(unknown)}; choose among {[c[0] for c in all_cases]}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {repeats} repeats, "
          f"clock={'wall' if args.wall else 'process CPU time'}")
    for size in args.sizes.split(','):
        steps = 2 if args.smoke else (args.steps or STEPS[size])
        params = make_params(SIZES[size], n_blocks)
        print(f"\n{size}: {len(params)} tensors, {sum(p.numel() for p in params) / 1e6:.2f}M parameters, "
              f"{steps} steps per run")
        for name, ours, theirs, theirs_name, goal in all_cases:
            if name not in names: continue
            ps1, ps2 = copies(params), copies(params)   # each optimizer moves its own copy
            baseline, candidate = theirs(ps1), ours(ps2)
            compare(f"{size} {name} / {theirs_name}", baseline, candidate, repeats, steps, goal)
            if args.per_param:
                compare(f"{size} {name} per parameter / {theirs_name}", baseline, per_param(ours)(copies(params)),
                        repeats, steps, None)
            check_moved(params, ps1, ps2)
            del ps1, ps2, baseline, candidate

if __name__ == '__main__': main()
