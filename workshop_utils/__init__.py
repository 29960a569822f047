"""Support library of the keras-workshop course.

Notebooks start with ``cfg = workshop_utils.setup("<notebook name>")``: it reads the profile, seeds
every random generator and prints one line about the environment. The modules:

* ``config``        - profiles, per-notebook settings and self-check targets (the one place for them)
* ``datasets``      - offline-capable, checksum-verified dataset loaders and ``fetch-data``
* ``preprocessing`` - flatten, scale, one-hot, subsets, windows over a series
* ``plotting``      - learning curves, image grids, confusion matrix, forecasts
* ``forecasting``   - simple forecasts, RMSE, the membrane recording split in time and windowed (notebook 07)
* ``augmentation``  - ``RandomPixelShift``, whole-pixel shifts that are cheap on every backend (notebook 06)
* ``checks``        - self-checks of measured figures against targets
* ``architecture``  - a compact table of a model's layers, activations and parameters
* ``drawing``       - ``plot_model`` pictures, or one line on what to install
* ``backends``      - a clear stop when a notebook needs one Keras backend
* ``tuning``        - Hyperband's plan and a plot of a tuner's trials (notebook 11)
* ``reference``     - figures recorded on the course's own runs (e.g. GPU timings)
* ``startup``       - loading Keras without TensorFlow's start-up log
* ``environment``   - the environment report (versions, devices, graphviz, datasets)
* ``runner``        - the main job: run every notebook headless
* ``run_report``    - the main job's report (Markdown and HTML)
"""

import sys

from . import startup

# Load Keras now, with TensorFlow's C++ start-up log kept out of the notebook (see startup.py): that is
# why notebooks import workshop_utils before keras.
startup.start_backend()

from . import architecture, checks, config, datasets, paths, plotting, preprocessing  # noqa: E402
from .architecture import print_architecture  # noqa: E402
from .checks import check_metric  # noqa: E402
from .config import get_profile, notebook_settings  # noqa: E402

__all__ = [
    "setup",
    "check_metric",
    "print_architecture",
    "get_profile",
    "notebook_settings",
    "architecture",
    "checks",
    "config",
    "datasets",
    "paths",
    "plotting",
    "preprocessing",
    "startup",
]


def setup(notebook, verbose=True):
    """Prepare a notebook: read the profile, seed Python, NumPy and the backend, print what it runs with.

    It prints one line on the environment, then the profile and the notebook's settings (the values behind
    ``cfg.epochs``, ``cfg.batch_size``, ...), so that a learner sees the numbers a run uses.

    Args:
        notebook: the notebook's file name without ``.ipynb``, e.g. ``"02_mlp_fashion_mnist"``.
        verbose: print the environment line and the settings.

    Returns:
        The notebook's Settings for the active profile (``cfg.epochs``, ``cfg.batch_size``, ...).
    """
    import keras

    from . import environment

    cfg = notebook_settings(notebook)
    keras.utils.set_random_seed(cfg.seed)
    metrics_file = checks._metrics_file(notebook)
    metrics_file.unlink(missing_ok=True)  # a fresh run starts with no recorded figures
    if verbose:
        print(environment.one_line_summary(cfg))
        settings = environment.settings_summary(cfg)
        if settings:
            print(settings)
    for note in startup.startup_warnings():  # on standard error: a problem shows as one, even when quiet
        print(f"WARNING: {note}", file=sys.stderr)
    return cfg
