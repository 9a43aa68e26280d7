"""Peak memory of `Learner.get_preds` with and without `save_preds`/`save_targs`, each mode in a fresh process.

The model's output is 20,000 x 2,000 float32 (153 MB). Kept in memory, `get_preds` holds every batch, then their
concatenation, then the activated predictions (softmax here): about three times the output at the peak, since the
memory of the freed batches stays with the process. Written to disk batch by batch (`save_preds`, `save_targs`),
the peak stays near one batch whatever the size of the output (compare `--rows 40000`).

    python bench/get_preds_memory.py                     # all modes, 3 runs each
    python bench/get_preds_memory.py --rows 40000 --runs 5

Each mode reports the growth of the peak resident set size (ru_maxrss) during the call, over the resident size
just before it (the data and the model already built), as median and min-max over the runs.
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile

MODES = ('forward only', 'in memory', 'saved to disk')

def rss_mb() -> float:
    "The current resident set size of this process, in MB."
    with open('/proc/self/statm') as f: return int(f.read().split()[1])*os.sysconf('SC_PAGE_SIZE')/2**20

def peak_mb() -> float:
    "The peak resident set size of this process so far, in MB (ru_maxrss is in kB on Linux)."
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024

def child(mode:str, rows:int, width:int, bs:int):
    "Run one mode in this (fresh) process and print a JSON line with the growth of the peak RSS."
    import torch
    from torch import nn
    from learnlib.data import DataLoaders
    from learnlib.learner import Learner
    torch.set_num_threads(1)
    x = torch.randn(rows, 16)
    y = torch.randint(0, width, (rows,))
    dls = DataLoaders.from_tensors((x[:bs], y[:bs]), (x, y), bs=bs, device='cpu')
    model = nn.Linear(16, width)
    learn = Learner(dls, model, nn.CrossEntropyLoss(), default_cbs=False)
    with torch.no_grad(): model(x[:bs])   # first-call allocations happen before the measure
    before = rss_mb()
    with tempfile.TemporaryDirectory() as d:
        if mode == 'forward only':
            with torch.no_grad():
                for xb, _ in dls.valid: model(xb)
        elif mode == 'in memory':
            preds, targs = learn.get_preds()
            assert preds.shape == (rows, width)
            del preds, targs
        else:
            preds, targs = learn.get_preds(save_preds=f'{d}/preds', save_targs=f'{d}/targs')
            assert preds is None and targs is None and len(os.listdir(f'{d}/preds')) == len(dls.valid)
        growth = peak_mb() - before
    print(json.dumps({'mode': mode, 'peak_growth_mb': growth, 'baseline_rss_mb': before}))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--rows', type=int, default=20_000)
    p.add_argument('--width', type=int, default=2_000)
    p.add_argument('--bs', type=int, default=256)
    p.add_argument('--runs', type=int, default=3)
    p.add_argument('--child', choices=MODES, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child: return child(args.child, args.rows, args.width, args.bs)
    out_mb = args.rows*args.width*4/2**20
    print(f"output {args.rows} x {args.width} float32 = {out_mb:.0f} MB, batch size {args.bs}, {args.runs} runs per mode")
    results = {m: [] for m in MODES}
    for _ in range(args.runs):
        for mode in MODES:  # a fresh process per measure: ru_maxrss never goes down
            cmd = [sys.executable, __file__, '--child', mode, '--rows', str(args.rows), '--width', str(args.width),
                   '--bs', str(args.bs)]
            res = subprocess.run(cmd, capture_output=True, text=True, check=True)
            results[mode].append(json.loads(res.stdout.strip().splitlines()[-1])['peak_growth_mb'])
    for mode, v in results.items():
        print(f"{mode:<14} peak RSS growth median {statistics.median(v):7.1f} MB  (min {min(v):.1f}, max {max(v):.1f})"
              f"  = {statistics.median(v)/out_mb:.2f} x the output")

if __name__ == '__main__': main()
