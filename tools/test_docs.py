"""Browser test of the local docs site: `python tools/test_docs.py [--site _site] [--screenshots DIR PAGE ...]`.

Serves the site built by `python tools/render_docs.py` over HTTP and opens every page in Debian's headless
chromium (driven by Playwright, which is told to use `/usr/bin/chromium`: no browser is downloaded). Each page
must load without a JavaScript error, show its title and the sidebar, show no Python traceback, and every
link that stays inside the site must reach an existing page and, when it has a `#fragment`, an element with
that id. A module's page must have an API section (a heading) for every function and class its module
exports, and every notebook must be in the sidebar. Notebook directives (`#| ...`) and show_doc source must not show. Prints one line per
failure and exits 1 if any.

Needs: `apt-get install -y chromium` and `pip install playwright` (no `playwright install`).
"""
import argparse, functools, http.server, importlib, inspect, json, os, sys, threading
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

_page_js = """() => ({
  title: (document.querySelector('h1.title') || {}).innerText || '',
  text: document.body.innerText,
  headings: [...document.querySelectorAll('main h2, main h3, main h4')].map(h => h.innerText.trim()),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  sidebar: [...document.querySelectorAll('#sidebar a[href]')].map(a => a.href),
  errors: document.querySelectorAll('.cell-output-error').length,
})"""

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
            js_errors = []
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
                if not p['in_sidebar']: fail(f"{p['source']} is not in nbs/sidebar.yml: add it there")
                if not info['sidebar']: fail("has no sidebar")
                if p['module'] and p['module'] != 'all':
                    names = api_names(p['module'])
                    heads = set(info['headings'])
                    if not any(h for h in heads if h in names or h.split('.')[0] in names) and not names:
                        fail(f"has no API section (module learnlib.{p['module']} exports no function or class)")
                    missing = [n for n in names if n not in heads]
                    if missing: fail(f"no API section (show_doc) for {', '.join(missing)}")
                if screenshots and href in shots:
                    screenshots.mkdir(parents=True, exist_ok=True)
                    dest = screenshots/(href.replace('/', '_').replace('.html', '.png'))
                    page.screenshot(path=str(dest), full_page=False)
                    print(f"screenshot of {href}: {dest}")
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
    ap.add_argument('pages', nargs='*', help='pages to screenshot, e.g. learner.html tutorials/callbacks.html')
    a = ap.parse_args()
    site = Path(a.site) if Path(a.site).is_absolute() else root/a.site
    if not (site/'pages.json').exists(): sys.exit(f"No site in {site}: run `python tools/render_docs.py` first.")
    failures = check_site(site, Path(a.screenshots) if a.screenshots else None, set(a.pages))
    n = len(json.loads((site/'pages.json').read_text()))
    for f in failures: print('FAIL', f)
    print(f"docs browser test: {n} pages, {len(failures)} failures")
    sys.exit(1 if failures else 0)
