"""Self-checks: compare a figure a notebook measured with its target for the active profile."""

import json
import math
import os

from . import datasets
from .course import paths


class SelfCheckFailed(AssertionError):
    """A measured figure missed its target; the message gives both."""


def record_metric(cfg, name, value, target=None, direction=None, passed=None, standins=()):
    """Add a measured figure to this run's metrics file of the notebook (the run report reads it)."""
    path = paths.metrics_file(cfg.notebook)
    entries = json.loads(path.read_text()) if path.is_file() else []
    entries = [e for e in entries if e.get("metric") != name]
    entries.append(
        {
            "notebook": cfg.notebook,
            "profile": cfg.profile,
            "metric": name,
            "value": float(value),
            "target": target,
            "direction": direction,
            "passed": passed,
            "standins": sorted(standins),
        }
    )
    # Written beside and renamed into place: a reader never sees half a file.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(entries, indent=1))
    os.replace(partial, path)


def check_metric(cfg, name, value, dataset=None):
    """Pass if ``value`` meets the target of ``name`` for this notebook and profile; raise otherwise.

    Args:
        cfg: the Settings returned by ``workshop_utils.setup``.
        name: a metric listed for this notebook in ``workshop_utils.course.config.TARGETS``.
        value: the figure you measured (e.g. test accuracy as a fraction).
        dataset: the dataset the figure comes from (e.g. ``"mnist"``), so that only figures measured
            on a synthetic stand-in are flagged as such; None flags any stand-in used so far.

    Raises:
        SelfCheckFailed: with the measured figure and the target.
    """
    if name not in cfg.targets:
        raise ValueError(f"No target named {name!r} for {cfg.notebook}; known: {', '.join(cfg.targets)}.")
    direction, target = cfg.targets[name]
    value = float(value)
    finite = math.isfinite(value)  # NaN or infinity (a diverged run) never meets a target
    passed = finite and (value >= target if direction == "min" else value <= target)
    used = datasets.standins_used()
    standins = used & {dataset} if dataset else used
    record_metric(cfg, name, value, target, direction, passed, standins)
    relation = ">=" if direction == "min" else "<="
    note = " (stand-in data: this figure is meaningless)" if standins else ""
    if passed:
        print(f"PASS  {name} = {value:.4f} {relation} target {target} (profile {cfg.profile}){note}")
        return True
    if not finite:
        raise SelfCheckFailed(
            f"{name} = {value}: the figure is not a finite number, so the training diverged or a computation "
            "went wrong. Re-run the notebook from the top; if it happens again, lower the learning rate."
        )
    raise SelfCheckFailed(
        f"{name} = {value:.4f}, but the {cfg.profile} profile expects {relation} {target}. "
        "Re-run the notebook from the top; if it still fails, compare your model and settings "
        "with the text above."
    )
