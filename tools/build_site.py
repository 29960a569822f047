"""The course as a static site (`make site`): the executed notebooks of one `make run`, as pages.

Usage (from the project root, inside the virtual environment):
    python tools/build_site.py            # artifacts/runs/latest -> artifacts/site/
    python tools/build_site.py --run artifacts/runs/20261205-054509-workshop --out /some/folder

mkdocs, mkdocs-material and mkdocs-jupyter (pinned in pyproject.toml's dev extra) build the site
from a mkdocs project this tool writes into a temporary folder, never into the source tree:
- index.html lists every notebook of the run: what it teaches (its header's "What you will
  learn"), its measured run time, its headline figure against its target and its result (from the
  run's results.json);
- one page per notebook: the executed notebook with its outputs and figures (PNG figures stay
  embedded in the page, as the notebook holds them), under a banner with the profile, device,
  backend and date of the run, the result and every recorded figure; material's navigation gives
  previous/next links and a table of contents;
- a notebook whose dataset was unavailable, or that was skipped, gets a page that says so and how
  to fix it (from the run report) instead of a half-executed notebook.
The build needs no network (the theme's web fonts are off) and checks its result (`check_site`):
every page present and linked from the index, each with its banner, and every figure of a
notebook on its page. It is built in a temporary folder first, so a failed build leaves the last
site as it was. Exit status 0 when built, 1 when the build or its check failed, 2 with no run.
"""

import argparse
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load_run_report():
    """tools/run_report.py (the figure format), loaded by its path so that no other run_report can shadow it."""
    spec = importlib.util.spec_from_file_location("run_report", ROOT / "tools" / "run_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_report = _load_run_report()

SITE_NAME = "Keras workshop"
# Every page's banner carries this class (check_site and the tests look for it).
BANNER_CLASS = "workshop-run"
# Outputs that nbconvert writes as <img src="data:...">.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
# Statuses whose page says why the notebook is not shown, instead of showing it.
NOT_RENDERED = ("dataset unavailable", "skipped")
# In every site this tool writes: only a folder holding it is ever replaced.
MARKER = ".keras-workshop-site"


class NoRun(Exception):
    """There is no run to build the site from."""


@dataclass
class Entry:
    """One notebook of the run, as the site shows it."""

    name: str  # file stem, e.g. 01_anatomy_of_a_keras_program
    title: str  # "01 · Anatomy of a Keras program"
    learn: list = field(default_factory=list)  # the header's "What you will learn" items (Markdown)
    result: dict = field(default_factory=dict)  # its record in results.json
    notebook: object = None  # the executed notebook (nbformat node), None where the run left none

    @property
    def status(self):
        return self.result.get("status", "missing")

    @property
    def rendered(self):
        """Whether its page is the executed notebook (else a page that says why not)."""
        return self.notebook is not None and self.status not in NOT_RENDERED

    @property
    def page(self):
        """Its source file in the mkdocs project."""
        return f"{self.name}.ipynb" if self.rendered else f"{self.name}.md"

    @property
    def html(self):
        """Its page in the built site."""
        return f"{self.name}.html"

    @property
    def run_time(self):
        if self.status == "skipped":
            return "skipped"
        if self.status == "dataset unavailable":
            return "not measured (no dataset)"
        return f"{self.result.get('seconds', 0):.0f} s"

    @property
    def headline(self):
        metrics = self.result.get("metrics") or []
        return run_report.figure(metrics[0]) if metrics else "-"

    @property
    def verdict(self):
        return "PASS" if self.status == "passed" else self.status.upper()


# --- Reading the run ------------------------------------------------------------------------


def default_run():
    """artifacts/runs/latest (WORKSHOP_ARTIFACTS moves the artifacts folder, as in paths.py)."""
    return Path(os.environ.get("WORKSHOP_ARTIFACTS", ROOT / "artifacts")) / "runs" / "latest"


def default_out():
    return Path(os.environ.get("WORKSHOP_ARTIFACTS", ROOT / "artifacts")) / "site"


def load_run(run_dir):
    """Return the run's results.json as a dict; raise NoRun where there is none."""
    run_dir = Path(run_dir)
    results = run_dir / "results.json"
    if not results.is_file():
        raise NoRun(
            f"No run to build the site from: {results} does not exist.\n"
            "Run the notebooks first: `make run` (then `make site`), or name a run folder: "
            "`make site RUN=artifacts/runs/<time>-<profile>`."
        )
    return json.loads(results.read_text())


def read_header(nb):
    """Return (title, learn items) from a notebook's first cell: "# NN · Title", then the items
    under "**What you will learn**" (continuation lines joined)."""
    first = nb.cells[0].source if nb.cells and nb.cells[0].cell_type == "markdown" else ""
    lines = first.splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), "")
    learn, inside = [], False
    for line in lines:
        if "What you will learn" in line:
            inside = True
        elif inside and line.startswith("- "):
            learn.append(line[2:].strip())
        elif inside and line.startswith("  ") and learn:
            learn[-1] += " " + line.strip()
        elif inside and learn:
            break
    return title, learn


def load_entries(run_dir, record, notebooks_dir=ROOT / "notebooks"):
    """One Entry per notebook of the run, in the run's order."""
    import nbformat

    entries = []
    for result in record.get("notebooks", []):
        name = result["notebook"]
        executed = Path(run_dir) / f"{name}.ipynb"
        source = Path(notebooks_dir) / f"{name}.ipynb"
        nb = nbformat.read(executed, as_version=4) if executed.is_file() else None
        header_nb = nb
        if header_nb is None and source.is_file():  # skipped: the run left no executed copy
            header_nb = nbformat.read(source, as_version=4)
        title, learn = read_header(header_nb) if header_nb is not None else ("", [])
        entries.append(Entry(name, title or name, learn, result, nb))
    return entries


# --- Writing the mkdocs project -------------------------------------------------------------


def run_line(record):
    """'the `workshop` profile, TensorFlow backend, CPU (2 cores), run of 2026-12-05 05:52'."""
    profile, backend, device, date = (
        html.escape(str(record.get(key, "?"))) for key in ("profile", "backend", "device", "date")
    )
    return f"the <code>{profile}</code> profile, {backend} backend, on {device}, run of {date}"


def banner(entry, record):
    """The HTML box atop a page: the run it shows, the result and every recorded figure."""
    kind = {"passed": "success", "skipped": "note", "dataset unavailable": "warning"}.get(entry.status, "failure")
    figures = "".join(f"<li>{html.escape(run_report.figure(m))}</li>" for m in entry.result.get("metrics") or [])
    parts = [
        f'<div class="admonition {kind} {BANNER_CLASS}">',
        f'<p class="admonition-title">{html.escape(entry.verdict)}'
        + ("" if entry.status in NOT_RENDERED else f" · {html.escape(entry.run_time)}")
        + "</p>",
        f"<p>Executed in {run_line(record)}.</p>",
    ]
    if figures:
        parts.append(f"<p>Figures it recorded (target):</p><ul>{figures}</ul>")
    if entry.status == "skipped":
        parts.append(f"<p>Why: {html.escape(entry.result.get('why', ''))}</p>")
    elif entry.status != "passed":
        pre = '<pre style="white-space: pre-wrap">'
        parts.append(
            f"<p>Why:</p>{pre}{html.escape(entry.result.get('why', ''))}</pre>"
            f"<p>How to fix it:</p>{pre}{html.escape(entry.result.get('fix', ''))}</pre>"
        )
    parts.append("</div>")
    return "\n".join(parts)


def notebook_page(entry, record):
    """The executed notebook with the banner under its title (a copy: the run stays as it is)."""
    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(entry.notebook)))
    first = nb.cells[0]
    title_line, _, rest = first.source.partition("\n")
    first.source = title_line
    nb.cells[1:1] = [
        nbformat.v4.new_markdown_cell(banner(entry, record)),
        nbformat.v4.new_markdown_cell(rest),
    ]
    return nbformat.writes(nb)


def unrendered_page(entry, record):
    """A page for a notebook the run could not show: what it teaches, why not, how to fix it."""
    lines = [f"# {entry.title}", "", banner(entry, record), ""]
    if entry.status == "dataset unavailable":
        lines += [
            (
                "This notebook's dataset was not available when the course was run, so its "
                "outputs are not shown here. Fix the data as the box says, then `make run` and "
                "`make site` again."
            ),
            "",
        ]
    if entry.learn:
        lines += ["**What you will learn**", ""] + [f"- {item}" for item in entry.learn] + [""]
    return "\n".join(lines)


def index_page(entries, record, run_dir):
    """The home page: the run, then one row and one short section per notebook."""
    passed = sum(e.status == "passed" for e in entries)
    total = sum(e.result.get("seconds", 0) for e in entries)
    lines = [
        f"# {SITE_NAME}",
        "",
        (
            "A hands-on course in deep learning with Keras 3. Each page is a notebook of the "
            "course as it ran, with its outputs and figures."
        ),
        "",
        (
            f"Shown here: {run_line(record)} ({html.escape(Path(run_dir).resolve().name)}); "
            f"{passed} of {len(entries)} notebooks passed, {total:.0f} s in all."
        ),
        "",
        "| notebook | run time | headline figure (target) | result |",
        "|---|---|---|---|",
    ]
    for e in entries:
        lines.append(f"| [{e.title}]({e.page}) | {e.run_time} | {e.headline} | {e.verdict} |")
    lines += ["", "## What each notebook teaches", ""]
    for e in entries:
        lines += [f"### [{e.title}]({e.page})", ""] + [f"- {item}" for item in e.learn] + [""]
    return "\n".join(lines)


def mkdocs_config(entries, site_dir):
    nav = [{"Home": "index.md"}] + [{e.title: e.page} for e in entries]
    return {
        "site_name": SITE_NAME,
        "site_dir": str(site_dir),
        "docs_dir": "docs",
        # Pages as NAME.html: the site also reads from disk (file://), without a server.
        "use_directory_urls": False,
        "theme": {
            "name": "material",
            "font": False,  # no fonts from Google: builds and reads offline
            "features": ["navigation.footer", "toc.follow"],
        },
        "markdown_extensions": ["admonition", "tables", {"toc": {"permalink": True}}],
        "plugins": [
            "search",
            {
                "mkdocs-jupyter": {
                    "include": ["*.ipynb"],
                    "cache": False,
                    "toc_depth": 3,
                    "include_requirejs": False,
                }
            },
        ],
        "nav": nav,
    }


def write_project(entries, record, run_dir, project, site_dir):
    docs = Path(project) / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text(index_page(entries, record, run_dir))
    for e in entries:
        text = notebook_page(e, record) if e.rendered else unrendered_page(e, record)
        (docs / e.page).write_text(text)
    # JSON is YAML: no YAML writer needed.
    config = Path(project) / "mkdocs.yml"
    config.write_text(json.dumps(mkdocs_config(entries, site_dir), indent=1, ensure_ascii=False))
    return config


# --- Checking the result --------------------------------------------------------------------


def expected_images(nb):
    """How many <img> figures a notebook's outputs should give its page."""
    return sum(
        1
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        for kind in output.get("data", {})
        if kind in IMAGE_TYPES
    )


def check_site(site_dir, entries):
    """Return the problems of a built site (empty when it is whole)."""
    site_dir = Path(site_dir)
    index = site_dir / "index.html"
    if not index.is_file():
        return [f"{index} is missing"]
    index_html = index.read_text()
    problems = []
    for e in entries:
        page = site_dir / e.html
        if f'href="{e.html}"' not in index_html:
            problems.append(f"index.html does not link {e.html}")
        if not page.is_file():
            problems.append(f"{e.html} is missing")
            continue
        text = page.read_text()
        if BANNER_CLASS not in text:
            problems.append(f"{e.html} has no run banner")
        if html.escape(e.title, quote=False) not in text:
            problems.append(f"{e.html} does not show its title {e.title!r}")
        if e.rendered:
            want = expected_images(e.notebook)
            found = len(re.findall(r'<img[^>]+src="data:image/', text))
            if found < want:
                problems.append(f"{e.html} shows {found} of the notebook's {want} figures")
    return problems


# --- Building -------------------------------------------------------------------------------


def build(run_dir, out_dir, notebooks_dir=ROOT / "notebooks"):
    """Build the site of one run into out_dir; return (entries, problems). Raises NoRun.

    The site is built and checked in a temporary folder first: a failed build leaves out_dir alone.
    """
    run_dir, out_dir = Path(run_dir), Path(out_dir).resolve()
    record = load_run(run_dir)
    entries = load_entries(run_dir, record, notebooks_dir)
    if not entries:
        raise NoRun(f"The run in {run_dir} holds no notebooks: run `make run` first.")
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        return entries, [f"{out_dir} exists and is not a site this tool wrote: choose another --out"]
    with tempfile.TemporaryDirectory(prefix="keras-workshop-site-") as project:
        site = Path(project) / "site"
        config = write_project(entries, record, run_dir, project, site)
        # mkdocs-material 9.7+ prints an end-of-life notice on stderr unless told not to.
        env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--quiet", "--strict", "-f", str(config)],
            check=False,
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or done.stderr.strip():
            output = (done.stderr or done.stdout).strip()
            return entries, [f"mkdocs build failed (exit {done.returncode}):\n{output}"]
        problems = check_site(site, entries)
        if not problems:
            (site / MARKER).write_text("Built by tools/build_site.py; `make site` replaces this folder.\n")
            if out_dir.exists():
                shutil.rmtree(out_dir)
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(site), out_dir)
    return entries, problems


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the course site from a run of `make run`.")
    parser.add_argument("--run", default=None, help="run folder (default: artifacts/runs/latest)")
    parser.add_argument("--out", default=None, help="where the site goes (default: artifacts/site)")
    parser.add_argument("--notebooks-dir", default=str(ROOT / "notebooks"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    run_dir = Path(args.run) if args.run else default_run()
    out_dir = Path(args.out) if args.out else default_out()
    start = time.perf_counter()
    try:
        entries, problems = build(run_dir, out_dir, args.notebooks_dir)
    except NoRun as exc:
        print(exc, file=sys.stderr)
        return 2
    if problems:
        print("Site not built:\n" + "\n".join(f"- {p}" for p in problems), file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    print(
        f"Site of {len(entries)} notebooks ({run_dir.resolve().name}) built in {seconds:.1f} s: "
        f"{out_dir / 'index.html'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
