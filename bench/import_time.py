"""How long `import learnlib.all` takes compared with `import torch` alone, in fresh processes.

Each measure is a new Python process that imports the module and reports the time the import took
(so interpreter start-up is left out). Runs alternate between the two imports; the script prints the median
and range of each, the ratio of the medians, the heavy modules that `import learnlib.all` must not load
(they are imported only when used: fastprogress at the first fit, matplotlib for plots ...), and, from `python -X importtime`, the
slowest of the modules it loads beyond those `import torch` loads.

    python bench/import_time.py            # 9 runs each
    python bench/import_time.py --runs 15
"""
import argparse, statistics, subprocess, sys

HEAVY = ('fastprogress', 'fasthtml', 'matplotlib', 'sklearn', 'pandas', 'scipy', 'IPython', 'PIL', 'nbdev')
TIMER = ("import time, sys; t = time.perf_counter(); import {mod}; print(time.perf_counter() - t); "
         "print(','.join(sorted({{m.split('.')[0] for m in sys.modules}})))")

def import_time(mod:str):
    "Seconds to import `mod` in a fresh process, and the top-level packages loaded by then."
    out = subprocess.run([sys.executable, '-c', TIMER.format(mod=mod)], capture_output=True, text=True, check=True)
    secs, loaded = out.stdout.strip().splitlines()
    return float(secs), set(loaded.split(','))

def _importtime(mod:str) -> list:
    "(own µs, cumulative µs, module name) for every module imported by `import mod`, from `python -X importtime`."
    err = subprocess.run([sys.executable, '-X', 'importtime', '-c', f'import {mod}'], capture_output=True, text=True,
                         check=True).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith('import time:') or 'cumulative' in line: continue
        own, cum, name = [s.strip() for s in line.replace('import time:', '').split('|')]
        rows.append((int(own), int(cum), name))
    return rows

def top_offenders(mod:str, base:str='torch', n:int=10):
    "The modules `import mod` loads beyond those `import base` loads, slowest (own time) first, and their total."
    base_names = {name for _, _, name in _importtime(base)}
    extra = sorted((r for r in _importtime(mod) if r[2] not in base_names), reverse=True)
    return extra[:n], sum(own for own, _, _ in extra), len(extra)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--runs', type=int, default=9)
    args = p.parse_args(argv)
    import_time('torch'); import_time('learnlib.all')   # warm the file-system cache
    times = {'torch': [], 'learnlib.all': []}
    loaded = set()
    for _ in range(args.runs):
        for mod in times:
            t, mods = import_time(mod)
            times[mod].append(t)
            if mod == 'learnlib.all': loaded = mods
    for mod, v in times.items():
        print(f"import {mod:<13} median {statistics.median(v)*1e3:6.0f} ms  (min {min(v)*1e3:.0f}, max {max(v)*1e3:.0f}, "
              f"{args.runs} fresh processes)")
    ratios = [l/t for t, l in zip(times['torch'], times['learnlib.all'])]
    print(f"ratio learnlib.all / torch: median of medians {statistics.median(times['learnlib.all'])/statistics.median(times['torch']):.3f}"
          f"  (per pair: median {statistics.median(ratios):.3f}, min {min(ratios):.3f}, max {max(ratios):.3f})")
    heavy = sorted(loaded & set(HEAVY))
    print(f"heavy packages loaded by `import learnlib.all`: {', '.join(heavy) if heavy else 'none'}")
    top, total, count = top_offenders('learnlib.all')
    print(f"modules loaded beyond `import torch`: {count}, {total/1e3:.0f} ms of own import time (-X importtime, one run); "
          "slowest:")
    for own, cum, name in top: print(f"  {own/1e3:7.1f} ms  {name}")
    print(f"estimate: (import torch + what learnlib adds) / import torch = "
          f"{(statistics.median(times['torch']) + total/1e6)/statistics.median(times['torch']):.3f}")

if __name__ == '__main__': main()
