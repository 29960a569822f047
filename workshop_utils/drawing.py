"""Draw a model's graph with ``keras.utils.plot_model``, or say in one line what to install to draw it.

``plot_model`` needs two things outside Keras: the Python package ``pydot`` and the ``dot`` program of
graphviz. Without them a notebook should not stop: ``draw_model`` prints one line on how to install
what is missing and returns None, and the notebook goes on.
"""

import shutil
import sys
from pathlib import Path

INSTALL_HINTS = {
    "pydot": "pip install pydot",
    "graphviz": "sudo apt-get install graphviz, or conda install graphviz, or https://graphviz.org/download",
}


def missing_for_drawing():
    """Return what ``plot_model`` lacks on this machine: a list with ``"pydot"`` and/or
    ``"graphviz"``, empty if it can draw."""
    missing = []
    try:
        import pydot  # noqa: F401
    except ImportError:
        missing.append("pydot")
    if shutil.which("dot") is None:  # graphviz's layout program, looked up on PATH
        missing.append("graphviz")
    return missing


def install_hint(missing):
    """Return the one line that says how to install the missing drawing tools, then restart the kernel.

    Args:
        missing: a non-empty list of names from ``missing_for_drawing`` (``"pydot"``, ``"graphviz"``).
    """
    unknown = [name for name in missing if name not in INSTALL_HINTS]
    if not missing or unknown:
        raise ValueError(f"missing must name some of {sorted(INSTALL_HINTS)}; got {missing!r}")
    steps = "; ".join(f"{name}: {INSTALL_HINTS[name]}" for name in missing)
    return (
        f"Cannot draw the model: plot_model needs {' and '.join(missing)}. "
        f"Install {steps}; then restart the kernel. (The rest of the notebook runs without it.)"
    )


def draw_model(model, path, show_shapes=True, dpi=96):
    """Draw ``model`` with ``keras.utils.plot_model`` into a PNG file and return its path, or print
    one line and return None.

    Args:
        model: a built Keras model (functional or Sequential).
        path: the PNG file to write (its folder is created); use a folder under ``paths.artifacts_dir``.
        show_shapes: label every layer with its input and output shapes.
        dpi: resolution of the image (96 keeps it readable on screen and small on disk).

    Returns:
        The ``Path`` of the PNG file, or None when pydot or graphviz is missing (a line says how to
        install it) or graphviz failed to draw (a line says why).
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"draw_model needs a Keras model, got {type(model).__name__}.")
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"draw_model writes PNG files: give a path ending in .png, not {str(path)!r}.")
    missing = missing_for_drawing()
    if missing:
        print(install_hint(missing))
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # so that a drawing left by an earlier run never passes for a new one
    try:
        keras.utils.plot_model(model, to_file=str(path), show_shapes=show_shapes, show_layer_names=True, dpi=dpi)
    except (ImportError, OSError) as exc:  # e.g. a broken graphviz install: say so, do not stop the notebook
        print(
            f"WARNING: cannot draw the model {model.name!r}: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            file=sys.stderr,
        )
        return None
    if not path.is_file():  # plot_model only prints a message in some failure cases
        print(
            f"WARNING: cannot draw the model {model.name!r}: plot_model wrote no file (see its message above).",
            file=sys.stderr,
        )
        return None
    return path
