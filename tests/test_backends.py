"""require_backend passes on the active backend and stops with one clear message on another."""

from workshop_utils.course import backends

import keras
import pytest


def test_active_backend_passes():
    assert backends.require_backend(keras.backend.backend(), "anything") is None


def test_other_backend_stops_with_a_clear_message():
    other = "jax" if keras.backend.backend() != "jax" else "torch"
    with pytest.raises(backends.BackendNotSupported, match=f"KERAS_BACKEND={other}"):
        backends.require_backend(other, "string tensors")


def test_one_line_traceback_in_ipython():
    error = backends.BackendNotSupported("needs tensorflow")
    assert error._render_traceback_() == ["BackendNotSupported: needs tensorflow"]


@pytest.mark.parametrize("name, reason", [("theano", "x"), ("tensorflow", ""), ("tensorflow", None)])
def test_bad_arguments(name, reason):
    with pytest.raises(ValueError):
        backends.require_backend(name, reason)


def test_skip_reason_names_the_tensorflow_only_notebooks():
    assert backends.skip_reason("03_tf_data_pipelines", "tensorflow") is None
    assert "tf.data" in backends.skip_reason("03_tf_data_pipelines", "jax")
    assert backends.skip_reason("02_mlp_fashion_mnist", "torch") is None


def test_setup_stops_a_tensorflow_only_notebook_under_another_backend(monkeypatch):
    import workshop_utils

    monkeypatch.setattr(backends, "active", lambda: "jax")
    for notebook in ("03_tf_data_pipelines", "04_tensorboard", "09_text_classification"):
        with pytest.raises(backends.BackendNotSupported, match="KERAS_BACKEND=tensorflow"):
            workshop_utils.setup(notebook, verbose=False)
    assert workshop_utils.setup("02_mlp_fashion_mnist", verbose=False).notebook == "02_mlp_fashion_mnist"
