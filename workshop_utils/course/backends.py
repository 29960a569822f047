"""The backend rule, in one place: which notebooks need TensorFlow, and what each caller does about it.

``setup()`` stops a notebook that cannot run under the active backend (``require_notebook_backend``);
nbval (conftest.py) and the main job (tools/runner.py) skip it with the same reason (``skip_reason``);
exercise checks and notebook sections that need one backend call ``require_backend``.
"""

import os

import keras

KNOWN = ("tensorflow", "jax", "torch")

# Notebooks whose topic is a TensorFlow-only feature. Under another Keras backend (jax, torch) setup()
# stops them with this reason, and nbval and the main job skip them with it instead of failing.
TENSORFLOW_ONLY = {
    "03_tf_data_pipelines": "tf.data input pipelines are a TensorFlow feature",
    "04_tensorboard": "the TensorBoard callback's histograms and graph need TensorFlow",
    "09_text_classification": "string tensors, tf.data and a model whose input is a string",
}


class BackendNotSupported(RuntimeError):
    """The notebook (or section) cannot run under the active Keras backend; the message says why and what to do."""

    def _render_traceback_(self):
        # IPython shows this one line instead of a long traceback: the message is the whole story.
        return [f"BackendNotSupported: {self}"]


def active():
    """The active Keras backend's name: ``"tensorflow"``, ``"jax"`` or ``"torch"``."""
    return keras.backend.backend()


def skip_reason(notebook, backend=None):
    """Return why ``notebook`` cannot run under ``backend`` (default: the active one), or None if it can."""
    backend = backend or active()
    if backend != "tensorflow" and notebook in TENSORFLOW_ONLY:
        return f"{notebook} needs the TensorFlow backend ({TENSORFLOW_ONLY[notebook]}); skipped under {backend}"
    return None


def backend_problem(name, reason, what="this notebook"):
    """Return the sentence saying that ``what`` needs backend ``name`` and how to switch; None if Keras runs on it.

    Args:
        name: the backend needed: ``"tensorflow"``, ``"jax"`` or ``"torch"``.
        reason: what needs it, in a few words (e.g. ``"string tensors and tf.data"``).
        what: who needs it, e.g. ``"this notebook"`` or ``"this exercise"``.
    """
    if name not in KNOWN:
        raise ValueError(f"name must be one of {', '.join(KNOWN)}; got {name!r}.")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("reason must be a non-empty string saying what needs the backend.")
    current = active()
    if current == name:
        return None
    return (
        f"{what} needs the {name} backend ({reason}), but Keras runs on {current}: "
        f"set KERAS_BACKEND={name} and restart the kernel."
    )


def require_backend(name, reason):
    """Stop with one clear message unless Keras runs on backend ``name`` (arguments as ``backend_problem``).

    Raises:
        BackendNotSupported: when the active backend is another one.
    """
    problem = backend_problem(name, reason)
    if problem:
        raise BackendNotSupported(problem)


def require_notebook_backend(notebook):
    """Stop with one clear message when ``notebook`` is TensorFlow-only and Keras runs on another backend."""
    if notebook in TENSORFLOW_ONLY:
        require_backend("tensorflow", TENSORFLOW_ONLY[notebook])


def devices():
    """Return the accelerators the active Keras backend can use, e.g. ``["GPU: NVIDIA H100"]``, or ``["CPU"]``."""
    backend = active()
    found = []
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            found = [
                f"GPU: {tf.config.experimental.get_device_details(d).get('device_name', d.name)}"
                for d in tf.config.list_physical_devices("GPU")
            ]
        elif backend == "jax":
            import jax

            found = [f"GPU: {d.device_kind}" for d in jax.devices() if d.platform == "gpu"]
        elif backend == "torch":
            import torch

            found = [f"GPU: {torch.cuda.get_device_name(i)}" for i in range(torch.cuda.device_count())]
    except Exception as exc:  # a broken driver should not stop the report
        found = [f"(could not list devices: {exc})"]
    return found or [f"CPU ({os.cpu_count()} cores)"]
