"""Where the course keeps things: the project root, the artifacts folder and the data cache.

Each notebook writes its files (checkpoints, logs, a tuner's trials, its recorded figures) into a
folder of its own, so that two runs of the same notebook at once never delete each other's files:

* a learner's kernel (JupyterLab, ``make lab``) uses ``artifacts/<notebook>/``, the path the notebooks
  name. It claims that folder with a lock held until the kernel stops; a second kernel running the same
  notebook meanwhile gets ``artifacts/<notebook>.<time>-<process id>/`` and says so on standard error.
* a managed run (``make run``, ``make test``) sets ``WORKSHOP_RUN_DIR``: the notebook's files then go to
  ``$WORKSHOP_RUN_DIR/<notebook>/`` (``make run``: ``artifacts/runs/<time>-<profile>/<notebook>/``,
  beside the executed notebook), a folder no other run uses.
"""

import datetime
import os
import re
import shutil
import sys
import time
from pathlib import Path

try:  # POSIX only; elsewhere a learner's kernel always takes artifacts/<notebook>/ as before
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # workshop_utils/
PROJECT_ROOT = Path(os.environ.get("WORKSHOP_HOME", PACKAGE_DIR.parent)).resolve()
NOTEBOOK_FOLDER = re.compile(r"^\d\d_\w+$")  # "05_checkpoints_and_saving": a notebook's own folder
FALLBACK_KEEP_SECONDS = 24 * 3600  # a finished second run's folder is removed a day after it started

_claims = {}  # (artifacts root, notebook) -> (folder, open lock file) for this process


def artifacts_root():
    """The artifacts folder (``artifacts/`` in the project unless ``WORKSHOP_ARTIFACTS`` is set)."""
    return Path(os.environ.get("WORKSHOP_ARTIFACTS", PROJECT_ROOT / "artifacts"))


def artifacts_dir(*parts):
    """Return (and create) a folder under the git-ignored artifacts folder.

    A first part that names a notebook (``"05_checkpoints_and_saving"``) means that notebook's folder
    for this run (see ``notebook_dir``); other names (``"standins"``, ``"runs"``) are shared folders.

    Args:
        *parts: sub-folder names, e.g. ``artifacts_dir("05_checkpoints_and_saving", "best")``.
    """
    if parts and NOTEBOOK_FOLDER.match(str(parts[0])):
        path = notebook_dir(parts[0]).joinpath(*parts[1:])
    else:
        path = artifacts_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def notebook_dir(notebook):
    """Return (and create) the folder where this run of ``notebook`` keeps its files.

    ``$WORKSHOP_RUN_DIR/<notebook>`` in a managed run (a relative ``WORKSHOP_RUN_DIR`` lies in the
    artifacts folder); otherwise ``artifacts/<notebook>``, claimed for
    this process, or a folder of this process's own when another live process holds that claim.
    """
    run_dir = os.environ.get("WORKSHOP_RUN_DIR", "").strip()
    if run_dir:  # a relative path is taken inside the artifacts folder
        folder = artifacts_root() / run_dir / notebook
    else:
        folder = _claim(artifacts_root(), notebook)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def metrics_file(notebook):
    """The file where this run of ``notebook`` records its self-check figures (``WORKSHOP_METRICS_DIR``
    moves it to ``<that folder>/<notebook>.json``)."""
    override = os.environ.get("WORKSHOP_METRICS_DIR", "").strip()
    if override:
        Path(override).mkdir(parents=True, exist_ok=True)
        return Path(override) / f"{notebook}.json"
    return notebook_dir(notebook) / "metrics.json"


def _lock_file(root, name):
    locks = root / ".locks"
    locks.mkdir(parents=True, exist_ok=True)
    return open(locks / f"{name}.lock", "a")


def _try_lock(handle):
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _claim(root, notebook):
    """artifacts/<notebook> for the first live process that asks, else a folder of this process's own.

    The lock file lies outside the folder (``artifacts/.locks/``), so a notebook that empties its folder
    with ``shutil.rmtree`` keeps its claim. The lock is released when the process ends.
    """
    key = (str(root), notebook)
    if key in _claims:
        return _claims[key][0]
    if fcntl is None:
        _claims[key] = (root / notebook, None)
        return root / notebook
    handle = _lock_file(root, notebook)
    if _try_lock(handle):
        folder = root / notebook
    else:
        handle.close()
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"{notebook}.{stamp}-{os.getpid()}"
        handle = _lock_file(root, name)
        _try_lock(handle)  # a new name: no one else holds it
        folder = root / name
        print(
            f"Another run of {notebook} is using {root / notebook}, so this run writes its files to {folder} instead.",
            file=sys.stderr,
        )
    _prune_fallbacks(root, notebook)
    _claims[key] = (folder, handle)
    return folder


def _prune_fallbacks(root, notebook, keep_seconds=FALLBACK_KEEP_SECONDS, now=None):
    """Remove second runs' folders of ``notebook`` that are finished (lock free) and older than a day."""
    if fcntl is None:
        return
    now = time.time() if now is None else now
    for folder in root.glob(f"{notebook}.*-*"):
        if not folder.is_dir() or now - folder.stat().st_mtime < keep_seconds:
            continue
        with _lock_file(root, folder.name) as handle:
            if _try_lock(handle):  # its process has ended: no one writes there any more
                shutil.rmtree(folder, ignore_errors=True)
                Path(handle.name).unlink(missing_ok=True)


def new_run_dir(parent, name):
    """Create and return ``parent/name``, or ``name-2``, ``name-3``, ... when another run (one started
    in the same second) took the name first: two runs never share the folder."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for number in range(1, 1000):
        folder = parent / (name if number == 1 else f"{name}-{number}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise RuntimeError(f"could not create a new folder named {name} in {parent}")


def link_latest(folder, name="latest"):
    """Point ``<folder's parent>/latest`` at ``folder`` in one step (never missing, never half made)."""
    link = folder.parent / name
    temporary = folder.parent / f".{name}.{os.getpid()}.{time.monotonic_ns()}"
    temporary.symlink_to(folder.name)
    os.replace(temporary, link)
    return link


def data_cache_dir():
    """Return (and create) the local dataset cache (``data/cache`` unless ``WORKSHOP_DATA_CACHE`` is set)."""
    path = Path(os.environ.get("WORKSHOP_DATA_CACHE", PROJECT_ROOT / "data" / "cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_mirror_dir():
    """Return the mirror folder named by ``WORKSHOP_DATA_MIRROR``, or None when it is not set."""
    value = os.environ.get("WORKSHOP_DATA_MIRROR", "").strip()
    return Path(value).expanduser().resolve() if value else None
