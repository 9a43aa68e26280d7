"""What one training batch of `Learner.fit` costs over a hand-written batch, measured in lockstep.

The `--loader tensor` workload of `loop_overhead.py` (tiny MLP, `TensorLoader`, `OptimWrapper(torch SGD)`, one CPU
thread). After every training batch of the learner, the hand-written loop runs one batch of its own (on its own
model and its own shuffled slices), and both are timed. Comparing each learner batch with the hand-written batch
run right after it cancels most of what other jobs on a shared machine do to timings (they change over
milliseconds, a batch takes a fraction of one), so the paired difference is steadier than whole-fit ratios. It
covers the batch only: from `one_batch`'s call to its return for the learner (moving and splitting the batch,
forward, loss, backward, step, `zero_grad`, the `after_batch` callbacks), the same five operations and the loss
sum for the hand-written loop; not fetching the batch, validation, or the per-epoch and per-fit work.

`--without recorder,bar` removes callbacks from the learner (the bar needs the recorder, so `recorder` removes
both), to see what they cost; `--hand-zero-grad` makes the hand-written batch set its gradients to None itself,
as `OptimWrapper.zero_grad` does, instead of calling torch's `zero_grad`.

    python bench/batch_lockstep.py
    python bench/batch_lockstep.py --hand-zero-grad --without bar
"""
import argparse, contextlib, os, statistics, sys, time
from functools import partial
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
import loop_overhead as lo

_clock = time.perf_counter_ns

def hand_batches(train, hand_zero_grad:bool, times:list):
    "A generator running one hand-written training batch per `next`, endlessly, appending its time to `times`."
    model = lo.make_model(1)
    opt, loss_func = torch.optim.SGD(model.parameters(), lr=lo.LR), torch.nn.MSELoss()
    zero_grad = lo.grads_to_none(opt) if hand_zero_grad else opt.zero_grad
    total = torch.zeros(())
    while True:
        for xb, yb in lo.Sliced(*train, lo.BS, True):
            yield
            start = _clock()
            loss = loss_func(model(xb), yb)
            loss.backward()
            opt.step()
            zero_grad()
            total += loss.detach()
            times.append(_clock() - start)

def run(n_fits:int, without=(), hand_zero_grad=False, n_train=lo.N_TRAIN, n_valid=lo.N_VALID) -> tuple:
    "Times (ns) of the learner's training batches and of the hand-written batches run after each, over `n_fits` fits."
    from learnlib.data import DataLoaders
    from learnlib.learner import Learner, Recorder
    from learnlib.callbacks import ProgressCallback
    from learnlib.optimizer import OptimWrapper
    train, valid = lo.make_data(n_train, n_valid)
    ours, theirs = [], []
    hand = hand_batches(train, hand_zero_grad, theirs)
    next(hand)
    class Lockstep(Learner):
        def one_batch(self, i, b):
            if not self.training: return super().one_batch(i, b)
            start = _clock()
            super().one_batch(i, b)
            ours.append(_clock() - start)
            next(hand)
    def fit():
        learn = Lockstep(DataLoaders.from_tensors(train, valid, bs=lo.BS), lo.make_model(), torch.nn.MSELoss(), lr=lo.LR,
                         opt_func=partial(OptimWrapper, opt=torch.optim.SGD))
        if 'recorder' in without or 'bar' in without: learn.remove_cb(ProgressCallback)
        if 'recorder' in without: learn.remove_cb(Recorder)
        learn.fit(lo.N_EPOCH)
    with open(os.devnull, 'w') as null, contextlib.redirect_stdout(null):
        fit()   # warm up: first calls, imports
        ours.clear(); theirs.clear()
        for _ in range(n_fits): fit()
    return ours, theirs

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--fits', type=int, default=10, help='fits timed (each has 512 training batches by default)')
    p.add_argument('--without', default='', help='comma-separated callbacks to remove: recorder, bar')
    p.add_argument('--hand-zero-grad', action='store_true', help="the hand-written batch sets its gradients to None itself")
    p.add_argument('--n-train', type=int, default=lo.N_TRAIN, help='training rows')
    args = p.parse_args(argv)
    without = [w for w in args.without.split(',') if w]
    bad = [w for w in without if w not in ('recorder', 'bar')]
    if bad: sys.exit(f"Unknown callback for --without. Received: {', '.join(bad)}. Choose from: recorder, bar.")
    torch.set_num_threads(1)
    ours, theirs = run(args.fits, without, args.hand_zero_grad, args.n_train)
    diffs = [a - b for a, b in zip(ours, theirs)]
    print(f"{len(diffs)} training batches{', without ' + ', '.join(without) if without else ''}"
          f"{', hand-written zero_grad by hand' if args.hand_zero_grad else ''}: learnlib median "
          f"{statistics.median(ours)/1e3:.1f} us, hand-written {statistics.median(theirs)/1e3:.1f} us; paired difference "
          f"median {statistics.median(diffs)/1e3:+.2f} us, mean {statistics.mean(diffs)/1e3:+.2f} us", flush=True)
    return diffs

if __name__ == '__main__': main()
