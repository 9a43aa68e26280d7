"""Rewrite the text outputs of notebooks as a terminal would show them, for publishing them with their outputs.

Progress bars redraw their line with carriage returns; a notebook's printed output (the output of a process it
ran, say) keeps every redraw, and a web page would show each of them on a line of its own. This keeps what a
terminal ends up showing: the last state of each line (a line the program cleared disappears), without ANSI
colour codes.

    python tools/run_notebooks.py --skip-flags slow --save nbs  # run the notebooks, keep their outputs
    python tools/terminal_outputs.py nbs                        # then clean the outputs in place, before nbdev-docs
"""
import argparse, json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from render_docs import _terminal, _text

def clean_notebook(path:Path) -> bool:
    "Rewrite the stream outputs of the notebook at `path`; return whether anything changed."
    nb = json.loads(path.read_text())
    changed = False
    for cell in nb.get('cells', []):
        outputs = []
        for o in cell.get('outputs', []):
            if o.get('output_type') == 'stream':
                text = _terminal(_text(o['text']))
                if text != _text(o['text']): o['text'], changed = text, True
                if not text.strip(): changed = True; continue   # nothing left to show
            outputs.append(o)
        if 'outputs' in cell: cell['outputs'] = outputs
    if changed: path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return changed

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('folder', type=Path, help='folder of notebooks (searched recursively)')
    args = p.parse_args(argv)
    if not args.folder.is_dir(): sys.exit(f"Not a folder. Received: {args.folder}. Pass the folder of the notebooks, e.g. nbs.")
    paths = sorted(q for q in args.folder.rglob('*.ipynb') if '.ipynb_checkpoints' not in q.parts)
    changed = [q for q in paths if clean_notebook(q)]
    print(f"{len(changed)} of {len(paths)} notebooks rewritten")

if __name__ == '__main__': main()
