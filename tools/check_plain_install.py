"""Check a plain `pip install learnlib` (no extras): `python tools/check_plain_install.py [--venv DIR] [--keep]`.

Builds the wheel of this checkout, installs it with PyTorch's CPU build and nothing else into a fresh virtual
environment (not `--system-site-packages`: matplotlib, scikit-learn and the others must really be missing),
then runs, in that environment, every feature that needs an extra. Each must fail before doing any work with
one message that names the extra to install (`lr_find` warns and still returns its suggestions), the
`learnlib-demo` command must name both of its missing packages in one message, and training, saving and
exporting must work. Prints one line per check and exits 1 if any fails.

`TORCH_INDEX`, when set, is the index PyTorch's CPU wheels come from (as in .ci/run); `TORCH_VERSION` (default
2.13.0) pins the version.
"""
import argparse, os, shutil, subprocess, sys, tempfile
from pathlib import Path

root = Path(__file__).resolve().parent.parent

# Runs inside the fresh environment, from a folder outside the checkout (so the installed wheel is imported).
_checks = r'''
import subprocess, sys, tempfile, warnings
from pathlib import Path
import torch
from torch import nn
import learnlib
from learnlib.all import *
failures = []
def check(name, ok, detail=''):
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ''))
    if not ok: failures.append(name)
def fails(name, f, extra, before=None):
    "`f()` raises ModuleNotFoundError naming `learnlib[extra]`; `before()`, if given, is true afterwards (no work done)."
    try: f()
    except ModuleNotFoundError as e:
        msg = str(e)
        check(name, f"pip install 'learnlib[{extra}]'" in msg and 'Received:' in msg, msg)
        if before is not None: check(f"{name}: nothing done before the error", before())
        return
    except Exception as e: return check(name, False, f"raised {type(e).__name__}: {e}")
    check(name, False, "did not fail")

check('the installed wheel is imported', 'site-packages' in learnlib.__file__, learnlib.__file__)
optional = ('matplotlib', 'sklearn', 'scipy', 'safetensors', 'IPython')
check('the optional packages are not installed', all(__import__('importlib').util.find_spec(m) is None for m in optional),
      [m for m in optional if __import__('importlib').util.find_spec(m) is not None])

x = torch.randn(256, 4); y = (x[:, 0] > 0).long()
dls = DataLoaders.from_tensors((x[:192], y[:192]), (x[192:], y[192:]), bs=32)
learn = Learner(dls, nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), nn.CrossEntropyLoss(), metrics=accuracy)
class Batches(Callback):
    n = 0
    def after_batch(self): self.n += 1
counter = Batches()
learn.add_cb(counter)
with warnings.catch_warnings(record=True) as ws, learn.no_bar():
    warnings.simplefilter('always')
    counted = []
    class WarnedFirst(Callback):
        def before_fit(self): counted.append(len(ws))
    learn.add_cb(WarnedFirst())
    res = learn.lr_find(num_it=20)
    learn.remove_cb(learn.warned_first)
msgs = [str(w.message) for w in ws]
check('lr_find returns its suggestions without matplotlib', isinstance(res, SuggestedLRs) and res.valley > 0, repr(res))
check('lr_find warns once, naming learnlib[plot], before the run',
      len(msgs) == 1 and "pip install 'learnlib[plot]'" in msgs[0] and counted == [1], f"{msgs} {counted}")
with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1)
check('training works', len(learn.recorder.values) == 1)
fails('Recorder.plot_loss', learn.recorder.plot_loss, 'plot')
fails('Recorder.plot_sched', learn.recorder.plot_sched, 'plot')
fails('Recorder.plot_lr_find', learn.recorder.plot_lr_find, 'plot')
def fit_graph():
    counter.n = 0
    with learn.no_bar(), learn.no_logging(): learn.fit(1, cbs=ShowGraphCallback())
fails('ShowGraphCallback', fit_graph, 'plot', before=lambda: counter.n == 0)
for make in (RocAuc, RocAucBinary, F1Score, Precision, MatthewsCorrCoef, PearsonCorrCoef, SpearmanCorrCoef):
    fails(make.__name__, make, 'metrics')
fails('optim_metric', lambda: optim_metric(accuracy_multi, 'thresh', (0, 1)), 'metrics')
d = Path(tempfile.mkdtemp())
fails("save(format='safetensors')", lambda: learn.save(d/'m', format='safetensors'), 'safetensors',
      before=lambda: not any(d.iterdir()))
check('save and load (torch format)', learn.save(d/'m').exists() and learn.load(d/'m') is learn)
check('export', learn.export(d/'export.pkl').exists())
demo = Path(sys.executable).parent/'learnlib-demo'
r = subprocess.run([str(demo), '--epochs', '1', '--out', str(d/'demo')], capture_output=True, text=True)
check('learnlib-demo names both missing packages in one message, before any work',
      r.returncode == 2 and "scikit-learn and matplotlib" in r.stderr and "learnlib[metrics,plot]" in r.stderr
      and r.stderr.count('error:') == 1 and not (d/'demo').exists(), r.stdout + r.stderr)
print(f"plain install: {len(failures)} failed" + (f": {', '.join(failures)}" if failures else ''))
sys.exit(1 if failures else 0)
'''

def run(cmd:list, **kwargs):
    "Run `cmd`, showing its output when it fails."
    r = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if r.returncode:
        sys.exit(f"`{' '.join(map(str, cmd))}` failed (exit status {r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog='\n'.join(__doc__.splitlines()[2:]))
    ap.add_argument('--venv', type=Path, default=None, help='where to create the environment (default: a temporary folder)')
    ap.add_argument('--keep', action='store_true', help='keep the environment afterwards')
    a = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix='learnlib-plain-'))
    venv = a.venv or work/'venv'
    try:
        run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '-w', str(work/'wheel'), str(root)])
        wheel = next((work/'wheel').glob('learnlib-*.whl'))
        if venv.exists(): shutil.rmtree(venv)
        run([sys.executable, '-m', 'venv', str(venv)])
        py = venv/'bin'/'python'
        index = os.environ.get('TORCH_INDEX')
        run([str(py), '-m', 'pip', 'install', '-q', f"torch=={os.environ.get('TORCH_VERSION', '2.13.0')}"]
            + (['--index-url', index] if index else []), env={**os.environ, 'PIP_DISABLE_PIP_VERSION_CHECK': '1'})
        run([str(py), '-m', 'pip', 'install', '-q', str(wheel)], env={**os.environ, 'PIP_DISABLE_PIP_VERSION_CHECK': '1'})
        print(f"installed {wheel.name} and torch (no extras) into {venv}")
        env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'MPLBACKEND')}
        r = subprocess.run([str(py), '-c', _checks], cwd=work, env=env, text=True)
        return r.returncode
    finally:
        if a.keep: print(f"kept the environment in {venv}")
        else:
            shutil.rmtree(work, ignore_errors=True)
            if a.venv: shutil.rmtree(a.venv, ignore_errors=True)

if __name__ == '__main__': sys.exit(main())
