"""The course site in a real browser: every page loads over HTTP with its title and figures.

The site is built from a real run of the main job (tools/runner.py) in the `smoke` profile, into a
temporary artifacts folder, of two small notebooks written here in the course's header form: one
prints text and a table, one draws two matplotlib figures. Neither loads Keras, so the run takes a
few seconds; a real notebook's page is checked by `make site` after `make run` (tests/test_site.py
checks the build itself). To check the site of another run, e.g. a whole workshop run, set
KERAS_WORKSHOP_SITE_RUN=artifacts/runs/latest (with KERAS_WORKSHOP_SITE_NOTEBOOKS for its notebooks
folder, notebooks/ by default). The browser may not reach beyond the local server: the site must
read offline.
"""

import functools
import http.server
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402
import runner  # noqa: E402

TEXT_NOTEBOOK = "00_text_on_a_page"
TEXT_HEADER = """# 00 · Text on a page

**What you will learn**
- how the site shows a notebook's printed output;
- how it shows a table.

**Run time:** a few seconds."""
TEXT_CODE = """import pandas as pd

print("hello from the first page")
pd.DataFrame({"epoch": [1, 2], "accuracy": [0.91, 0.95]})"""
FIGURES_NOTEBOOK = "01_figures_on_a_page"
FIGURES_HEADER = """# 01 · Figures on a page

**What you will learn**
- how the site shows a notebook's figures;
- how its pages link to each other.

**Run time:** a few seconds."""
FIGURES_CODE = """import matplotlib.pyplot as plt

for power in (1, 2):
    plt.figure(figsize=(3, 2))
    plt.plot(range(10), [x**power for x in range(10)])
    plt.title(f"x to the power {power}")
    plt.show()
print("two figures")"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """(run folder, notebooks folder) of a smoke run of the main job over the two notebooks above."""
    if os.environ.get("KERAS_WORKSHOP_SITE_RUN"):
        books = Path(os.environ.get("KERAS_WORKSHOP_SITE_NOTEBOOKS", ROOT / "notebooks"))
        return Path(os.environ["KERAS_WORKSHOP_SITE_RUN"]), books
    books = tmp_path_factory.mktemp("notebooks")
    notebooks = [(TEXT_NOTEBOOK, TEXT_HEADER, TEXT_CODE), (FIGURES_NOTEBOOK, FIGURES_HEADER, FIGURES_CODE)]
    for name, header, code in notebooks:
        cells = [nbformat.v4.new_markdown_cell(header), nbformat.v4.new_code_cell(code)]
        nbformat.write(nbformat.v4.new_notebook(cells=cells), books / f"{name}.ipynb")
    artifacts = tmp_path_factory.mktemp("artifacts")
    with pytest.MonkeyPatch.context() as monkeypatch:  # the main job, in this process (Keras is loaded here)
        monkeypatch.setenv("WORKSHOP_ARTIFACTS", str(artifacts))
        monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")
        assert runner.main(["--notebooks-dir", str(books), "--profile", "smoke"]) == 0
    return artifacts / "runs" / "latest", books


@pytest.fixture(scope="module")
def site(run_dir, tmp_path_factory):
    """(base URL, entries): the site built from the run, served on a free local port."""
    out = tmp_path_factory.mktemp("site") / "site"
    run, books = run_dir
    entries, problems = build_site.build(run, out, books)
    assert problems == []
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", entries
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no line per request on stderr
        pass


def open_page(page, url):
    """Go to url, every request beyond the local server refused; return (response, refused URLs)."""
    refused = []

    def only_local(route):
        if urlparse(route.request.url).hostname in (
            "127.0.0.1",
            None,
        ) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.unroute("**/*")
    page.route("**/*", only_local)
    response = page.goto(url, wait_until="load")
    return response, refused


def figures(page):
    """naturalWidth of every image in the page's content (0: it did not decode)."""
    return page.eval_on_selector_all("article img", "images => images.map(i => i.complete ? i.naturalWidth : 0)")


def test_the_index_links_every_notebook_of_the_run(page, site):
    base, entries = site
    assert len(entries) >= 2, "a site of one page tests no links between pages"
    response, refused = open_page(page, base)
    assert response.status == 200 and refused == []
    assert page.title() == build_site.SITE_NAME
    links = page.eval_on_selector_all("article a", "links => links.map(a => a.getAttribute('href'))")
    assert all(entry.html in links for entry in entries)
    page.click("a.md-footer__link--next")
    page.wait_for_load_state()
    assert page.url == base + entries[0].html


def test_every_page_loads_with_its_title_banner_and_figures(page, site):
    base, entries = site
    assert any(build_site.expected_images(e.notebook) for e in entries if e.rendered), "no page with figures"
    for entry in entries:
        response, refused = open_page(page, base + entry.html)
        assert response.status == 200 and refused == [], entry.html
        assert page.title().startswith(entry.title), entry.html
        assert page.locator(f".{build_site.BANNER_CLASS}").count() == 1, entry.html
        widths = figures(page)
        want = build_site.expected_images(entry.notebook) if entry.rendered else 0
        assert len(widths) >= want and all(w > 0 for w in widths), (entry.html, widths, want)


def test_a_figure_that_does_not_decode_is_seen(page, site):
    """The figure check can fail: an image whose data is broken has naturalWidth 0."""
    base, _ = site
    open_page(page, base)
    page.evaluate(
        "document.querySelector('article').insertAdjacentHTML('beforeend', '<img src=\"data:image/png;base64,AAAA\">')"
    )
    page.wait_for_timeout(100)
    assert 0 in figures(page)
