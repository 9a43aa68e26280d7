"""Instructions per batch of the `loop_overhead.py` workloads, counted by valgrind's callgrind.

Timings on a shared machine move by several percent from run to run; the number of instructions a process
executes does not depend on what else runs. This script runs each workload of `loop_overhead.py` under
`valgrind --tool=callgrind` at two dataset sizes and divides the difference of the two totals by the
difference in batches, which cancels every fixed cost (starting Python, importing torch, building the model)
and leaves the cost of one batch (training and validation batches together, as the fit runs them). It then
prints each learnlib loop against its hand-written baseline. The two runs differ by 600 batches, so that what
still varies between runs of the same program (memory layout, allocator paths) moves the result by only a
few thousand instructions per batch.

Instructions are not time: a loop that allocates more, or touches more memory, can cost more time than its
instruction count says. Use it next to `loop_overhead.py`, as the figure that noise does not move.

    python bench/instructions.py                      # every case (about an hour on 2 cores)
    python bench/instructions.py --cases plain,wrapper # just these

Needs valgrind (`apt-get install valgrind`).
"""
import argparse, concurrent.futures, contextlib, os, platform, re, shutil, subprocess, sys, tempfile
from functools import partial
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import loop_overhead as lo

SIZES = (1024, 16384)  # training rows of the two runs; validation has a quarter as many
CASES = {  # name: (description, the baseline cases it is compared with)
    'plain': ('hand loop over DataLoader', ()),
    'slices': ('hand loop slicing tensors', ()),
    'slices_hz': ('hand loop slicing, grads to None by hand', ()),   # without torch's `zero_grad` wrappers
    'wrapper': ('fit, OptimWrapper(torch SGD), DataLoader', ('plain',)),
    'sgd': ('fit, learnlib SGD, DataLoader', ('plain',)),
    'metric': ('fit, OptimWrapper + mse metric, DataLoader', ('plain',)),
    'tensor': ('fit, OptimWrapper, TensorLoader', ('slices', 'slices_hz')),
}

def run_case(case:str, n_train:int):
    "Run the workload `case` once on `n_train` training rows (what valgrind measures)."
    import torch
    from learnlib.data import DataLoaders
    from learnlib.optimizer import OptimWrapper, SGD
    from learnlib.metrics import mse
    torch.set_num_threads(1)
    train, valid = lo.make_data(n_train, n_train//4)
    wrapper = partial(OptimWrapper, opt=torch.optim.SGD)
    with open(os.devnull, 'w') as null, contextlib.redirect_stdout(null):
        if case == 'plain': lo.plain_fit(lo.make_model(), *lo.torch_loaders(train, valid))
        elif case in ('slices', 'slices_hz'):
            lo.plain_fit(lo.make_model(), lo.Sliced(*train, lo.BS, True), lo.Sliced(*valid, lo.BS, False),
                         hand_zero_grad=case == 'slices_hz')
        elif case == 'tensor': lo.learnlib_fit(DataLoaders.from_tensors(train, valid, bs=lo.BS), lo.make_model(), wrapper)
        else:
            opt_func, metrics = {'wrapper': (wrapper, None), 'sgd': (SGD, None), 'metric': (wrapper, mse)}[case]
            lo.learnlib_fit(DataLoaders(*lo.torch_loaders(train, valid)), lo.make_model(), opt_func, metrics)

def n_batches(n_train:int) -> int:
    "Batches of a two-epoch fit on `n_train` training rows and a quarter as many validation rows."
    return lo.n_batches(n_train, n_train//4)

def count(case:str, n_train:int, folder:str) -> int:
    "Total instructions of a process running `case` on `n_train` rows, under callgrind."
    out = Path(folder)/f'{case}.{n_train}.out'
    cmd = ['valgrind', '--tool=callgrind', f'--callgrind-out-file={out}',
           sys.executable, __file__, '--run', case, '--n-train', str(n_train)]
    # the same run every time: no idle threads spinning, the same hashes, the same addresses (when `setarch` can)
    env = {**os.environ, 'PYTHONHASHSEED': '0', **{k: '1' for k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS')}}
    if shutil.which('setarch'): cmd = ['setarch', platform.machine(), '--addr-no-randomize'] + cmd
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode: raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stderr[-3000:]}")
    m = re.search(r'^(?:totals|summary): (\d+)', out.read_text(), re.M)
    return int(m.group(1))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--cases', default=','.join(CASES), help=f"comma-separated, from: {', '.join(CASES)}")
    p.add_argument('--jobs', type=int, default=os.cpu_count() or 1, help='valgrind runs at once')
    p.add_argument('--run', help=argparse.SUPPRESS)
    p.add_argument('--n-train', type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.run: return run_case(args.run, args.n_train)
    cases = args.cases.split(',')
    bad = [c for c in cases if c not in CASES]
    if bad: sys.exit(f"Unknown case. Received: {', '.join(bad)}. Cases: {', '.join(CASES)}.")
    if shutil.which('valgrind') is None: sys.exit("valgrind is not installed. Received: no `valgrind` on PATH. "
                                                  "Install it (e.g. `apt-get install valgrind`).")
    cases += [b for b in dict.fromkeys(b for c in cases for b in CASES[c][1]) if b not in cases]  # their baselines, once
    with tempfile.TemporaryDirectory() as folder, concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        totals = {(c, n): pool.submit(count, c, n, folder) for c in cases for n in SIZES}
        per_batch = {c: (totals[c, SIZES[1]].result() - totals[c, SIZES[0]].result())/(n_batches(SIZES[1]) - n_batches(SIZES[0]))
                     for c in cases}
    for c in cases:
        desc, bases = CASES[c]
        vs = ''.join(f"  {per_batch[c]/per_batch[b]:.3f}x {CASES[b][0]} ({(per_batch[c]-per_batch[b])/1e3:+.1f}k)" for b in bases)
        print(f"{desc:<44} {per_batch[c]/1e3:8.1f}k instructions/batch{vs}", flush=True)

if __name__ == '__main__': main()
