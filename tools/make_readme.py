"""Write README.md from nbs/index.ipynb without Quarto (which cannot be installed here).

Markdown cells are copied; code cells become ```python blocks; cells flagged `#| hide` are left out and
nbdev directives are dropped. Links to notebooks (`tutorials/01_x.ipynb`, which the docs site resolves) become
links to their pages on the published site, since README.md is read outside nbs/.
Run `python tools/make_readme.py` after changing nbs/index.ipynb; `--check` exits 1 when README.md is out of date.
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def _directives(src:str) -> set:
    return {l[3:].strip().split(':')[0].split()[0] for l in src.splitlines() if l.startswith('#|') and l[3:].strip()}

def _doc_url() -> str:
    "The published site's address, from pyproject.toml's nbdev settings."
    from nbdev.config import get_config
    cfg = get_config(str(root))
    return f"{cfg.get('doc_host', '')}{cfg.get('doc_baseurl', '')}".rstrip('/') + '/'

def _link_pages(md:str) -> str:
    "Point markdown links to notebooks at their pages on the published site."
    from nbdev.config import nbpath2html
    def sub(m): return f"]({_doc_url()}{nbpath2html(Path(m.group(1))).as_posix()}{m.group(2) or ''})"
    return re.sub(r'\]\((?![a-z]+:)(?:\./)?([^)#\s]+\.ipynb)(#[^)\s]*)?\)', sub, md)

def readme_text(nb_path:Path=root/'nbs'/'index.ipynb') -> str:
    "The README's markdown, made from the cells of `nb_path`."
    cells, parts = json.loads(nb_path.read_text())['cells'], []
    for c in cells:
        src = ''.join(c['source'])
        if 'hide' in _directives(src): continue
        body = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
        if not body: continue
        parts.append(_link_pages(body) if c['cell_type'] == 'markdown' else f"```python\n{body}\n```")
    return "<!-- Generated from nbs/index.ipynb by tools/make_readme.py: do not edit by hand. -->\n\n" + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    text, dest = readme_text(), root/'README.md'
    if '--check' in sys.argv:
        ok = dest.exists() and dest.read_text() == text
        print('README.md is up to date' if ok else 'README.md is out of date: run python tools/make_readme.py')
        sys.exit(0 if ok else 1)
    dest.write_text(text)
    print(f'wrote {dest}')
