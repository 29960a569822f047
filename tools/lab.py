"""Start JupyterLab on a learner's copies of the notebooks, the way `make lab` does.

Copies the course notebooks that are not there yet into the notebook folder (never overwriting a
copy), then runs JupyterLab from this virtual environment, with its bin folder first on PATH so that
`pip` and `python` in a notebook are the course's. Token authentication always stays on. Run as root
(a container, a cloud shell, CI), Jupyter refuses to start unless given --allow-root: this adds it
and says so. The browser test (tests/browser/test_lab.py) starts JupyterLab through this file too.

Usage (from the project root):
    .venv/bin/python tools/lab.py          # my_notebooks/, opens a browser tab
    .venv/bin/python tools/lab.py --notebook-dir /tmp/ws --port 8890 --no-browser --token SECRET
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbtool  # tools/ is not a package

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ROOT_NOTE = (
    "note: running as root (a container, a cloud shell, CI?), so JupyterLab starts with "
    "--allow-root; it still asks for its token."
)


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def command(notebook_dir, port=None, open_browser=True, ip=None):
    """Return the JupyterLab command line (a list) and the note to print first (None if none)."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={notebook_dir}"]
    if port is not None:
        cmd += [f"--port={port}", "--ServerApp.port_retries=0"]  # that port or fail
    if ip is not None:
        cmd.append(f"--ip={ip}")
    if not open_browser:
        cmd.append("--no-browser")
    note = None
    if is_root():
        cmd.append("--allow-root")
        note = ROOT_NOTE
    return cmd, note


def environment(token=None, base=None):
    """Return the environment for JupyterLab: this venv's bin folder first on PATH, the token.

    Without ``token``, Jupyter makes up a random one and shows it in the link it prints. An empty
    token would turn authentication off: it is refused, and an empty JUPYTER_TOKEN is dropped.
    """
    env = dict(os.environ if base is None else base)
    # Not resolved: .venv/bin/python links to the system Python; PATH needs the venv's own folder.
    bin_dir = str(Path(sys.executable).parent)
    rest = [p for p in env.get("PATH", "").split(os.pathsep) if p]
    env["PATH"] = os.pathsep.join([bin_dir] + rest)
    # Under pytest, ipykernel would stop forwarding what libraries write to descriptor 2.
    env.pop("PYTEST_CURRENT_TEST", None)
    if token is not None and not token:
        raise ValueError("an empty token would turn JupyterLab's authentication off")
    if token:
        env["JUPYTER_TOKEN"] = token
    elif not env.get("JUPYTER_TOKEN"):
        env.pop("JUPYTER_TOKEN", None)
    return env


def shown(path):
    """A path as a learner reads it: relative to the current folder when it lies inside."""
    path, here = Path(path).resolve(), Path.cwd().resolve()
    return str(path.relative_to(here)) if path.is_relative_to(here) else str(path)


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--notebook-dir",
        default=str(PROJECT_ROOT / "my_notebooks"),
        help="the learner's folder (default: my_notebooks/); course notebooks missing there are copied in",
    )
    parser.add_argument(
        "--source", default=str(PROJECT_ROOT / "notebooks"), help="the course notebooks (default: notebooks/)"
    )
    parser.add_argument(
        "--port", type=int, default=None, help="this port or fail (default: Jupyter's choice, from 8888 on)"
    )
    parser.add_argument("--ip", default=None, help="the address to listen on (default: localhost)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    parser.add_argument("--token", default=None, help="the token to ask for (default: random)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    copied = nbtool.workspace(args.source, args.notebook_dir)
    print(
        f"Your notebooks are in {shown(args.notebook_dir)}/ ({len(copied)} copied now; git "
        f"ignores my_notebooks/). The course copies in {shown(args.source)}/ stay as they are.",
        flush=True,
    )
    cmd, note = command(args.notebook_dir, port=args.port, open_browser=not args.no_browser, ip=args.ip)
    env = environment(args.token)
    if note:
        print(note, flush=True)
    os.execvpe(cmd[0], cmd, env)  # JupyterLab takes this process over; Ctrl+C stops it as before


if __name__ == "__main__":
    main()
