"""The run report of the main job: one table row per notebook and, for each failure, why and how to fix it.

``tools/runner.py`` executes the notebooks and calls ``write_report``; the benchmark script
uses ``headline`` for its table.
"""

import dataclasses
import datetime
import html
import json
from pathlib import Path


def headline(result):
    """Format the first recorded metric as 'value vs target'."""
    if not result.metrics:
        return "-"
    return figure(result.metrics[0])


def figure(m):
    """Format one recorded metric: name, value and, where it has one, its target and whether it was met."""
    relation = ">=" if m.get("direction") == "min" else "<="
    text = f"{m['metric']} {m['value']:.4f}"
    if m.get("target") is not None:
        text += f" (target {relation} {m['target']}: {'met' if m.get('passed') else 'MISSED'})"
    if m.get("standins"):
        text += " [stand-in data]"
    return text


def _indent(text):
    """Indent the continuation lines of a list item so that Markdown keeps them inside it."""
    return "\n  ".join(line.rstrip() for line in text.splitlines())


def write_report(results, run_dir, profile, backend, device):
    """Write report.md and report.html into run_dir and return the Markdown text."""
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    header = ["notebook", "profile", "backend", "device", "wall time", "result", "headline figure"]
    rows = [
        [
            r.notebook,
            profile,
            backend,
            device,
            f"{r.seconds:.0f} s",
            "PASS" if r.passed else r.status.upper(),
            headline(r),
        ]
        for r in results
    ]
    failed = [r for r in results if not r.ok]
    skipped = [r for r in results if r.status == "skipped"]
    summary = (
        f"{len(results) - len(failed) - len(skipped)} of {len(results)} notebooks passed"
        + (f", {len(skipped)} skipped" if skipped else "")
        + f"; total {sum(r.seconds for r in results):.0f} s."
    )
    md = [f"# Run report ({stamp})", "", summary, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(row) + " |" for row in rows]
    checked = [r for r in results if r.metrics]
    if checked:
        md += ["", "## Every figure the notebooks recorded", ""]
        md += [f"- {r.notebook}: " + "; ".join(figure(m) for m in r.metrics) for r in checked]
    noisy = [r for r in results if r.stderr_cells]
    if skipped:
        md += ["", "## Skipped", ""] + [f"- {r.notebook}: {r.why}" for r in skipped]
    if noisy:
        md += ["", "## Cells that wrote to standard error (a learner sees a red block)", ""]
        md += [f"- {r.notebook}: cells {', '.join(map(str, r.stderr_cells))}" for r in noisy]
    if failed:
        md += ["", "## What did not pass, and how to fix it", ""]
        for r in failed:
            md += [
                f"### {r.notebook}: {r.status}",
                "",
                f"- Why: {_indent(r.why)}",
                f"- Fix: {_indent(r.fix)}",
                f"- Executed notebook: {r.executed}",
                "",
            ]
    text = "\n".join(md) + "\n"
    (run_dir / "report.md").write_text(text)
    # The same results for tools (`tools/nblint.py fix` writes the run times in the notebooks' headers from it).
    record = {
        "date": stamp,
        "profile": profile,
        "backend": backend,
        "device": device,
        "notebooks": [dataclasses.asdict(r) for r in results],
    }
    (run_dir / "results.json").write_text(json.dumps(record, indent=1, default=str) + "\n")

    def cells(row, tag):
        return "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row)

    table = [f"<tr>{cells(header, 'th')}</tr>"]
    for r, row in zip(results, rows):
        link = f'<a href="{html.escape(Path(r.executed).with_suffix(".html").name)}">{html.escape(r.notebook)}</a>'
        color = "#e6f4ea" if r.passed else "#f1f3f4" if r.ok else "#fce8e6"
        table.append(f'<tr style="background:{color}"><td>{link}</td>{cells(row[1:], "td")}</tr>')
    problems = "".join(
        f"<h3>{html.escape(r.notebook)}: {html.escape(r.status)}</h3><p><b>Why:</b></p>"
        f"<pre>{html.escape(r.why)}</pre><p><b>Fix:</b></p><pre>{html.escape(r.fix)}</pre>"
        for r in failed
    )
    page = (
        f"<!doctype html><meta charset='utf-8'><title>keras-workshop run report</title>"
        f"<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:4px 10px;border:1px solid #ccc}}"
        f"table{{border-collapse:collapse}}</style><h1>Run report ({stamp})</h1>"
        f"<p>{summary}</p>"
        f"<table>{''.join(table)}</table>"
        + (f"<h2>What did not pass, and how to fix it</h2>{problems}" if failed else "")
    )
    (run_dir / "report.html").write_text(page)
    return text
