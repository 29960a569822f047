"""Every test and every notebook under nbval runs in the smoke profile (seconds per notebook).

Under nbval, a notebook cell that writes to standard error fails its test: a healthy run shows no
red blocks (TensorFlow's start-up log, warnings). The message names the cell and what it wrote.
For that, nbval's kernels must forward what libraries write to file descriptor 2, as JupyterLab's
do: ipykernel turns that off when it sees pytest's PYTEST_CURRENT_TEST variable, so the kernels
here start without it.
"""
import os

import pytest

os.environ["WORKSHOP_PROFILE"] = "smoke"


def _start_kernel_like_jupyterlab(start_new_kernel):
    def start(*args, **kwargs):
        kwargs.setdefault("env", {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"})
        return start_new_kernel(*args, **kwargs)

    return start


def pytest_configure(config):
    try:
        import nbval.kernel
    except ImportError:  # nbval is not installed: no notebooks to run
        return
    if not getattr(nbval.kernel.start_new_kernel, "_like_jupyterlab", False):
        nbval.kernel.start_new_kernel = _start_kernel_like_jupyterlab(nbval.kernel.start_new_kernel)
        nbval.kernel.start_new_kernel._like_jupyterlab = True


def pytest_collection_modifyitems(config, items):
    """Skip, with the reason, the notebooks about TensorFlow-only features under another Keras backend."""
    notebooks = {item.path.stem for item in items if item.path.suffix == ".ipynb"}
    if not notebooks:
        return
    import workshop_utils  # first: it loads Keras without TensorFlow's start-up log
    import keras
    from workshop_utils import config as course

    backend = keras.backend.backend()
    for item in items:
        reason = item.path.suffix == ".ipynb" and course.skip_reason(item.path.stem, backend)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def stderr_of(outputs):
    """Return what a cell's outputs wrote to standard error (empty string if nothing)."""
    return "".join(o.get("text", "") for o in outputs or [] if o.get("name") == "stderr")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    cell = getattr(item, "cell", None)
    if cell is not None and hasattr(item, "test_outputs"):  # an nbval notebook cell
        noise = stderr_of(item.test_outputs)
        if noise.strip():
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            raise AssertionError(
                f"{item.name} (starts with {first!r}) wrote to standard error, which a learner sees as a "
                f"red block:\n{noise.strip()[:1500]}")
    return result
