"""Where the course keeps things: the project root, the artifacts folder and the data cache."""
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = Path(os.environ.get("WORKSHOP_HOME", PACKAGE_DIR.parent)).resolve()


def artifacts_dir(*parts):
    """Return (and create) a folder under the git-ignored artifacts folder.

    Args:
        *parts: sub-folder names, e.g. ``artifacts_dir("05_checkpoints", "best")``.
    """
    root = Path(os.environ.get("WORKSHOP_ARTIFACTS", PROJECT_ROOT / "artifacts"))
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_cache_dir():
    """Return (and create) the local dataset cache (``data/cache`` unless ``WORKSHOP_DATA_CACHE`` is set)."""
    path = Path(os.environ.get("WORKSHOP_DATA_CACHE", PROJECT_ROOT / "data" / "cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_mirror_dir():
    """Return the mirror folder named by ``WORKSHOP_DATA_MIRROR``, or None when it is not set."""
    value = os.environ.get("WORKSHOP_DATA_MIRROR", "").strip()
    return Path(value).expanduser().resolve() if value else None
