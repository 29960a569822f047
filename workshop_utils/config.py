"""The one place that decides how big each notebook's run is, per profile.

Profiles (environment variable ``WORKSHOP_PROFILE``):

* ``smoke``    - CI: tiny real subsets, 1 epoch, seconds per notebook. Figures are meaningless.
* ``workshop`` - the default: a 2-core laptop CPU finishes each notebook in a few minutes.
* ``full``     - the reference settings of the original material, meant for a GPU.

Notebooks never hard-code per-profile numbers: they call ``workshop_utils.setup(name)`` and read
``cfg.epochs``, ``cfg.train_size`` and so on. Targets for the self-checks live here too.
"""
import os

PROFILES = ("smoke", "workshop", "full")
DEFAULT_PROFILE = "workshop"
SEED = 42

# Notebooks whose topic is a TensorFlow-only feature. Under another Keras backend (jax, torch) nbval
# and the main job skip them, giving this reason, instead of failing.
TENSORFLOW_ONLY = {
    "03_tf_data_pipelines": "tf.data input pipelines are a TensorFlow feature",
    "04_tensorboard": "the TensorBoard callback's histograms and graph need TensorFlow",
}


def skip_reason(notebook, backend):
    """Return why a notebook cannot run under a Keras backend (None if it can)."""
    if backend != "tensorflow" and notebook in TENSORFLOW_ONLY:
        return f"{notebook} needs the TensorFlow backend ({TENSORFLOW_ONLY[notebook]}); skipped under {backend}"
    return None

# Per notebook: settings shared by all profiles, then what each profile changes.
# ``train_size`` / ``test_size`` of None mean "the whole split".
SETTINGS = {
    "00_getting_started": {
        "common": {},
        "smoke": {}, "workshop": {}, "full": {},
    },
    "01_anatomy_of_a_keras_program": {
        "common": {"batch_size": 8},
        "smoke": {"epochs": 3},
        "workshop": {"epochs": 20},
        "full": {"epochs": 60},
    },
    "02_mlp_fashion_mnist": {
        "common": {"batch_size": 100, "mnist_batch_size": 128},
        "smoke": {"train_size": 3000, "test_size": 1000, "epochs": 1, "mnist_epochs": 1},
        "workshop": {"train_size": None, "test_size": None, "epochs": 10, "mnist_epochs": 5},
        "full": {"train_size": None, "test_size": None, "epochs": 10, "mnist_epochs": 10},
    },
    "03_tf_data_pipelines": {
        "common": {"batch_size": 128, "validation_fraction": 0.1},
        "smoke": {"train_size": 3000, "test_size": 1000, "epochs": 1, "benchmark_steps": 20},
        "workshop": {"train_size": None, "test_size": None, "epochs": 10, "benchmark_steps": 300},
        "full": {"train_size": None, "test_size": None, "epochs": 10, "benchmark_steps": 1000},
    },
    "04_tensorboard": {
        "common": {"batch_size": 128},
        "smoke": {"train_size": 3000, "test_size": 1000, "epochs": 2},
        "workshop": {"train_size": None, "test_size": None, "epochs": 10},
        "full": {"train_size": None, "test_size": None, "epochs": 10},
    },
    "05_checkpoints_and_saving": {
        "common": {"batch_size": 128, "patience": 2},
        "smoke": {"train_size": 3000, "test_size": 1000, "validation_size": 500, "epochs": 2,
                  "max_epochs": 3},
        "workshop": {"train_size": None, "test_size": None, "validation_size": 10000, "epochs": 6,
                     "max_epochs": 20},
        "full": {"train_size": None, "test_size": None, "validation_size": 10000, "epochs": 10,
                 "max_epochs": 30, "patience": 3},
    },
}

# Self-check targets: metric -> direction ("min" means the measured figure must be at least the
# target, "max" means at most) and the target per profile. The first metric is the headline the
# run report shows. Smoke targets only prove that training moved the model away from chance.
TARGETS = {
    "00_getting_started": {},
    "01_anatomy_of_a_keras_program": {
        "iris_test_accuracy": ("min", {"smoke": 0.5, "workshop": 0.9, "full": 0.9}),
        "cancer_test_accuracy": ("min", {"smoke": 0.6, "workshop": 0.93, "full": 0.93}),
    },
    "02_mlp_fashion_mnist": {
        "test_accuracy": ("min", {"smoke": 0.5, "workshop": 0.88, "full": 0.8835}),
        "mnist_test_accuracy": ("min", {"smoke": 0.6, "workshop": 0.975, "full": 0.98}),
    },
    "03_tf_data_pipelines": {
        "test_accuracy": ("min", {"smoke": 0.6, "workshop": 0.97, "full": 0.975}),
    },
    "04_tensorboard": {
        "test_accuracy": ("min", {"smoke": 0.6, "workshop": 0.97, "full": 0.975}),
    },
    "05_checkpoints_and_saving": {
        "test_accuracy": ("min", {"smoke": 0.6, "workshop": 0.975, "full": 0.978}),
    },
}


class Settings(dict):
    """A notebook's settings for one profile; read them as attributes (``cfg.epochs``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"No setting {name!r} for notebook {self.get('notebook')!r}; "
                f"known: {', '.join(sorted(self))}"
            ) from None


def get_profile():
    """Return the active profile from ``WORKSHOP_PROFILE`` (default ``workshop``); reject unknown names."""
    profile = os.environ.get("WORKSHOP_PROFILE", "").strip().lower() or DEFAULT_PROFILE
    if profile not in PROFILES:
        raise ValueError(
            f"Unknown WORKSHOP_PROFILE {profile!r}. Valid profiles: {', '.join(PROFILES)} "
            f"(default: {DEFAULT_PROFILE})."
        )
    return profile


def notebook_settings(notebook, profile=None):
    """Return the Settings of one notebook for a profile (the active one by default).

    Args:
        notebook: the notebook's file name without ``.ipynb``, e.g. ``"02_mlp_fashion_mnist"``.
        profile: ``smoke``, ``workshop`` or ``full``; None reads ``WORKSHOP_PROFILE``.
    """
    if profile is None:
        profile = get_profile()
    elif profile not in PROFILES:
        raise ValueError(f"Unknown profile {profile!r}. Valid profiles: {', '.join(PROFILES)}.")
    if notebook not in SETTINGS:
        raise ValueError(f"Unknown notebook {notebook!r}. Known: {', '.join(SETTINGS)}.")
    table = SETTINGS[notebook]
    cfg = Settings(notebook=notebook, profile=profile, seed=SEED)
    cfg.update(table["common"])
    cfg.update(table[profile])
    cfg["targets"] = {name: (direction, per_profile[profile])
                      for name, (direction, per_profile) in TARGETS.get(notebook, {}).items()}
    return cfg
