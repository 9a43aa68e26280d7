"""Browser test of the local docs site: `python tools/test_docs.py [--site _site] [--screenshots DIR PAGE ...]`.

Serves the site built by `python tools/render_docs.py` over HTTP and opens every page in Debian's headless
chromium (driven by Playwright, which is told to use `/usr/bin/chromium`: no browser is downloaded). Each page
must load without a JavaScript error, show its title and the sidebar, show no Python traceback, and every
link that stays inside the site must reach an existing page and, when it has a `#fragment`, an element with
that id. A module's page must have an API section (a heading) for every function and class its module
exports, and every notebook must be in the sidebar. Notebook directives (`#| ...`) and show_doc source must not show.

Layout and reading, at phone and desktop widths (390, 1024, 1280 and 1920 px): no page scrolls sideways, and
nothing in the content runs under the table of contents (a wide table or code block scrolls in its own box).
API signatures show the types the code declares (never `NoneType` or `function`), `class` for a class, and fit
their box at 1280 px (descriptions are in the parameter table, not in comments); parameter tables never scroll
sideways. Outputs: no progress-bar
redraws or empty progress-bar lines, no table with a header and no rows, a paragraph that ends with a colon
and promises a table, a plot or printed output is followed by it, and tutorials show their outputs. The
sidebar names each page by its title, no two entries alike, with Learner first in the API section.
Prints one line per failure and exits 1 if any.

Needs: `apt-get install -y chromium` and `pip install playwright` (no `playwright install`).
"""
import argparse, functools, http.server, importlib, inspect, json, os, re, sys, threading
from pathlib import Path
from urllib.parse import urljoin, urlsplit, unquote

root = Path(__file__).resolve().parent.parent

def find_chromium() -> str:
    for p in (os.environ.get('CHROMIUM'), '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'):
        if p and Path(p).exists(): return p
    sys.exit("No chromium found: run `apt-get install -y chromium` (or set CHROMIUM to the browser's path).")

def serve(site:Path):
    "Serve `site` on a free local port in a background thread; return (server, base url)."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'

def api_names(module:str) -> list:
    "Functions and classes that `learnlib.<module>` exports (defined there or re-exported): each needs an API section."
    sys.path.insert(0, str(root))
    mod = importlib.import_module(f'learnlib.{module}')
    return [n for n in getattr(mod, '__all__', []) if inspect.isfunction(o := getattr(mod, n)) or inspect.isclass(o)]

def module_classes(module:str|None) -> set:
    "Names of the classes `learnlib.<module>` exports (shown with `class`, not `def`)."
    if not module or module == 'all': return set()
    if str(root) not in sys.path: sys.path.insert(0, str(root))
    mod = importlib.import_module(f'learnlib.{module}')
    return {n for n in getattr(mod, '__all__', []) if inspect.isclass(getattr(mod, n))}

_page_js = """() => ({
  title: (document.querySelector('h1.title') || {}).innerText || '',
  text: document.body.innerText,
  headings: [...document.querySelectorAll('main h2, main h3, main h4')].map(h => h.innerText.trim()),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  sidebar: [...document.querySelectorAll('#sidebar a[href]')].map(a => a.href),
  errors: document.querySelectorAll('.cell-output-error').length,
})"""

_layout_js = """() => {
  const vw = document.documentElement.clientWidth, res = {overflow: document.documentElement.scrollWidth - vw, wide: [], under_toc: []};
  const toc = document.querySelector('#TOC');
  const tocLeft = toc && getComputedStyle(toc).display !== 'none' ? toc.getBoundingClientRect().left : null;
  const label = e => (e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
      ' "' + (e.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 50) + '"');
  // the outermost elements past `limit`; the inside of a box that scrolls (or clips) is that box's business
  const walk = (e, limit, out) => {
    const r = e.getBoundingClientRect(), n = out.length;
    if (r.width > 0 && r.right > limit + 1) { out.push(label(e) + ' ends at ' + Math.round(r.right) + ' px'); return; }
    if (e !== document.body && ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX)) return;
    for (const c of e.children) walk(c, limit, out);
    // no child sticks out, but its text does (a long word that cannot wrap)
    if (out.length === n && r.width > 0 && r.left + e.scrollWidth > limit + 1 && e.scrollWidth > e.clientWidth + 1)
      out.push(label(e) + ' has text ' + e.scrollWidth + ' px wide in a box of ' + e.clientWidth + ' px');
  };
  if (res.overflow > 1) walk(document.body, vw, res.wide);
  // a parameter table fits its box: every description reads without scrolling sideways
  res.param_tables = [...document.querySelectorAll('.param-table')].filter(d => d.scrollWidth > d.clientWidth + 1)
    .map(d => label(d.querySelector('td') || d));
  const main = document.querySelector('main');
  if (main && tocLeft !== null) for (const c of main.children) walk(c, tocLeft, res.under_toc);
  return res;
}"""

_reading_js = """() => {
  const sigs = [];
  let heading = '';
  for (const e of document.querySelectorAll('main h2, main h3, main h4, main pre')) {
    if (e.tagName !== 'PRE') { heading = e.innerText.trim(); continue; }
    const text = e.innerText;
    // a show_doc signature: outside the notebook's code cells (code a page shows as an example is in a .cell)
    if (!e.closest('.cell') && /^(async def|def|class) /.test(text)) sigs.push({heading, text, scrolls: e.scrollWidth > e.clientWidth + 1});
  }
  const outputs = [...document.querySelectorAll('main [class*="cell-output"]')];
  const isOutput = e => e.matches('[class*="cell-output"]') || e.querySelector('[class*="cell-output"]') !== null;
  const promises = [];
  for (const p of document.querySelectorAll('main > p')) {
    const t = p.innerText.trim(), last = t.split(/\\.\\s/).pop();   // the promise is in the last sentence
    if (!/:$/.test(t) || !/(table below|below:|\\bprinted\\b|\\bprints\\b|\\bthe plot\\b|plots are shown|results table|the output)/i.test(last)) continue;
    const next = p.nextElementSibling;
    if (next && next.classList.contains('cell') && !isOutput(next)) promises.push(t.slice(-120));
  }
  const lone = [...document.querySelectorAll('main table')].filter(t => t.rows.length === 1 && t.querySelector('th'))
    .map(t => t.innerText.trim().replace(/\\s+/g, ' ').slice(0, 80));
  const pres = [...document.querySelectorAll('main pre')].map(e => e.innerText);
  return {sigs, n_outputs: outputs.length, promises, lone, pres, progress: document.querySelectorAll('main progress').length};
}"""

_sidebar_js = """() => [...document.querySelectorAll('#sidebar a')].map(a => ({text: a.innerText.trim(), href: a.getAttribute('href'),
  section: ((a.closest('.section') || {}).querySelector ? a.closest('.section').querySelector('.section-title').innerText.trim() : '')}))"""

_progress_line = re.compile(r'^\s*Epoch \d+/\d+ :\s*$|\|[█-]{5,}\|\s*\d+\.\d+% \[\d+/\d+|^\s*█')
_widths = [(390, 844), (1024, 768), (1280, 900), (1920, 1080)]

def check_reading(p:dict, info:dict, classes:set, fail):
    "API signatures, outputs and wording of one page (`info` from `_reading_js`)."
    for sig in info['sigs']:
        first = sig['text'].splitlines()[0]
        bad = sorted(set(re.findall(r':(NoneType|function)\b', sig['text'])))
        if bad: fail(f"signature of {sig['heading']!r} shows the type(s) {bad}, not what the code declares: {first[:80]}")
        if sig['heading'].split('.')[-1] in classes and first.startswith('def '):
            fail(f"class {sig['heading']!r} is shown as a function: {first[:80]}")
        if sig['scrolls']: fail(f"signature of {sig['heading']!r} does not fit its box at 1280 px (it scrolls sideways)")
        if re.search(r'#\s', sig['text']): fail(f"signature of {sig['heading']!r} carries its descriptions as comments")
    bars = sorted({l.strip()[:60] for t in info['pres'] for l in t.splitlines() if _progress_line.search(l)})
    if bars: fail(f"shows progress-bar lines in outputs: {bars[:3]}")
    if info['progress']: fail(f"shows {info['progress']} progress bar(s) left from a run")
    for t in info['lone']: fail(f"shows a table with a header and no rows: {t!r}")
    if p.get('executed'):
        for t in info['promises']: fail(f"promises an output that does not follow: ...{t!r}")
        if (p['href'].startswith('tutorials/') or p['href'] in ('index.html', 'demo.html')) and not info['n_outputs']:
            fail("shows no output at all (the site must be built from executed notebooks)")

def check_layout(page, base:str, manifest:list, screenshots:Path=None, shots=()) -> list:
    "Open every page at phone and desktop widths: no sideways scrolling, nothing under the table of contents."
    failures = []
    for w, h in _widths:
        page.set_viewport_size({'width': w, 'height': h})
        for p in manifest:
            if p.get('error'): continue
            page.goto(base + p['href'])
            res = page.evaluate(_layout_js)
            if res['overflow'] > 1 and w in (390, 1280):
                failures.append(f"{p['href']}: at {w} px the page is {res['overflow']} px wider than the screen: "
                                f"{'; '.join(res['wide'][:3])}")
            if res['param_tables']:
                failures.append(f"{p['href']}: at {w} px {len(res['param_tables'])} parameter table(s) scroll sideways, "
                                f"e.g. the one starting {res['param_tables'][0]}")
            if res['under_toc']:
                failures.append(f"{p['href']}: at {w} px content runs under the table of contents: {'; '.join(res['under_toc'][:3])}")
            if screenshots and p['href'] in shots and w in (390, 1280):
                dest = screenshots/(p['href'].replace('/', '_').replace('.html', f'_{w}.png'))
                page.screenshot(path=str(dest), full_page=False)
                print(f"screenshot of {p['href']} at {w} px: {dest}")
    return failures

def check_sidebar(entries:list, manifest:list) -> list:
    "Sidebar entries named after their pages' titles, no two alike, Learner first among the API pages."
    failures, titles = [], {p['href']: p['title'] for p in manifest}
    texts = [e['text'] for e in entries]
    failures += [f"sidebar: two entries are called {t!r}" for t in sorted({t for t in texts if texts.count(t) > 1})]
    for e in entries:
        if e['section'] and titles.get(e['href']) not in (None, e['text']):
            failures.append(f"sidebar: the entry {e['text']!r} leads to the page titled {titles[e['href']]!r}")
    api = [e['href'] for e in entries if e['section'] == 'API']
    if api and api[0] != 'learner.html': failures.append(f"sidebar: the API section starts with {api[0]}, not learner.html")
    return failures

def check_site(site:Path, screenshots:Path=None, shots=()) -> list:
    "Open every page of `site`; return the list of failures (empty when all is well)."
    from playwright.sync_api import sync_playwright
    manifest = json.loads((site/'pages.json').read_text())
    failures, seen = [], {}
    srv, base = serve(site)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), args=['--no-sandbox'])
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            js_errors, sidebar = [], []
            page.on('pageerror', lambda e: js_errors.append(str(e)))
            for p in manifest:
                href, fail = p['href'], (lambda msg, h=p['href']: failures.append(f"{h}: {msg}"))
                js_errors.clear()
                resp = page.goto(base + href)
                if resp is None or resp.status != 200:
                    fail(f"did not load (HTTP {resp.status if resp else '?'})"); continue
                info = page.evaluate(_page_js)
                seen[href] = info
                if js_errors: fail(f"JavaScript errors: {js_errors}")
                if p.get('error'):
                    fail(f"failed to build (so its title, API sections and links are not checked):\n{p['error']}")
                    continue
                if not info['title'].strip(): fail("has no title (h1.title)")
                elif info['title'].strip() != p['title']: fail(f"title is {info['title']!r}, expected {p['title']!r}")
                if 'Traceback (most recent call last)' in info['text'] or info['errors']:
                    fail("shows a Python traceback or an error output")
                if 'show_doc(' in info['text']: fail("shows the source of show_doc cells (`echo: false` was not honoured)")
                leaks = sorted({l.strip() for l in info['text'].splitlines() if l.strip().startswith('#|')})
                if leaks: fail(f"shows notebook directives: {leaks[:3]}")
                if re.search(r'\b1 epochs\b', info['text']): fail("says '1 epochs'")
                check_reading(p, page.evaluate(_reading_js), module_classes(p['module']), fail)
                if href == 'index.html': sidebar = page.evaluate(_sidebar_js)
                if not p['in_sidebar']: fail(f"{p['source']} is not in nbs/sidebar.yml: add it there")
                if not info['sidebar']: fail("has no sidebar")
                if p['module'] and p['module'] != 'all':
                    names = api_names(p['module'])
                    heads = set(info['headings'])
                    if not any(h for h in heads if h in names or h.split('.')[0] in names) and not names:
                        fail(f"has no API section (module learnlib.{p['module']} exports no function or class)")
                    missing = [n for n in names if n not in heads]
                    if missing: fail(f"no API section (show_doc) for {', '.join(missing)}")
            if screenshots: screenshots.mkdir(parents=True, exist_ok=True)
            failures += check_layout(page, base, manifest, screenshots, shots)
            browser.close()
    finally: srv.shutdown()
    # links inside the site: the target file exists and, with a fragment, the target page has that id
    # (not checked against pages that failed to build: that failure is reported already)
    pages_by_url = {base + h: h for h in seen}
    broken_pages = {p['href'] for p in manifest if p.get('error')}
    for href, info in seen.items():
        broken = {}
        for link in info['links']:
            url = urljoin(base + href, link)
            if not url.startswith(base): continue
            parts = urlsplit(url)
            target = unquote(parts.path[1:]) or 'index.html'
            if target.endswith('/'): target += 'index.html'
            if not (site/target).is_file(): broken.setdefault(f"{link!r} (no {target} in the site)", 0)
            elif parts.fragment and target in seen and target not in broken_pages and parts.fragment not in seen[target]['ids']:
                broken.setdefault(f"{link!r} (no id {parts.fragment!r} in {target})", 0)
            else: continue
            broken[next(k for k in broken if k.startswith(repr(link)))] += 1
        failures += [f"{href}: broken link {k}" + (f" ({n} times)" if n > 1 else '') for k, n in broken.items()]
    failures += check_sidebar(sidebar, manifest)
    # every page is reachable from the home page's sidebar
    if 'index.html' in seen:
        reach = {pages_by_url.get(u.split('#')[0]) for u in seen['index.html']['sidebar']}
        for p in manifest:
            if p['in_sidebar'] and p['href'] not in reach: failures.append(f"index.html: sidebar has no link to {p['href']}")
    else: failures.append("the site has no index.html")
    return failures

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog='\n'.join(__doc__.splitlines()[2:]))
    ap.add_argument('--site', default='_site', help='the rendered site (default: _site)')
    ap.add_argument('--screenshots', default=None, help='folder to save screenshots of the pages named after it into')
    ap.add_argument('pages', nargs='*', help='pages to screenshot at 390 and 1280 px, e.g. learner.html tutorials/callbacks.html')
    a = ap.parse_args()
    site = Path(a.site) if Path(a.site).is_absolute() else root/a.site
    if not (site/'pages.json').exists(): sys.exit(f"No site in {site}: run `python tools/render_docs.py` first.")
    failures = check_site(site, Path(a.screenshots) if a.screenshots else None, set(a.pages))
    n = len(json.loads((site/'pages.json').read_text()))
    for f in failures: print('FAIL', f)
    print(f"docs browser test: {n} pages, {len(failures)} failures")
    sys.exit(1 if failures else 0)
