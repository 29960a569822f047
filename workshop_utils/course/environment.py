"""The environment report: what a learner's (or CI's) machine has, in a few lines."""

import importlib.metadata
import platform
import shutil
import subprocess

from . import config, paths
from .backends import devices


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def graphviz_status():
    """Say whether ``keras.utils.plot_model`` can draw: pydot importable and graphviz's ``dot`` on PATH."""
    from .. import drawing

    missing = drawing.missing_for_drawing()
    if missing:
        return "; ".join(f"missing {name}: {drawing.INSTALL_HINTS[name]}" for name in missing)
    dot = shutil.which("dot")
    out = subprocess.run([dot, "-V"], capture_output=True, text=True).stderr.strip()
    return f"ok ({out or dot})"


def _startup_status():
    from . import startup

    notes = startup.startup_warnings()
    return "clean" if not notes else f"{len(notes)} problem(s): print workshop_utils.startup_warnings()"


def environment_report():
    """Return the environment as an ordered dict of name -> description."""
    import keras

    from .. import datasets

    report = {
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "tensorflow": _version("tensorflow"),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "devices": ", ".join(devices()),
        "plot_model": graphviz_status(),
        "start-up": _startup_status(),
        "profile": config.get_profile(),
        "data cache": str(paths.data_cache_dir()),
        "data mirror": str(paths.data_mirror_dir() or "not set (WORKSHOP_DATA_MIRROR)"),
    }
    for name in datasets.DATASETS:
        report[f"dataset {name}"] = datasets.availability(name)
    return report


def print_environment_report():
    """Print the environment report as an aligned table."""
    report = environment_report()
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    return report


def one_line_summary(cfg):
    """One line for the top of every notebook: profile, versions, backend, device, seed."""
    import keras

    return (
        f"{cfg.notebook} | profile {cfg.profile} | Keras {keras.__version__} "
        f"({keras.backend.backend()} backend) | {devices()[0]} | seed {cfg.seed}"
    )


def _setting_text(name, value):
    if value is None and name.endswith("_size"):
        return "None (all)"  # None means the whole split (config.py)
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings_summary(cfg, width=100):
    """A few lines naming the profile and the notebook's settings as ``name=value``; "" if it has none.

    The settings that the profile changes come first, then those shared by every profile; a line breaks
    only between two settings.
    """
    table = config.SETTINGS.get(cfg.notebook, {})
    own = table.get(cfg.profile, {})
    names = [*own, *(name for name in table.get("common", {}) if name not in own)]
    if not names:
        return ""
    items = [f"{name}={_setting_text(name, cfg[name])}" for name in names]
    lines = [f"Profile {cfg.profile} (change with WORKSHOP_PROFILE): {items[0]}"]
    for item in items[1:]:
        if len(lines[-1]) + len(item) + 2 > width:
            lines[-1] += ","
            lines.append(f"  {item}")
        else:
            lines[-1] += f", {item}"
    return "\n".join(lines)
