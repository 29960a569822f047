"""Run a learner's model on a few arrays without ``predict``, for the checks of notebooks 01-04.

``model.predict`` builds a traced function per model; a check that calls it on several models in a row
makes TensorFlow warn about retracing (on standard error, which a notebook shows as a red block).
Calling the model directly, in inference mode and in slices, gives the same outputs without tracing.
"""

import numpy as np


def outputs_of(model, x, batch_size=2048):
    """Return the model's outputs on ``x`` as one NumPy array (inference mode, in slices of batch_size)."""
    import keras

    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.integer):
        x = x.astype("float32")
    parts = [
        keras.ops.convert_to_numpy(model(x[start : start + batch_size], training=False))
        for start in range(0, len(x), batch_size)
    ]
    return np.concatenate(parts) if parts else np.zeros((0,))
