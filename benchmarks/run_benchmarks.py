"""Time the notebooks in one profile next to the keras.io yardstick, on the same machine in one run.

    .venv/bin/python benchmarks/run_benchmarks.py                  # all notebooks, workshop profile
    .venv/bin/python benchmarks/run_benchmarks.py 02 05 --profile full --no-peer

Absolute times vary between machines, so besides seconds the table gives each notebook's wall time
as a multiple of the yardstick: the keras.io "Simple MNIST convnet" example's training time to 99 %
test accuracy (``../shared/bench/peer_mnist_convnet.py``, when it is there). A notebook that records a
``<model>_train_seconds`` figure (06: ``mnist_cnn``) also gets that training time as a ratio. Writes
``artifacts/benchmarks/<time>.md``. This is a benchmark, not a test: it never fails on a slow machine.
"""

import argparse
import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from workshop_utils.course import config, paths  # noqa: E402

import run_report  # noqa: E402
import runner  # noqa: E402

PEER = ROOT.parent / "shared" / "bench" / "peer_mnist_convnet.py"


def peer_seconds():
    """Run the yardstick and return its training seconds to 99 % test accuracy (None if not reached)."""
    out = subprocess.run([sys.executable, str(PEER)], capture_output=True, text=True).stdout
    match = re.search(r"time to [0-9.]+ test accuracy: ([0-9.]+) s", out)
    return float(match.group(1)) if match else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="notebook number prefixes (default: all)")
    parser.add_argument("--profile", default="workshop")
    parser.add_argument("--no-peer", action="store_true", help="skip the keras.io yardstick")
    args = parser.parse_args(argv)
    os.environ["WORKSHOP_PROFILE"] = args.profile
    config.get_profile()

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = paths.artifacts_dir("benchmarks", stamp)
    peer = None if args.no_peer or not PEER.is_file() else peer_seconds()
    backend, device = runner.backend_and_device()
    lines = [
        f"# Benchmark {stamp}: profile {args.profile}, backend {backend}, {device}, {os.cpu_count()} CPU cores",
        "",
    ]
    if peer:
        lines += [f"Yardstick (keras.io Simple MNIST convnet, training time to 99 % test accuracy): {peer:.1f} s", ""]
    lines += ["| notebook | wall time | x yardstick | result | headline figure |", "|---|---|---|---|---|"]
    notebooks = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    timed = []  # (what, seconds, headline figure): training times that notebooks recorded, for the ratio below
    for path in notebooks:
        if args.only and not any(path.name.startswith(p) for p in args.only):
            continue
        result = runner.run_notebook(path, run_dir, args.profile, timeout=1800)
        ratio = f"{result.seconds / peer:.2f}" if peer else "-"
        lines.append(
            f"| {result.notebook} | {result.seconds:.0f} s | {ratio} | "
            f"{'PASS' if result.passed else result.status} | {run_report.headline(result)} |"
        )
        print(lines[-1], flush=True)
        figures = {m["metric"]: m["value"] for m in result.metrics}
        for metric, seconds in figures.items():
            if metric.endswith("_train_seconds"):
                model = metric[: -len("_train_seconds")]
                timed.append((f"{result.notebook}: {model}", seconds, run_report.headline(result)))
    for what, seconds, figure in timed:
        reached = f" ({figure})"
        ratio = f" = {seconds / peer:.2f} x the yardstick's time to 99 %" if peer else ""
        lines += ["", f"Training time of {what}: {seconds:.1f} s{ratio}{reached}."]
    text = "\n".join(lines) + "\n"
    (paths.artifacts_dir("benchmarks") / f"{stamp}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
