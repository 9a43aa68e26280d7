"""Where a training batch's time goes: each part of learnlib's batch against the same part of the hand-written loop.

`loop_overhead.py` says how much slower a whole fit is; this script says where. It runs the `--loader tensor` workload
of `loop_overhead.py` (tiny MLP, `TensorLoader` against hand slicing, one CPU thread, `OptimWrapper(torch SGD)`, the
default callbacks) with clock reads between the parts of every training batch, in learnlib's loop and in the
hand-written one, and prints the median of each part over all training batches of all runs (medians of thousands of
batches move far less with other jobs on the machine than whole-run times do).

To put clocks between its parts, learnlib's batch runs here as an instrumented copy of `Learner.one_batch` (with
`_do_one_batch` and `_do_grad_opt` written into it): change it with the loop. `check_copy` fits a model with the
copy and with the learner's own code and checks that they end with the same weights; the performance page runs it.

    python bench/batch_segments.py              # 15 alternated pairs of fits
    python bench/batch_segments.py --repeats 5
"""
import argparse, contextlib, os, statistics, sys, time
from functools import partial
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
import loop_overhead as lo

PARTS = ['fetch', 'split', 'forward', 'loss', 'backward', 'step', 'zero_grad', 'after_batch', 'total']
_clock = time.perf_counter_ns

def instrumented_one_batch(times:dict):
    "A copy of `Learner.one_batch` (training part written out) that adds each part's duration to `times[part]`."
    import learnlib.learner as L
    from learnlib.callbacks import CancelBatchException, CancelBackwardException, CancelStepException
    last = {'end': None}
    def one_batch(self, i, b):
        t0 = _clock()
        if self.training and last['end'] is not None: times.setdefault('fetch', []).append(t0 - last['end'])
        self.iter = i
        self._take_batch(b, self._batch_device or L._model_device(self.model))
        t1 = t2 = t3 = t4 = t5 = t6 = _clock()
        handlers = self._handlers
        try:
            if handlers['before_batch']: self('before_batch')
            self.pred = self._forward_model(*self.xb)
            t2 = _clock()
            if handlers['after_pred']: self('after_pred')
            if self.yb:
                if self._first_batch: self._first_batch_loss()
                else: self.loss_grad = self.loss_func(self.pred, *self.yb)
                loss = self.loss_grad
                self.loss = loss.detach() if loss.requires_grad else loss
            t3 = _clock()
            if handlers['after_loss']: self('after_loss')
            if self.training and self.yb:
                if self.loss_grad.ndim and self.loss_grad.numel() != 1: self._loss_not_scalar()
                self._with_events(self._backward, 'backward', CancelBackwardException)
                t4 = _clock()
                self._with_events(self._step, 'step', CancelStepException)
                t5 = _clock()
                self.opt.zero_grad()
                t6 = _clock()
        except CancelBatchException: self('after_cancel_batch')
        if self.training:
            self.train_iter += 1
            self.pct_train = (self.epoch + (i+1)/self.n_iter)/self.n_epoch
        if handlers['after_batch']: self('after_batch')
        t7 = _clock()
        if not self.training: last['end'] = None; return
        for part, a, z in zip(PARTS[1:], (t0, t1, t2, t3, t4, t5, t6, t0), (t1, t2, t3, t4, t5, t6, t7, t7)):
            times.setdefault(part, []).append(z - a)
        last['end'] = t7
    return one_batch

def learnlib_run(times:dict, train, valid, shuffle=True):
    "One two-epoch fit (the `--loader tensor` workload) with the instrumented batch; returns the learner."
    from learnlib.data import DataLoaders
    from learnlib.learner import Learner
    from learnlib.optimizer import OptimWrapper
    learn = Learner(DataLoaders.from_tensors(train, valid, bs=lo.BS, shuffle_train=shuffle), lo.make_model(),
                    torch.nn.MSELoss(), lr=lo.LR, opt_func=partial(OptimWrapper, opt=torch.optim.SGD))
    learn.one_batch = instrumented_one_batch(times).__get__(learn)   # on this learner only
    learn.fit(lo.N_EPOCH)
    return learn

def hand_run(times:dict, train, valid):
    "The hand-written loop of `loop_overhead.plain_fit` over slices, with the same clock reads."
    model, loss_func = lo.make_model(), torch.nn.MSELoss()
    opt = torch.optim.SGD(model.parameters(), lr=lo.LR)
    for epoch in range(lo.N_EPOCH):
        model.train()
        total, end = torch.zeros(()), None
        for xb, yb in lo.Sliced(*train, lo.BS, True):
            t0 = _clock()
            if end is not None: times.setdefault('fetch', []).append(t0 - end)
            out = model(xb); t2 = _clock()
            loss = loss_func(out, yb); t3 = _clock()
            loss.backward(); t4 = _clock()
            opt.step(); t5 = _clock()
            opt.zero_grad(); t6 = _clock()
            total += loss.detach(); end = t7 = _clock()   # the hand loop's bookkeeping: its `after_batch`
            for part, a, z in zip(PARTS[2:], (t0, t2, t3, t4, t5, t6, t0), (t2, t3, t4, t5, t6, t7, t7)):
                times.setdefault(part, []).append(z - a)
        model.eval()
        with torch.no_grad():
            for xb, yb in lo.Sliced(*valid, lo.BS, False): loss_func(model(xb), yb)
        total.item()

def check_copy(n_train:int=256, n_valid:int=64):
    "Fit without shuffling with the instrumented copy and with the learner's own `one_batch`: the same weights."
    from learnlib.data import DataLoaders
    from learnlib.learner import Learner
    train, valid = lo.make_data(n_train, n_valid)
    with open(os.devnull, 'w') as null, contextlib.redirect_stdout(null):
        copy = learnlib_run({}, train, valid, shuffle=False)
        own = Learner(DataLoaders.from_tensors(train, valid, bs=lo.BS, shuffle_train=False), lo.make_model(),
                      torch.nn.MSELoss(), lr=lo.LR, opt_func=copy.opt_func)
        own.fit(lo.N_EPOCH)
    for p, q in zip(copy.model.parameters(), own.model.parameters()):
        if not torch.equal(p, q): raise AssertionError("The instrumented copy of `one_batch` no longer trains as the "
                                                       "learner does. Update `instrumented_one_batch` to the loop.")
    return copy.recorder.losses == own.recorder.losses

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--repeats', type=int, default=15, help='alternated pairs of fits')
    p.add_argument('--n-train', type=int, default=lo.N_TRAIN)
    p.add_argument('--n-valid', type=int, default=lo.N_VALID)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    train, valid = lo.make_data(args.n_train, args.n_valid)
    ours, hand = {}, {}
    with open(os.devnull, 'w') as null, contextlib.redirect_stdout(null):
        learnlib_run({}, train, valid); hand_run({}, train, valid)   # first calls, imports: not counted
        for i in range(args.repeats):
            if i % 2: learnlib_run(ours, train, valid); hand_run(hand, train, valid)
            else: hand_run(hand, train, valid); learnlib_run(ours, train, valid)
    print(f"torch {torch.__version__}, 1 thread, {args.repeats} pairs; median us per training batch "
          f"({len(ours['total'])} batches each)")
    print(f"{'part':<12} {'learnlib':>9} {'hand':>9} {'difference':>11}")
    for part in PARTS:
        o, h = statistics.median(ours[part])/1e3, statistics.median(hand.get(part, [0]))/1e3
        print(f"{part:<12} {o:9.2f} {h:9.2f} {o-h:+11.2f}")

if __name__ == '__main__': main()
