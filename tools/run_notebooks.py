"""Run notebooks in a real Jupyter kernel, as a user's "Run All" does: `python tools/run_notebooks.py [GLOB ...]`.

`nbdev-test` runs a notebook's cells in a plain Python shell, where progress bars and results tables print as
text. In Jupyter the same cells run in an IPython kernel with rich display on: tables are HTML, plots are
inline images, and every cell runs, the ones nbdev-test skips (`#| cuda`, `#| eval: false`) included. This
script executes each notebook with a Jupyter kernel (nbclient, the engine of `jupyter nbconvert --execute`)
in a temporary copy of the project (so nothing the notebook writes lands in nbs/), with this checkout's
`learnlib` first on the path, and reports each failure with its notebook, cell and traceback.

GLOB is relative to nbs/ (default: every notebook in nbs/ and nbs/tutorials/). `--skip-flags slow` does not run
the cells flagged `#| slow` (CI does: `nbdev-test --flags slow` runs them already, and they are tests that
launch processes, not what a reader runs). `--save DIR` keeps the executed notebooks (with their outputs)
under DIR, laid out as in nbs/. Exits 1 when a notebook fails.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

root = Path(__file__).resolve().parent.parent
nbs_dir = root/'nbs'
_ansi = re.compile(r'\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])')

def find_notebooks(globs:list) -> list:
    "The notebooks in nbs/ matching `globs` (relative to nbs/), leaving out hidden and `_` folders."
    globs = globs or ['*.ipynb', 'tutorials/*.ipynb']
    found = sorted({p for g in globs for p in nbs_dir.glob(g) if p.suffix == '.ipynb'})
    return [p for p in found if not any(o.startswith(('.', '_')) for o in p.relative_to(nbs_dir).parts)]

def cell_flags(source:str) -> set:
    "The bare `#| flag` directives of a code cell (`#| slow`, `#| cuda` ...)."
    return {m.group(1) for m in re.finditer(r'^#\|\s*([\w-]+)\s*$', source, re.M)}

def copy_project(dest:Path):
    "Copy pyproject.toml, nbs/ and the folders notebooks read from (bench/, tools/) into `dest`."
    shutil.copy2(root/'pyproject.toml', dest/'pyproject.toml')
    for o in ('bench', 'tools'): shutil.copytree(root/o, dest/o, ignore=shutil.ignore_patterns('__pycache__'))
    shutil.copytree(nbs_dir, dest/'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_proc', 'models', 'tmp*'))

def run_one(rel:str, skip_flags:set, timeout:int, save:Path=None) -> dict:
    "Execute nbs/`rel` in a fresh Jupyter kernel, in a temporary copy; return a result dict (`ok`, `error`, `seconds`)."
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    with tempfile.TemporaryDirectory(prefix='learnlib-nbrun-') as d:
        copy_project(Path(d))
        path = Path(d)/'nbs'/rel
        nb = nbformat.read(path, as_version=4)
        skipped = [c for c in nb.cells if c.cell_type == 'code' and cell_flags(c.source) & skip_flags]
        for c in skipped: c.metadata.setdefault('tags', []).append('skip-execution')   # kept, not run
        env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(root)] + [p for p in [os.environ.get('PYTHONPATH')] if p])}
        env.pop('MPLBACKEND', None)   # Jupyter's own (inline) plotting backend, as a user has it
        client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}},
                                skip_cells_with_tag='skip-execution')
        start, res = time.time(), {'notebook': rel, 'ok': True, 'error': None}
        try: client.execute(env=env, cwd=str(path.parent))
        except CellExecutionError as e: res.update(ok=False, error=describe_failure(nb, str(e)))
        except (CellTimeoutError, DeadKernelError, RuntimeError) as e:
            res.update(ok=False, error=f"{type(e).__name__}: {_ansi.sub('', str(e))[-3000:]}")
        res['seconds'] = round(time.time() - start, 1)
        for c in skipped:
            c.metadata.tags.remove('skip-execution')
            if not c.metadata.tags: del c.metadata['tags']
        if save:
            (save/rel).parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, save/rel)
    return res

def describe_failure(nb, message:str) -> str:
    "The failing cell (its index among all cells, its first lines) and the traceback, without colour codes."
    failed = next((i for i, c in enumerate(nb.cells) if c.cell_type == 'code'
                   and any(o.get('output_type') == 'error' for o in c.get('outputs', []))), None)
    head = ''
    if failed is not None:
        src = nb.cells[failed].source.splitlines()
        head = f"cell {failed} (id {nb.cells[failed].get('id', '?')}):\n" + '\n'.join('    ' + l for l in src[:12])
        if len(src) > 12: head += f"\n    ... ({len(src) - 12} more lines)"
        head += '\n'
    return head + _ansi.sub('', message).strip()[-4000:]

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog='\n'.join(__doc__.splitlines()[2:]))
    ap.add_argument('globs', nargs='*', metavar='GLOB', help="notebooks to run, relative to nbs/ (default: all, tutorials too)")
    ap.add_argument('--workers', type=int, default=2, help='notebooks run at the same time (default: 2)')
    ap.add_argument('--timeout', type=int, default=600, help='seconds one cell may run (default: 600)')
    ap.add_argument('--skip-flags', nargs='*', default=[], metavar='FLAG', help='do not run the cells flagged with these, e.g. slow (they stay in the notebook)')
    ap.add_argument('--save', type=Path, default=None, help='folder to keep the executed notebooks in')
    ap.add_argument('--one', help=argparse.SUPPRESS)   # run one notebook in this process, print its result as JSON
    a = ap.parse_args(argv)
    if a.one:
        print(json.dumps(run_one(a.one, set(a.skip_flags), a.timeout, a.save))); return
    paths = find_notebooks(a.globs)
    if not paths: sys.exit(f"No notebook matches. Received: {a.globs}. Pass globs relative to nbs/, e.g. '08_learner.ipynb'.")
    save = a.save.resolve() if a.save else None
    def run(p):
        rel = str(p.relative_to(nbs_dir))
        cmd = [sys.executable, __file__, '--one', rel, '--timeout', str(a.timeout), '--skip-flags', *a.skip_flags]
        r = subprocess.run(cmd + (['--save', str(save)] if save else []), capture_output=True, text=True)
        try: res = json.loads(r.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            res = {'notebook': rel, 'ok': False, 'seconds': None, 'error': f"the runner failed:\n{r.stdout[-2000:]}{r.stderr[-3000:]}"}
        print(f"{'ok  ' if res['ok'] else 'FAIL'} {rel} ({res['seconds']} s)", flush=True)
        return res
    start = time.time()
    with ThreadPoolExecutor(max(a.workers, 1)) as ex: results = list(ex.map(run, paths))
    failed = [r for r in results if not r['ok']]
    for r in failed: print(f"\n=== {r['notebook']} failed in Jupyter:\n{r['error']}")
    print(f"\nJupyter run: {len(results) - len(failed)} of {len(results)} notebooks passed in {time.time() - start:.0f} s"
          + (f"; failed: {', '.join(r['notebook'] for r in failed)}" if failed else ''))
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
