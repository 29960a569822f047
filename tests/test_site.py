"""The course site (tools/build_site.py, `make site`) built from a small fake run: nothing executes.

The fake run holds a notebook that passed, one that passed with a PNG figure and two recorded
figures, one whose dataset was unavailable, and one skipped (no executed copy, as under another
backend).
"""

import json
import re
import shutil
import struct
import sys
import zlib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402

RUN = {
    "date": "2026-12-01 10:00",
    "profile": "workshop",
    "backend": "tensorflow",
    "device": "CPU (7 cores)",
}
FIX = "either:\n  - run `make fetch-data`; or\n  - set WORKSHOP_DATA_MIRROR"


def png(width=3, height=2):
    """A small valid PNG (grey pixels)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def notebook(number, title, learn, sections=(), figure=False):
    header = f"# {number} · {title}\n\n**What you will learn**\n" + "\n".join(f"- {item}" for item in learn)
    cells = [nbformat.v4.new_markdown_cell(header + "\n\n**Run time:** about 1 minute.")]
    for section in sections:
        cells.append(nbformat.v4.new_markdown_cell(f"## {section}\n\nSome words."))
        code = nbformat.v4.new_code_cell("print('hello')")
        code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
        cells.append(code)
    if figure:
        import base64

        code = nbformat.v4.new_code_cell("plot()")
        code.outputs = [
            nbformat.v4.new_output(
                "display_data",
                data={
                    "image/png": base64.b64encode(png()).decode(),
                    "text/plain": "<Figure size 3x2>",
                },
            )
        ]
        cells.append(code)
    return nbformat.v4.new_notebook(cells=cells)


def metric(name, value, target):
    return {
        "metric": name,
        "value": value,
        "target": target,
        "direction": "min" if target else None,
        "passed": True if target else None,
        "standins": [],
    }


@pytest.fixture(scope="module")
def fake_run(tmp_path_factory):
    """(run folder, source notebooks folder) of a four-notebook run."""
    base = tmp_path_factory.mktemp("fake")
    run, source = base / "runs" / "20261201-100000-workshop", base / "notebooks"
    run.mkdir(parents=True)
    source.mkdir()
    books = {
        "00_alpha": notebook(
            "00",
            "Alpha basics",
            ["how alpha starts;", "what alpha\n  continues with."],
            sections=["First steps"],
        ),
        "01_beta": notebook(
            "01",
            "Beta with a figure",
            ["how beta draws a figure."],
            sections=["Train", "Plot"],
            figure=True,
        ),
        "02_gamma": notebook("02", "Gamma on missing data", ["how gamma would load its data."]),
        "03_delta": notebook("03", "Delta, TensorFlow only", ["what delta does with TensorFlow."]),
    }
    for name, nb in books.items():
        nbformat.write(nb, source / f"{name}.ipynb")
        if name != "03_delta":  # a skipped notebook leaves no executed copy
            nbformat.write(nb, run / f"{name}.ipynb")
    results = [
        {
            "notebook": "00_alpha",
            "status": "passed",
            "seconds": 4.2,
            "why": "",
            "fix": "",
            "metrics": [],
        },
        {
            "notebook": "01_beta",
            "status": "passed",
            "seconds": 12.4,
            "why": "",
            "fix": "",
            "metrics": [metric("beta_accuracy", 0.95, 0.9), metric("beta_seconds", 3.0, None)],
        },
        {
            "notebook": "02_gamma",
            "status": "dataset unavailable",
            "seconds": 1.0,
            "why": "The Gamma dataset (gamma.npz) is not available.",
            "fix": FIX,
            "metrics": [],
        },
        {
            "notebook": "03_delta",
            "status": "skipped",
            "seconds": 0.0,
            "fix": "",
            "metrics": [],
            "why": "03_delta teaches a TensorFlow feature: run it with the TensorFlow backend.",
        },
    ]
    (run / "results.json").write_text(json.dumps(dict(RUN, notebooks=results)))
    return run, source


@pytest.fixture(scope="module")
def site(fake_run, tmp_path_factory):
    """(site folder, entries) of the fake run, built once; a build with problems fails here."""
    run, source = fake_run
    out = tmp_path_factory.mktemp("site") / "site"
    entries, problems = build_site.build(run, out, source)
    assert problems == []
    return out, entries


def page(site, name):
    return (site[0] / f"{name}.html").read_text()


def test_index_lists_every_notebook_with_what_it_teaches_its_time_and_figure(site):
    index = page(site, "index")
    for name in ("00_alpha", "01_beta", "02_gamma", "03_delta"):
        assert f'href="{name}.html"' in index
    assert "00 · Alpha basics" in index and "what alpha continues with." in index
    assert "how beta draws a figure." in index
    assert "12 s" in index and "beta_accuracy 0.9500 (target &gt;= 0.9: met)" in index
    assert "not measured (no dataset)" in index and "DATASET UNAVAILABLE" in index
    assert "SKIPPED" in index


def test_pages_have_previous_and_next_links_and_a_table_of_contents(site):
    beta = page(site, "01_beta")
    prev = re.search(r'<a href="([^"]+)"[^>]*class="md-footer__link md-footer__link--prev"', beta)
    following = re.search(r'<a href="([^"]+)"[^>]*class="md-footer__link md-footer__link--next"', beta)
    assert prev and prev.group(1) == "00_alpha.html"
    assert following and following.group(1) == "02_gamma.html"
    toc = beta[beta.index("md-nav--secondary") :]
    for anchor in ("train", "plot"):  # listed, and the heading it points to is on the page
        assert f'href="#{anchor}"' in toc and f'id="{anchor}"' in beta


def test_a_figure_of_the_notebook_is_on_its_page(site):
    import base64

    beta = page(site, "01_beta")
    assert f'src="data:image/png;base64,{base64.b64encode(png()).decode()}"' in beta


def test_every_page_states_the_run_it_shows(site):
    for name in ("00_alpha", "01_beta", "02_gamma", "03_delta"):
        text = page(site, name)
        banner = text[text.index(build_site.BANNER_CLASS) :]
        banner = banner[: banner.index("</div>")]
        for fact in (
            "<code>workshop</code> profile",
            "tensorflow backend",
            "CPU (7 cores)",
            "2026-12-01 10:00",
        ):
            assert fact in banner, (name, fact)
    assert "beta_seconds 3.0000" in page(site, "01_beta")  # every recorded figure, not only the headline


def test_a_notebook_without_its_dataset_gets_a_page_that_says_so_and_how_to_fix_it(site):
    gamma = page(site, "02_gamma")
    assert "DATASET UNAVAILABLE" in gamma and "The Gamma dataset (gamma.npz) is not available." in gamma
    assert "run `make fetch-data`" in gamma and "how gamma would load its data." in gamma
    assert "jupyter-wrapper" not in gamma  # not the half-executed notebook
    assert "jupyter-wrapper" in page(site, "00_alpha")


def test_a_skipped_notebook_gets_a_page_with_the_reason(site):
    delta = page(site, "03_delta")
    assert "SKIPPED" in delta and "run it with the TensorFlow backend" in delta


def test_the_built_site_passes_its_own_check(site):
    assert build_site.check_site(*site) == []


def damage_missing_page(site):
    (site / "00_alpha.html").unlink()


def damage_missing_figure(site):
    path = site / "01_beta.html"
    path.write_text(re.sub(r"<img[^>]+>", "", path.read_text()))


def damage_missing_banner(site):
    path = site / "02_gamma.html"
    path.write_text(path.read_text().replace(build_site.BANNER_CLASS, "something-else"))


def damage_unlinked_page(site):
    path = site / "index.html"
    path.write_text(path.read_text().replace('href="03_delta.html"', 'href="elsewhere.html"'))


def damage_wrong_title(site):
    path = site / "00_alpha.html"
    path.write_text(path.read_text().replace("Alpha basics", "Something else"))


@pytest.mark.parametrize(
    "damage",
    [
        damage_missing_page,
        damage_missing_figure,
        damage_missing_banner,
        damage_unlinked_page,
        damage_wrong_title,
    ],
    ids=lambda f: f.__name__,
)
def test_the_check_finds_a_damaged_site(site, tmp_path, damage):
    copy = tmp_path / "site"
    shutil.copytree(site[0], copy)
    damage(copy)
    assert len(build_site.check_site(copy, site[1])) == 1


def test_without_a_run_it_names_the_command_to_run_first(tmp_path, capsys):
    assert build_site.main(["--run", str(tmp_path / "runs" / "latest"), "--out", str(tmp_path / "site")]) == 2
    err = capsys.readouterr().err
    assert "make run" in err and "No run" in err
    assert not (tmp_path / "site").exists()


def test_it_never_replaces_a_folder_it_did_not_write(fake_run, tmp_path, capsys):
    run, source = fake_run
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert build_site.main(["--run", str(run), "--out", str(out), "--notebooks-dir", str(source)]) == 1
    assert "not a site this tool wrote" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me"


def test_header_reading():
    nb = notebook("05", "Epsilon", ["one;", "two\n  and a half."])
    assert build_site.read_header(nb) == ("05 · Epsilon", ["one;", "two and a half."])
    assert build_site.read_header(nbformat.v4.new_notebook()) == ("", [])
