"""One epoch of DDP and of FSDP on 2 processes (CPU, Gloo): time, and peak memory of each process.

The workload: a residual MLP of 8.4 million parameters (an input layer, 4 blocks of 512 -> 2048 -> 512, a head),
AdamW, batches of 64 on each process, 1,024 random rows (8 steps per epoch and process), no validation. Four
trainers run it: plain PyTorch loops (`DistributedDataParallel`; `fully_shard` on each block, then the whole
model) and learnlib (`distrib_ctx()`; `distrib_ctx(strategy='fsdp')`), with the same optimizer (torch's AdamW).

Time: one `torchrun` run holds the four trainers and alternates their epochs (plain DDP, learnlib DDP, plain FSDP,
learnlib FSDP, then again ...); the first epochs are left out (warm-up), and the script prints the median epoch
time of each, and the ratios learnlib / plain PyTorch (the loop's cost) and FSDP / DDP (the strategy's cost),
on the CPU time of the main process (`--wall` for the wall clock).

Memory: one `torchrun` run per trainer (peak resident memory cannot be reset within a process): each process's
peak resident memory over two epochs above what it held before building the model, and, from the tensors
themselves, what it holds at the end of the epoch in weights and optimizer state (gradients are freed by
`zero_grad`; during a step they add as much as the weights). With glibc's default `malloc`, the
buffers FSDP gathers and frees at each block stay in the process; `MALLOC_MMAP_THRESHOLD_=1048576` gives them
back. Both are measured.

    python bench/fsdp.py                 # 6 timed epochs per trainer after 2 of warm-up
    python bench/fsdp.py --epochs 10 --wall

Last run: `python bench/fsdp.py --epochs 2 --warmup 1`, torch 2.13.0+cpu, 2 CPU cores shared with other work
(load average about 10: the times are noisy; the memory figures are not):

    epoch time (CPU time of the main process), median of 2:
      torch_ddp 1.114 s, learnlib_ddp 1.213 s, torch_fsdp 2.033 s, learnlib_fsdp 1.948 s
      learnlib / torch:  DDP 1.088   FSDP 0.958
      FSDP / DDP:        torch 1.824   learnlib 1.606
    memory per process, MiB, rank 0 / rank 1: peak resident above start | weights + AdamW state held
      default malloc:                  torch_ddp 297 / 297 | 99 / 99    torch_fsdp 403 / 451 | 50 / 50
                                       learnlib_ddp 300 / 313 | 99 / 99  learnlib_fsdp 429 / 439 | 50 / 50
      MALLOC_MMAP_THRESHOLD_=1048576:  torch_ddp 274 / 274 | 99 / 99    torch_fsdp 196 / 197 | 50 / 50
                                       learnlib_ddp 282 / 285 | 99 / 99  learnlib_fsdp 206 / 205 | 50 / 50
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import torch
import torch.nn.functional as F
from torch import nn

N, BS, D, H, BLOCKS = 1024, 64, 512, 2048, 4
TRAINERS = ('torch_ddp', 'learnlib_ddp', 'torch_fsdp', 'learnlib_fsdp')

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm, self.up, self.down = nn.LayerNorm(D), nn.Linear(D, H), nn.Linear(H, D)
    def forward(self, x): return x + self.down(F.gelu(self.up(self.norm(x))))

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp, self.blocks, self.head = nn.Linear(D, D), nn.ModuleList(Block() for _ in range(BLOCKS)), nn.Linear(D, 1)
    def forward(self, x):
        x = self.inp(x)
        for b in self.blocks: x = b(x)
        return self.head(x)

def rss() -> int:
    "This process's resident memory now, in bytes."
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')

def peak_rss() -> int: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # Linux: KiB

def data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, D, generator=g)
    return x, x[:, :1] + 0.1*torch.randn(N, 1, generator=g)

class TorchLoop:
    "A hand-written loop: each process takes every other row of a shuffled order, as learnlib's shards do."
    def __init__(self, fsdp:bool):
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        torch.manual_seed(0)
        self.model = Net()
        if fsdp:
            from torch.distributed.fsdp import fully_shard
            for b in self.model.blocks: fully_shard(b)
            fully_shard(self.model)
            self.run = self.model
        else: self.run = DistributedDataParallel(self.model)
        self.opt, self.epoch, (self.x, self.y) = torch.optim.AdamW(self.model.parameters(), lr=1e-3), 0, data()
    def fit_epoch(self):
        order = torch.randperm(N, generator=torch.Generator().manual_seed(self.epoch))[self.rank::self.world]
        self.epoch += 1
        for i in range(0, len(order) - BS + 1, BS):
            idx = order[i:i+BS]
            F.mse_loss(self.run(self.x[idx]), self.y[idx]).backward()
            self.opt.step(); self.opt.zero_grad()
    def held(self) -> int: return _held(self.model, self.opt.state.values())

def _held(model, states) -> int:
    "Bytes of this process's weights, gradients and optimizer state (its shards when sharded)."
    local = lambda t: t.to_local() if hasattr(t, 'to_local') else t
    ts = [p for p in model.parameters()] + [p.grad for p in model.parameters() if p.grad is not None]
    ts += [v for st in states for v in st.values() if isinstance(v, torch.Tensor)]
    return sum(local(t).numel() * t.element_size() for t in ts)

class LearnlibLoop:
    "The same with a learnlib `Learner`, inside `distrib_ctx` (entered by `start`)."
    def __init__(self, fsdp:bool):
        from learnlib.all import Learner, DataLoaders, TensorLoader
        torch.manual_seed(0)
        x, y = data()
        self.learn = Learner(DataLoaders(TensorLoader(x, y, bs=BS, shuffle=True)), Net(), nn.MSELoss(), lr=1e-3,
                             opt_func=torch.optim.AdamW, default_cbs=True)
        self.fsdp = fsdp
    def start(self, stack):
        stack.enter_context(self.learn.distrib_ctx(strategy='fsdp' if self.fsdp else 'ddp', seed=0))
        stack.enter_context(self.learn.no_bar()); stack.enter_context(self.learn.no_logging())
    def fit_epoch(self): self.learn.fit(1)
    def held(self) -> int:
        opt = self.learn.opt.opt   # torch's AdamW inside the OptimWrapper
        return _held(self.learn.model, opt.state.values())

def make(name:str):
    return (TorchLoop if name.startswith('torch') else LearnlibLoop)(fsdp=name.endswith('fsdp'))

def worker(args):
    "Under torchrun: `time` (the four trainers, alternated) or `memory NAME` (one trainer)."
    import contextlib
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group('gloo')
    rank, out = dist.get_rank(), Path(args.out)
    clock = time.perf_counter if args.wall else time.process_time
    with contextlib.ExitStack() as stack:
        if args.mode == 'time':
            trainers = {n: make(n) for n in TRAINERS}
            for t in trainers.values():
                if isinstance(t, LearnlibLoop): t.start(stack)
            times = {n: [] for n in TRAINERS}
            for e in range(args.warmup + args.epochs):
                for n, t in trainers.items():
                    dist.barrier()
                    start = clock(); t.fit_epoch(); took = clock() - start
                    if e >= args.warmup: times[n].append(took)
            res = times
        else:
            before = rss()
            t = make(args.name)
            if isinstance(t, LearnlibLoop): t.start(stack)
            for _ in range(2): t.fit_epoch()
            res = {'peak_above_start': max(peak_rss() - before, 0), 'held': t.held()}
        gathered = [None]*dist.get_world_size()
        dist.all_gather_object(gathered, res)
        if rank == 0: (out/f'{args.mode}{"_" + args.name if args.name else ""}.json').write_text(json.dumps(gathered))
    dist.destroy_process_group()

def launch(args, mode:str, name:str='', env_extra:dict|None=None):
    from learnlib.distributed import torchrun_cmd
    env = {**os.environ, 'OMP_NUM_THREADS': '1', **(env_extra or {})}
    cmd = torchrun_cmd(__file__, '--worker', '--mode', mode, '--out', args.out, '--epochs', args.epochs,
                       '--warmup', args.warmup, *(['--name', name] if name else []), *(['--wall'] if args.wall else []))
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode: sys.exit(f"{mode} {name} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return json.loads((Path(args.out)/f'{mode}{"_" + name if name else ""}.json').read_text())

def main(args):
    args.out = tempfile.mkdtemp()
    print(f"model: {sum(p.numel() for p in Net().parameters())/1e6:.1f}M parameters; 2 processes, {N} rows, batches of {BS}")
    times = launch(args, 'time')[0]   # the main process's clock
    med = {n: statistics.median(v) for n, v in times.items()}
    print(f"\nepoch time ({'wall clock' if args.wall else 'CPU time'} of the main process), median of {args.epochs}:")
    for n in TRAINERS: print(f"  {n:14s} {med[n]:7.3f} s   (range {min(times[n]):.3f} - {max(times[n]):.3f})")
    print(f"  learnlib / torch:  DDP {med['learnlib_ddp']/med['torch_ddp']:.3f}   FSDP {med['learnlib_fsdp']/med['torch_fsdp']:.3f}")
    print(f"  FSDP / DDP:        torch {med['torch_fsdp']/med['torch_ddp']:.3f}   learnlib {med['learnlib_fsdp']/med['learnlib_ddp']:.3f}")
    MiB = 2**20
    for label, env in (('default malloc', {}), ('MALLOC_MMAP_THRESHOLD_=1048576', {'MALLOC_MMAP_THRESHOLD_': '1048576'})):
        print(f"\nmemory per process, {label} (rank 0 / rank 1, MiB): peak resident above start | weights+grads+AdamW held")
        for n in TRAINERS:
            r = launch(args, 'memory', n, env)
            print(f"  {n:14s} {r[0]['peak_above_start']/MiB:7.1f} / {r[1]['peak_above_start']/MiB:7.1f}   |"
                  f" {r[0]['held']/MiB:6.1f} / {r[1]['held']/MiB:6.1f}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=6, help='timed epochs per trainer')
    p.add_argument('--warmup', type=int, default=2, help='epochs left out first')
    p.add_argument('--wall', action='store_true', help='time with the wall clock instead of CPU time')
    p.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--mode', default='time', help=argparse.SUPPRESS)
    p.add_argument('--name', default='', help=argparse.SUPPRESS)
    p.add_argument('--out', default='', help=argparse.SUPPRESS)
    args = p.parse_args()
    worker(args) if args.worker else main(args)
