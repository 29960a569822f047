"""Say clearly when a notebook needs one Keras backend (e.g. TensorFlow for string tensors and tf.data)."""

import keras


class BackendNotSupported(RuntimeError):
    """The notebook (or section) cannot run under the active Keras backend; the message says why and what to do."""

    def _render_traceback_(self):
        # IPython shows this one line instead of a long traceback: the message is the whole story.
        return [f"BackendNotSupported: {self}"]


def require_backend(name, reason):
    """Stop with one clear message unless Keras runs on backend ``name``.

    Args:
        name: the backend the notebook needs: ``"tensorflow"``, ``"jax"`` or ``"torch"``.
        reason: what needs it, in a few words (e.g. ``"string tensors and tf.data"``).

    Raises:
        BackendNotSupported: when ``keras.backend.backend()`` is another backend.
    """
    known = ("tensorflow", "jax", "torch")
    if name not in known:
        raise ValueError(f"name must be one of {', '.join(known)}; got {name!r}.")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("reason must be a non-empty string saying what needs the backend.")
    active = keras.backend.backend()
    if active != name:
        raise BackendNotSupported(
            f"this notebook needs the {name} backend ({reason}), but Keras runs on {active}: "
            f"set KERAS_BACKEND={name} and restart the kernel."
        )
