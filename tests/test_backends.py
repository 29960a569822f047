"""require_backend passes on the active backend and stops with one clear message on another."""

import keras
import pytest

from workshop_utils.course import backends


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
