"""Support library of the keras-workshop course.

Notebooks start with ``cfg = workshop_utils.setup("<notebook name>")``: it reads the profile, stops a
notebook that needs another Keras backend, seeds every random generator and prints one line about the
environment. What notebooks import sits at this level:

* ``datasets``         - offline-capable, checksum-verified dataset loaders and ``fetch-data``
* ``preprocessing``    - flatten, scale, one-hot, subsets, windows over a series
* ``plotting``         - learning curves, image grids, confusion matrix, forecasts
* ``forecasting``      - simple forecasts, RMSE, the membrane recording split in time and windowed (notebook 07)
* ``augmentation``     - ``RandomPixelShift``, whole-pixel shifts that are cheap on every backend (notebook 06)
* ``self_checks``      - ``check_metric``: a measured figure against its target for the profile
* ``architecture``     - a compact table of a model's layers, activations and parameters
* ``drawing``          - ``plot_model`` pictures, or one line on what to install
* ``tensorboard_logs`` - scalars read back from TensorBoard event files (notebook 04)
* ``timing``           - timing a training run fairly (notebooks 06, 12)
* ``gan``              - the judge of generated digits (notebook 10)
* ``tuning``           - Hyperband's plan and a plot of a tuner's trials (notebook 11)
* ``multiworker``, ``workers/`` - real multi-worker jobs on localhost (notebook 12)
* ``gpu_timings``      - GPU timings recorded on the course's own runs (notebook 12)
* ``exercises``        - the exercises and ``exercises.check``

Also here: ``artifacts_dir``, ``devices``, ``graphviz_status``, ``print_environment_report``,
``startup_warnings`` and ``require_backend``, thin names over ``course/`` (the machinery behind setup,
which notebooks never import). The maintainer's jobs (the main job, its report, lint) live in tools/.
"""

import sys

from .course import startup as _startup

# Load Keras now, with TensorFlow's C++ start-up log kept out of the notebook (see startup.py): that is
# why notebooks import workshop_utils before keras.
_startup.start_backend()

from . import architecture, datasets, plotting, preprocessing, self_checks  # noqa: E402
from .architecture import print_architecture  # noqa: E402
from .course import backends as _backends  # noqa: E402
from .course import environment as _environment  # noqa: E402
from .course import paths as _paths  # noqa: E402
from .course.backends import require_backend  # noqa: E402
from .course.config import PROFILES, get_profile, notebook_settings  # noqa: E402
from .course.environment import devices, graphviz_status, print_environment_report  # noqa: E402
from .course.paths import artifacts_dir  # noqa: E402
from .course.startup import startup_warnings  # noqa: E402
from .self_checks import check_metric  # noqa: E402

__all__ = [
    "setup",
    "check_metric",
    "print_architecture",
    "get_profile",
    "notebook_settings",
    "PROFILES",
    "artifacts_dir",
    "devices",
    "graphviz_status",
    "print_environment_report",
    "require_backend",
    "startup_warnings",
    "architecture",
    "datasets",
    "plotting",
    "preprocessing",
    "self_checks",
]


def setup(notebook, verbose=True):
    """Prepare a notebook: read the profile, check the backend, seed every generator, print what it runs with.

    It prints one line on the environment, then the profile and the notebook's settings (the values behind
    ``cfg.epochs``, ``cfg.batch_size``, ...), so that a learner sees the numbers a run uses.

    Args:
        notebook: the notebook's file name without ``.ipynb``, e.g. ``"02_mlp_fashion_mnist"``.
        verbose: print the environment line and the settings.

    Raises:
        BackendNotSupported: the notebook is TensorFlow-only (course/backends.py) and Keras runs on another backend.

    Returns:
        The notebook's Settings for the active profile (``cfg.epochs``, ``cfg.batch_size``, ...).
    """
    import keras

    cfg = notebook_settings(notebook)
    _backends.require_notebook_backend(notebook)  # a TensorFlow-only notebook stops here under JAX/PyTorch
    keras.utils.set_random_seed(cfg.seed)
    metrics_file = _paths.metrics_file(notebook)
    metrics_file.unlink(missing_ok=True)  # a fresh run starts with no recorded figures
    if verbose:
        print(_environment.one_line_summary(cfg))
        settings = _environment.settings_summary(cfg)
        if settings:
            print(settings)
    for note in _startup.startup_warnings():  # on standard error: a problem shows as one, even when quiet
        print(f"WARNING: {note}", file=sys.stderr)
    return cfg
