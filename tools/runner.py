"""The main job: execute every notebook headless, keep going past failures, and write a run report.

    python tools/runner.py                 # all notebooks, profile from WORKSHOP_PROFILE (make run)
    python tools/runner.py 02 03           # only notebooks whose names start with these
    python tools/runner.py --profile smoke

Writes ``artifacts/runs/<time>-<profile>/``: each executed notebook (``.ipynb`` and ``.html``) with
its kernel's log, a folder per notebook with the files it wrote (checkpoints, logs, the figures its
self-checks recorded: ``<notebook>/metrics.json``), and ``report.md`` / ``report.html`` with one row per notebook
(profile, backend, device, wall time, result, headline figure against its target) and, for each
notebook that did not pass, why and how to fix it (written by ``tools/run_report.py``). Exit status 1
if any notebook did not pass. Two runs at once (two instructors, or a run beside a learner's kernel or
``make test``) never share a folder: see ``workshop_utils/course/paths.py``.
"""

import argparse
import datetime
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the other tools
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # this checkout's workshop_utils

from workshop_utils.course import backends, config, paths  # noqa: E402

import run_report  # noqa: E402
from nbtool import SKIP_TAG  # noqa: E402

NOTEBOOKS_DIR = paths.PROJECT_ROOT / "notebooks"


@dataclass
class Result:
    """The outcome of one notebook."""

    notebook: str
    status: str = "passed"  # passed | skipped | failed | dataset unavailable | self-check failed | timed out
    seconds: float = 0.0
    why: str = ""
    fix: str = ""
    metrics: list = field(default_factory=list)
    executed: str = ""
    stderr_cells: list = field(default_factory=list)  # numbers of the code cells that wrote to stderr

    @property
    def passed(self):
        return self.status == "passed"

    @property
    def ok(self):
        """Passed, or skipped for a stated reason (a TensorFlow-only notebook under another backend)."""
        return self.status in ("passed", "skipped")


def _classify(exc, executed_path):
    """Turn an execution error into (status, why, fix)."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc)).strip()
    see = f"Open {executed_path} to see the failing cell and its full output."
    if ename == "DatasetUnavailable":
        why, _, fix = evalue.partition("Fix, either:")
        return "dataset unavailable", why.strip(), ("either:\n" + fix.strip("\n")) if fix.strip() else see
    if ename == "SelfCheckFailed":
        return (
            "self-check failed",
            evalue,
            (f"Check the settings for this profile in workshop_utils/course/config.py and the training cells. {see}"),
        )
    if "CellTimeoutError" in type(exc).__name__ or "timed out" in evalue.lower():
        return (
            "timed out",
            evalue.splitlines()[0][:300],
            ("Run with WORKSHOP_PROFILE=smoke to check it works, or raise --timeout."),
        )
    if type(exc).__name__ == "DeadKernelError":
        return "failed", f"the kernel died: {evalue[:300]}", f"Often out of memory. {see}"
    return "failed", f"{ename}: {evalue.splitlines()[0][:300] if evalue else ''}", see


def execute_notebook(nb, folder, timeout=600, **kernel_options):
    """Run every cell of a notebook node in place, as nbval and a learner would, skipping cells tagged nbval-skip.

    Args:
        nb: a notebook node (``nbformat.read(...)``); its outputs are filled in.
        folder: the kernel's working folder (the notebook's own folder).
        timeout: seconds allowed per cell.
        **kernel_options: passed on to the kernel's start, e.g. ``stderr=`` a file.

    Raises:
        nbclient's CellExecutionError (or a timeout / dead-kernel error) when a cell fails.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        skip_cells_with_tag=SKIP_TAG,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute(**kernel_options)
    return nb


def run_notebook(path, run_dir, profile, timeout):
    """Execute one notebook and return its Result; never raises for a notebook's own errors.

    The kernel writes the notebook's files into ``run_dir/<notebook>/`` (``WORKSHOP_RUN_DIR``), its
    self-check figures included, so the result holds this run's figures even when another run of the
    same notebook goes on at the same time.
    """
    import nbformat

    name = path.stem
    result = Result(name)
    os.environ["WORKSHOP_PROFILE"] = profile
    kernel_env = {k: v for k, v in os.environ.items() if k != "WORKSHOP_METRICS_DIR"}
    kernel_env["WORKSHOP_RUN_DIR"] = str(run_dir)
    executed = run_dir / path.name
    result.executed = str(executed)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    # The kernel's own stderr (library start-up chatter, crash messages) goes to a log file beside
    # the executed notebook, so the job's output stays readable.
    with open(run_dir / f"{name}.kernel.log", "w") as kernel_log:
        try:
            execute_notebook(nb, path.parent, timeout, stderr=kernel_log, env=kernel_env)
        except Exception as exc:  # the job goes on with the next notebook
            result.status, result.why, result.fix = _classify(exc, executed)
    result.seconds = time.perf_counter() - start
    nbformat.write(nb, executed)
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    result.stderr_cells = [
        number
        for number, cell in enumerate(code_cells, start=1)
        if any(o.get("name") == "stderr" and o.get("text", "").strip() for o in cell.outputs)
    ]
    try:  # nbconvert may be missing where only nbval and the kernel are installed
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        executed.with_suffix(".html").write_text(body)
    except Exception as exc:  # a report without HTML is still a report
        print(f"  (could not write HTML for {name}: {exc})")
    metrics_file = run_dir / name / "metrics.json"
    if metrics_file.is_file():
        recorded = json.loads(metrics_file.read_text())
        order = list(config.TARGETS.get(name, {}))
        result.metrics = sorted(
            recorded, key=lambda m: order.index(m["metric"]) if m["metric"] in order else len(order)
        )
    return result


def backend_and_device():
    """The active Keras backend and the first device it uses, for the report."""
    return backends.active(), backends.devices()[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the course notebooks headless and write a report.")
    parser.add_argument("only", nargs="*", help="run only notebooks whose names start with these (e.g. 02 03)")
    parser.add_argument("--profile", default=None, help="smoke, workshop or full (default: WORKSHOP_PROFILE)")
    parser.add_argument("--notebooks-dir", default=str(NOTEBOOKS_DIR), help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell (default 1800)")
    args = parser.parse_args(argv)
    if args.profile:
        os.environ["WORKSHOP_PROFILE"] = args.profile
    profile = config.get_profile()

    notebooks = sorted(Path(args.notebooks_dir).glob("[0-9]*.ipynb"))
    if args.only:
        notebooks = [nb for nb in notebooks if any(nb.name.startswith(p) for p in args.only)]
    if not notebooks:
        print(f"No notebooks match {args.only} in {args.notebooks_dir}.")
        return 2
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = paths.new_run_dir(paths.artifacts_dir("runs"), f"{stamp}-{profile}")
    backend, device = backend_and_device()
    print(f"Running {len(notebooks)} notebooks, profile {profile}, backend {backend}, {device}")
    results = []
    for path in notebooks:
        print(f"- {path.stem} ...", end=" ", flush=True)
        reason = backends.skip_reason(path.stem, backend)
        result = (
            Result(path.stem, status="skipped", why=reason)
            if reason
            else run_notebook(path, run_dir, profile, args.timeout)
        )
        results.append(result)
        print(
            f"{'PASS' if result.passed else result.status.upper()} in {result.seconds:.0f} s"
            + (f": {result.why.splitlines()[0]}" if result.why else ""),
            flush=True,
        )
    text = run_report.write_report(results, run_dir, profile, backend, device)
    paths.link_latest(run_dir)
    print()
    print(text)
    print(f"Report: {run_dir / 'report.html'} (also artifacts/runs/latest/)")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
