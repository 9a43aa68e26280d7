"""Render the docs site locally, without Quarto: `python tools/render_docs.py [--out _site] [--force]`.

The site on GitHub is built by `nbdev-docs`, which processes the notebooks (`nbdev.serve.proc_nbs`: show_doc
cells added and run, exported and hidden cells removed, links added) and hands the result to Quarto. Quarto
cannot be installed here, so this script renders the same processed notebooks with pandoc (it processes a
copy of nbs/ in a private folder under the system's temp dir, so a concurrent nbdev run cannot wipe them):
one HTML page per notebook, named like Quarto names it (`08_learner.ipynb` -> `learner.html`), with the
sidebar of `nbs/sidebar.yml`, honouring the Quarto cell options nbdev relies on (`include: false`,
`echo: false`, `output: false`, `output: asis`, `code-fold`). Links to the published site are made relative,
so the local site links to itself. It also writes `pages.json` (every page, its title and module) for the
browser test (`python tools/test_docs.py`). Open `_site/index.html` in a browser, or serve the folder:
`python -m http.server -d _site`. The notebooks in git keep no outputs, so first every notebook is run on the
copy, in a Jupyter kernel (`tools/run_notebooks.py`, cells flagged `#| slow` not run), and the pages show what
a reader of the notebooks sees: results tables, plots, printed text. That takes minutes; `--no-execute` skips
it (pages then show code and API docs only), `--execute GLOB ...` runs only some notebooks, and `--executed DIR`
takes notebooks `tools/run_notebooks.py --save DIR` has run already (CI runs them once for both).

Needs pandoc (`apt-get install pandoc`). Exits 1 when a notebook cannot be processed or rendered.
"""
import argparse, base64, hashlib, html, json, os, re, shutil, subprocess, sys, tempfile
from fnmatch import fnmatch
from pathlib import Path
import yaml

root = Path(__file__).resolve().parent.parent
_ansi = re.compile(r'\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])')

# --- processing the notebooks (what nbdev-docs does before Quarto) ---

_site_files = ('.ipynb', '.yml', '.yaml', '.css', '.png', '.jpg', '.jpeg', '.svg', '.gif', '.qmd', '.md')

def stage(nbs:Path, build:Path) -> Path:
    "Mirror pyproject.toml and the docs sources of `nbs` into `build` (a private nbdev project); return its nbs."
    dest = build/'nbs'
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root/'pyproject.toml', build/'pyproject.toml')
    keep = set()
    for f in nbs.rglob('*'):
        rel = f.relative_to(nbs)
        if not f.is_file() or f.suffix.lower() not in _site_files or any(o.startswith('.') for o in rel.parts): continue
        keep.add(rel)
        d = dest/rel
        if not d.exists() or d.stat().st_mtime != f.stat().st_mtime or d.stat().st_size != f.stat().st_size:
            d.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, d)
    for d in list(dest.rglob('*')):
        if d.is_file() and d.relative_to(dest) not in keep: d.unlink()
    return dest

def execute_notebooks(src:Path, globs:list, n_workers:int=2, executed:Path=None) -> dict:
    """Put executed copies of the notebooks matching `globs` in the staged folder `src`: run in a Jupyter kernel by
    `tools/run_notebooks.py` (cells flagged `#| slow` are shown but not run), or taken from `executed`, a folder
    that script saved them into (`--save`). Return {notebook: error} for those that failed."""
    errors, done = {}, []
    with tempfile.TemporaryDirectory() as d:
        if executed is None:
            executed = Path(d)
            cmd = [sys.executable, str(root/'tools'/'run_notebooks.py'), *globs, '--skip-flags', 'slow',
                   '--workers', str(max(n_workers, 1)), '--save', str(executed)]
            r = subprocess.run(cmd, capture_output=True, text=True)
            for block in r.stdout.split('\n=== ')[1:]:
                name, _, err = block.partition(' failed in Jupyter:\n')
                errors[name.strip()] = f"running the notebook failed:\n{err.strip()[-3000:]}"
            if r.returncode and not errors: errors['(run_notebooks.py)'] = r.stdout[-2000:] + r.stderr[-2000:]
        for p in sorted({q for g in globs for q in src.glob(g) if q.suffix == '.ipynb'}):
            rel = p.relative_to(src)
            if (executed/rel).exists():
                shutil.copy2(executed/rel, p)
                done.append(str(rel))
                print(f"executed {rel}")
            elif str(rel) not in errors: errors[str(rel)] = f"no executed copy of {rel} in {executed}"
    (src.parent/'executed.json').write_text(json.dumps(done))
    return errors

def process_notebooks(nbs:Path, build:Path, n_workers:int=2, force:bool=False, execute:list=(), executed:Path=None) -> dict:
    """Run nbdev's docs processors (`proc_nbs`) on a copy of `nbs` in `build`, so that the result lands in
    `build/_proc` (not the repo's `_proc`, which other tools may wipe); return {notebook: error} for failures."""
    from nbdev.serve import proc_nbs
    os.environ.setdefault('MPLBACKEND', 'Agg')
    src = stage(nbs, build)
    if execute: run_errors = execute_notebooks(src, execute, n_workers, executed)
    else: run_errors = {}; (build/'executed.json').write_text('[]')
    try:
        proc_nbs(str(src), n_workers=n_workers, force=force)
        return run_errors
    except Exception as e: first = e
    # One notebook failed (and stopped the batch): process the rest one at a time to name every failure.
    cache, errors = build/'_proc', {}
    stale = [p for p in sorted(src.rglob('*.ipynb')) if not any(o.startswith(('.', '_')) for o in p.relative_to(src).parts)
             and not ((d := cache/p.relative_to(src)).exists() and d.stat().st_mtime >= p.stat().st_mtime)]
    code = "import sys; from nbdev.serve import proc_nbs; proc_nbs(sys.argv[1], n_workers=0, file_glob=sys.argv[2])"
    def one(p):
        rel = p.relative_to(src)
        r = subprocess.run([sys.executable, '-c', code, str(src), rel.name], capture_output=True, text=True, cwd=root)
        done = (d := cache/rel).exists() and d.stat().st_mtime >= p.stat().st_mtime
        if r.returncode or not done:
            lines = [l for l in r.stderr.splitlines() if l.strip()]
            start = next((i for i, l in enumerate(lines) if l.startswith('Exception: ')), max(len(lines)-15, 0))
            errors[str(rel)] = '\n'.join(lines[start:]) or str(first)
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max(n_workers, 1)) as ex: list(ex.map(one, stale))
    return {**run_errors, **errors}

# --- the site's structure ---

def read_fm(nb:dict) -> dict:
    "The frontmatter nbdev put in the first raw cell of a processed notebook."
    for c in nb['cells']:
        src = ''.join(c.get('source', ''))
        if c['cell_type'] == 'raw' and src.strip().startswith('---'):
            return yaml.safe_load(src.strip().strip('-')) or {}
    return {}

def default_exp(nb_path:Path):
    "The module a source notebook exports to, or None."
    for c in json.loads(nb_path.read_text())['cells']:
        m = re.search(r'^#\|\s*default_exp\s+(\S+)', ''.join(c['source']), re.M)
        if c['cell_type'] == 'code' and m: return m.group(1)

def source_title(nb_path:Path):
    "The `# Title` of a source notebook's first markdown cell (for a page whose processing failed)."
    for c in json.loads(nb_path.read_text())['cells']:
        if c['cell_type'] == 'markdown':
            m = re.match(r'#\s+(.+)', ''.join(c['source']).strip())
            return m.group(1).strip() if m else None

def sidebar_entries(nbs:Path, pages:dict) -> list:
    "The sidebar of `nbs/sidebar.yml` as [(section or None, [(page key, text)])], entries resolved to pages."
    sb = yaml.safe_load((nbs/'sidebar.yml').read_text())['website']['sidebar']['contents']
    def items(contents):
        res = []
        for o in contents:
            if isinstance(o, str): res.append((o, None))
            elif 'auto' in o:
                pat = o['auto'].lstrip('/')
                res += [(k, None) for k in sorted(pages) if fnmatch(k, pat)]
            elif 'href' in o: res.append((o['href'], o.get('text')))
            elif 'section' in o: raise ValueError(f"sidebar.yml: nested sections are not supported. Received: {o}")
        for k, _ in res:
            if k not in pages: raise ValueError(f"sidebar.yml lists {k!r}, which is not a notebook in nbs/. Remove it or add the notebook.")
        return res
    out = []
    for o in sb:
        if isinstance(o, dict) and 'section' in o: out.append((o['section'], items(o.get('contents', []))))
        else: out.append((None, items([o])))
    return out

# --- one notebook to pandoc markdown ---

def directives(src:str) -> tuple:
    "Split a code cell into its `#|` options and the code shown."
    opts, lines = {}, src.splitlines()
    i = 0
    while i < len(lines) and (lines[i].startswith('#|') or not lines[i].strip()):
        d = lines[i][2:].strip()
        if d:
            k, _, v = d.partition(':') if ':' in d else (d.split()[0], '', ' '.join(d.split()[1:]) or 'true')
            opts[k.strip()] = v.strip().strip('"\'') or 'true'
        i += 1
    return opts, '\n'.join(lines[i:]).strip('\n')

def fence(code:str, attrs:str) -> str:
    ticks = '`' * max(3, max((len(m) for m in re.findall(r'`+', code)), default=0) + 1)
    return f"{ticks} {{{attrs}}}\n{code}\n{ticks}"

def _text(x): return ''.join(x) if isinstance(x, list) else x

def _terminal(text:str) -> str:
    "What a terminal shows for `text`: a carriage return rewrites its line (progress bars); ANSI codes dropped."
    out = []
    for line in _ansi.sub('', text).split('\n'):
        if '\r' not in line: out.append(line); continue
        buf = ''
        for seg in line.split('\r'): buf = seg + buf[len(seg):]
        if buf.strip(): out.append(buf.rstrip())   # a line the program cleared (a finished progress bar) is gone
    return '\n'.join(out)

def output_md(o:dict, asis:bool) -> str:
    "Pandoc markdown for one cell output."
    t = o['output_type']
    if t == 'stream':
        text = _terminal(_text(o['text'])).strip('\n')
        return fence(text, f".cell-output .cell-output-{o.get('name', 'stdout')}") if text.strip() else ''
    if t == 'error':
        tb = _ansi.sub('', '\n'.join(o.get('traceback', [])) or f"{o.get('ename')}: {o.get('evalue')}")
        return fence(tb, '.cell-output .cell-output-error')
    d = o.get('data', {})
    if 'text/markdown' in d and asis: return _text(d['text/markdown'])
    if 'text/html' in d: return '```{=html}\n<div class="cell-output-display">\n' + _text(d['text/html']) + "\n</div>\n```"
    for mime in ('image/png', 'image/jpeg'):
        if mime in d:
            data = _text(d[mime]).replace('\n', '')
            size = (o.get('metadata') or {}).get(mime) or {}      # a high-resolution figure's display size
            attrs = ''.join(f' {k}="{int(size[k])}"' for k in ('width', 'height') if k in size)
            return f'```{{=html}}\n<div class="cell-output-display"><img src="data:{mime};base64,{data}"{attrs}></div>\n```'
    if 'image/svg+xml' in d: return "```{=html}\n" + _text(d['image/svg+xml']) + "\n```"
    if 'text/markdown' in d: return f"::: {{.cell-output .cell-output-markdown}}\n{_text(d['text/markdown'])}\n:::"
    if 'text/plain' in d: return fence(_ansi.sub('', _text(d['text/plain'])), '.cell-output .cell-output-display')
    return ''

def cell_md(c:dict) -> str:
    "Pandoc markdown for one processed cell, with the Quarto options nbdev uses applied."
    src = _text(c.get('source', ''))
    if c['cell_type'] == 'markdown': return src
    if c['cell_type'] == 'raw': return ''
    opts, code = directives(src)
    if opts.get('include') == 'false' or 'hide' in opts: return ''
    parts = []
    if code and opts.get('echo') != 'false':
        block = fence(code, '.python .cell-code')
        fold = opts.get('code-fold')
        if fold in ('true', 'show'):
            summary = html.escape(opts.get('code-summary', 'Code'))
            block = (f'```{{=html}}\n<details class="code-fold"{" open" if fold == "show" else ""}><summary>{summary}</summary>\n```\n\n'
                     f'{block}\n\n```{{=html}}\n</details>\n```')
        parts.append(block)
    if opts.get('output') != 'false':
        parts += [m for o in c.get('outputs', []) if (m := output_md(o, opts.get('output') == 'asis'))]
    if not parts: return ''
    # `echo: false` + `output: asis` (show_doc): the markdown stands alone, so its headings reach the table of contents
    if opts.get('output') == 'asis' and opts.get('echo') == 'false': return '\n\n'.join(parts)
    return '::: {.cell}\n\n' + '\n\n'.join(parts) + '\n\n:::'

def notebook_md(nb:dict) -> str:
    return '\n\n'.join(m for c in nb['cells'] if (m := cell_md(c)).strip())

# --- HTML ---

_template = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$pagetitle$ – $sitetitle$</title>
<style>
$highlighting-css$
</style>
<link rel="stylesheet" href="$rootrel$site.css">
<link rel="stylesheet" href="$rootrel$styles.css">
</head>
<body>
<header class="navbar"><a class="site-title" href="$rootrel$index.html">$sitetitle$</a>@@NAVBAR@@</header>
<div class="page">
<input type="checkbox" id="sidebar-toggle" class="sidebar-toggle" aria-hidden="true">
<label for="sidebar-toggle" class="sidebar-toggle-label">☰ @@CRUMB@@</label>
<nav id="sidebar" class="sidebar">@@SIDEBAR@@</nav>
<main id="content" class="content">
<header id="title-block-header">
<h1 class="title">$title$</h1>
$if(description)$<div class="description">$description$</div>$endif$
</header>
$body$
@@PAGENAV@@
</main>
$if(toc)$<nav id="TOC" class="toc" role="doc-toc"><h2>On this page</h2>$table-of-contents$</nav>$endif$
</div>
</body>
</html>
"""

_css = """
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212529; line-height: 1.5; }
.navbar { background: #2780e3; padding: .6rem 1.2rem; }
.navbar .site-title { color: white; font-weight: 600; font-size: 1.25rem; text-decoration: none; margin-right: 1.5rem; }
.navbar .nav-link { color: #e9f2fc; text-decoration: none; margin-right: 1rem; }
.page-navigation { display: flex; justify-content: space-between; border-top: 1px solid #dee2e6; margin-top: 2rem; padding-top: 1rem; }
.page { display: grid; grid-template-columns: 15rem minmax(0, 1fr) 14rem; gap: 2rem; max-width: 90rem; margin: 0 auto; padding: 1rem; }
.sidebar { font-size: .92rem; position: sticky; top: 1rem; align-self: start; max-height: 95vh; overflow-y: auto; }
.sidebar ul { list-style: none; padding-left: 0; margin: 0 0 .6rem 0; }
.sidebar .section > ul { padding-left: .8rem; }
.sidebar .section-title { font-weight: 600; margin-top: .6rem; }
.sidebar a { color: #343a40; text-decoration: none; display: block; padding: .12rem 0; }
.sidebar a.active { color: #2780e3; font-weight: 600; }
.toc { font-size: .85rem; position: sticky; top: 1rem; align-self: start; max-height: 95vh; overflow-y: auto; }
.toc h2 { font-size: .9rem; margin-top: 0; }
.toc ul { list-style: none; padding-left: .7rem; }
.toc a { color: #495057; text-decoration: none; overflow-wrap: anywhere; }
.content { min-width: 0; }
.content code, .content h1, .content h2, .content h3, .content h4 { overflow-wrap: anywhere; }
.content td code { overflow-wrap: break-word; }
.content pre code { overflow-wrap: normal; }
.table-scroll { max-width: 100%; overflow-x: auto; margin: .5rem 0 1rem; }
.table-scroll > table { margin: 0; }
.sidebar-toggle, .sidebar-toggle-label { display: none; }
.content h1.title { margin-bottom: .2rem; }
a { color: #2780e3; }
pre, code { font-family: SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
pre { background: #f7f7f7; padding: .6rem .8rem; overflow-x: auto; border-radius: 4px; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid #dee2e6; padding: .25rem .6rem; text-align: left; }
.cell-output-error pre, pre.cell-output-error { background: #fff0f0; }
details.code-fold summary { cursor: pointer; color: #6c757d; }
img { max-width: 100%; height: auto; }
@media (max-width: 60rem) {
  .page { grid-template-columns: minmax(0, 1fr); gap: .5rem; }
  .toc { display: none; }
  .sidebar-toggle-label { display: block; cursor: pointer; padding: .4rem .6rem; border: 1px solid #dee2e6;
                          border-radius: 4px; color: #343a40; font-size: .95rem; }
  .sidebar { display: none; position: static; max-height: none; }
  .sidebar-toggle:checked ~ .sidebar { display: block; }
}
"""

def rel_url(target:str, page:str) -> str:
    "URL of site path `target` (may carry a #fragment) from the page at site path `page`."
    path, _, frag = target.partition('#')
    rel = os.path.relpath(path, os.path.dirname(page) or '.') if path else ''
    return rel + (f'#{frag}' if frag else '')

def fix_links(body:str, page:str, site_url:str, nb_pages:dict, src_dir:str) -> str:
    "Make links to the published site relative, and links to notebooks point at their pages."
    def sub(m):
        url = html.unescape(m.group(2))
        if site_url and url.startswith(site_url):
            target = url[len(site_url):].lstrip('/') or 'index.html'
            if target.split('#')[0].endswith('.html.md'): target = target.replace('.html.md', '.html', 1)
            url = rel_url(target, page)
        elif not re.match(r'^[a-z][a-z0-9+.-]*:|^#|^/', url):
            path, _, frag = url.partition('#')
            if path.endswith(('.ipynb', '.qmd')):
                key = os.path.normpath(os.path.join(src_dir, path))
                if key in nb_pages: url = rel_url(nb_pages[key] + (f'#{frag}' if frag else ''), page)
        return f'{m.group(1)}="{html.escape(url)}"'
    return re.sub(r'\b(href)="([^"]*)"', sub, body)

def sidebar_html(entries:list, pages:dict, page:str) -> str:
    def li(key, text):
        p = pages[key]
        cls = ' class="active"' if p['href'] == page else ''
        return f'<li><a href="{html.escape(rel_url(p["href"], page))}"{cls}>{html.escape(text or p["title"])}</a></li>'
    out = []
    for section, items in entries:
        lis = ''.join(li(k, t) for k, t in items)
        if section: out.append(f'<div class="section"><div class="section-title">{html.escape(section)}</div><ul>{lis}</ul></div>')
        else: out.append(f'<ul>{lis}</ul>')
    return '\n'.join(out)

def crumb_text(entries:list, pages:dict, page:str) -> str:
    "`Section › Title` of `page` for the sidebar's toggle on narrow screens (just the title outside a section)."
    for section, items in entries:
        for k, t in items:
            if pages[k]['href'] == page: return html.escape(f"{section} › {t or pages[k]['title']}" if section else t or pages[k]['title'])
    return 'Pages'

def navbar_html(nbs:Path, pages:dict, page:str) -> str:
    "Links of `website.navbar.left` in nbs/_quarto.yml."
    q = yaml.safe_load((nbs/'_quarto.yml').read_text()) if (nbs/'_quarto.yml').exists() else {}
    out = []
    for o in (((q or {}).get('website') or {}).get('navbar') or {}).get('left') or []:
        key, text = (o, None) if isinstance(o, str) else (o.get('href'), o.get('text'))
        if key not in pages: raise ValueError(f"_quarto.yml's navbar links to {key!r}, which is not a notebook in nbs/.")
        out.append(f'<a class="nav-link" href="{html.escape(rel_url(pages[key]["href"], page))}">{html.escape(text or pages[key]["title"])}</a>')
    return ''.join(out)

def pagenav_html(order:list, pages:dict, page:str) -> str:
    "Links to the previous and next pages in the sidebar's order (Quarto's `page-navigation`)."
    hrefs = [pages[k]['href'] for k in order]
    if page not in hrefs: return ''
    i = hrefs.index(page)
    def link(j, cls, arrow):
        if not 0 <= j < len(order): return '<span></span>'
        p = pages[order[j]]
        return f'<a class="{cls}" href="{html.escape(rel_url(p["href"], page))}">{arrow} {html.escape(p["title"])}</a>'
    return f'<nav class="page-navigation">{link(i-1, "nav-prev", "←")}{link(i+1, "nav-next", "→")}</nav>'

def render_page(md:str, fm:dict, page:str, sitetitle:str, tmpdir:Path) -> str:
    "Standalone HTML for one page (pandoc), before the sidebar is put in."
    meta = {'title': fm.get('title', Path(page).stem), 'sitetitle': sitetitle,
            'rootrel': '../' * page.count('/')}
    if fm.get('description'): meta['description'] = fm['description']
    src = tmpdir/'page.md'
    src.write_text('---\n' + yaml.safe_dump(meta, allow_unicode=True) + '---\n\n' + md)
    tpl = tmpdir/'template.html'
    if not tpl.exists(): tpl.write_text(_template)
    cmd = ['pandoc', str(src), '-f', 'markdown-smart', '-t', 'html5', '--standalone', f'--template={tpl}', '--toc',
           '--toc-depth=3', '--highlight-style=pygments', '--wrap=none']
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode: raise RuntimeError(f"pandoc failed on {page}:\n{r.stderr}")
    return r.stdout

def error_page(title:str, msg:str) -> str:
    "Markdown for a page whose notebook could not be processed (so the failure shows in the site too)."
    return ("This page could not be built: nbdev's docs processing failed.\n\n" + fence(msg, '.cell-output .cell-output-error'))

def build(out:Path, force:bool=False, n_workers:int=2, process:bool=True, execute:list=(), executed:Path=None) -> int:
    "Process the notebooks and render the site into `out`; return the number of pages that failed."
    sys.path.insert(0, str(root))
    from nbdev.config import get_config, nbpath2html
    cfg = get_config(str(root))
    nbs, build = Path(cfg.nbs_path), Path(tempfile.gettempdir())/f'learnlib-docs-{hashlib.md5(str(root).encode()).hexdigest()[:8]}'
    cache = build/'_proc'
    if process:
        errors = process_notebooks(nbs, build, n_workers, force, execute, executed)
        (build/'errors.json').write_text(json.dumps(errors))
    else: errors = json.loads((build/'errors.json').read_text()) if (build/'errors.json').exists() else {}
    ran = set(json.loads((build/'executed.json').read_text())) if (build/'executed.json').exists() else set()
    site_url = f"{cfg.get('doc_host', '')}{cfg.get('doc_baseurl', '')}".rstrip('/') + '/' if cfg.get('doc_host') else ''
    pages = {}   # key: notebook path relative to nbs/ -> page info
    for p in sorted(nbs.rglob('*.ipynb')):
        rel = p.relative_to(nbs)
        if any(o.startswith(('.', '_')) for o in rel.parts): continue
        key = str(rel)
        proc = cache/rel
        nb = json.loads(proc.read_text()) if proc.exists() and key not in errors else {'cells': []}
        fm = read_fm(nb) if nb['cells'] else {}
        href = str(rel.parent/fm.get('output-file', nbpath2html(rel).name))
        href = href[2:] if href.startswith('./') else href
        title = fm.get('title') or source_title(p) or key
        pages[key] = dict(href=href, title=title, source=f'nbs/{key}', module=default_exp(p), nb=nb, fm=fm,
                          executed=key in ran)
    entries = sidebar_entries(nbs, pages)
    order = list(dict.fromkeys(k for _, items in entries for k, _ in items))
    listed = set(order)
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    (out/'site.css').write_text(_css)
    for f in cache.rglob('*') if cache.exists() else []:
        if f.suffix.lower() in ('.css', '.png', '.jpg', '.jpeg', '.svg', '.gif') and f.is_file():
            (out/f.relative_to(cache)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, out/f.relative_to(cache))
    nb_pages = {k: v['href'] for k, v in pages.items()}
    failed = len(errors)
    with tempfile.TemporaryDirectory() as d:
        for key, p in pages.items():
            md = error_page(p['title'], errors[key]) if key in errors else notebook_md(p['nb'])
            try: body = render_page(md, p['fm'], p['href'], cfg.get('title', cfg.lib_name), Path(d))
            except RuntimeError as e:
                print(e, file=sys.stderr); failed += 1; continue
            body = fix_links(body, p['href'], site_url, nb_pages, os.path.dirname(key))
            body = body.replace('<table', '<div class="table-scroll"><table').replace('</table>', '</table></div>')
            body = (body.replace('@@SIDEBAR@@', sidebar_html(entries, pages, p['href']))
                        .replace('@@CRUMB@@', crumb_text(entries, pages, p['href']))
                        .replace('@@NAVBAR@@', navbar_html(nbs, pages, p['href']))
                        .replace('@@PAGENAV@@', pagenav_html(order, pages, p['href'])))
            dest = out/p['href']
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(body)
    manifest = [dict(href=p['href'], title=p['title'], source=p['source'], module=p['module'], in_sidebar=k in listed,
                     executed=p['executed'], error=errors.get(k)) for k, p in pages.items()]
    (out/'pages.json').write_text(json.dumps(manifest, indent=1))
    for k in pages:
        if k not in listed: print(f"note: {k} is not in nbs/sidebar.yml")
    for k, e in errors.items(): print(f"FAILED to process {k}:\n{e}\n", file=sys.stderr)
    print(f"rendered {len(pages) - len(errors)} of {len(pages)} pages into {out}")
    return failed

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog='\n'.join(__doc__.splitlines()[2:]))
    ap.add_argument('--out', default='_site', help='folder to write the site into, relative to the repo root (default: _site)')
    ap.add_argument('--force', action='store_true', help="reprocess every notebook (ignore nbdev's _proc cache)")
    ap.add_argument('--workers', type=int, default=2, help='processes for nbdev\'s notebook processing (default: 2)')
    ap.add_argument('--execute', nargs='+', metavar='GLOB', default=['*.ipynb', 'tutorials/*.ipynb'],
                    help="run only the notebooks matching GLOB (relative to nbs/) before rendering (default: all of them)")
    ap.add_argument('--no-execute', action='store_true', help="render the notebooks as they are in git, without outputs")
    ap.add_argument('--executed', type=Path, default=None, metavar='DIR',
                    help="take the executed notebooks from DIR, saved there by `tools/run_notebooks.py --save DIR`, "
                         "instead of running them again")
    ap.add_argument('--no-process', action='store_true', help='render the notebooks processed last time, without processing')
    a = ap.parse_args()
    if not shutil.which('pandoc'): sys.exit("pandoc is not installed: run `apt-get install -y pandoc`.")
    out = Path(a.out) if Path(a.out).is_absolute() else root/a.out
    execute = [] if a.no_execute else a.execute
    executed = None if a.executed is None else a.executed.resolve()
    sys.exit(1 if build(out, a.force, a.workers, not a.no_process, execute, executed) else 0)
