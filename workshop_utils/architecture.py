"""A compact, deterministic table of a model's layers: name, type, output shape, activation, parameters.

Notebooks print it in a cell that nbval compares, so changing a layer, its size or its activation
fails the test suite. The text is the same on every backend and on CPU or GPU.
"""


def _activation_name(function):
    if function is None:
        return None
    return getattr(function, "__name__", type(function).__name__)


def activation_of(layer):
    """Return the activation a layer applies, as text (``relu``, ``tanh/sigmoid`` for LSTM/GRU), or ``-``."""
    for attribute in ("forward_layer", "layer"):  # Bidirectional, TimeDistributed: look inside
        inner = getattr(layer, attribute, None)
        if inner is not None and hasattr(inner, "get_config"):
            return activation_of(inner)
    main = _activation_name(getattr(layer, "activation", None))
    if main is None:
        return "-"
    recurrent = _activation_name(getattr(layer, "recurrent_activation", None))
    return f"{main}/{recurrent}" if recurrent else main


def _shape_text(tensor_or_structure):
    import keras

    shapes = [tuple(t.shape) for t in keras.tree.flatten(tensor_or_structure)]
    return str(shapes[0]) if len(shapes) == 1 else ", ".join(map(str, shapes))


def output_shape_of(layer):
    """Return a layer's output shape as text; ``multiple`` for a layer called on several inputs (shared)."""
    try:
        return _shape_text(layer.output)
    except (AttributeError, ValueError):
        return "multiple"


def architecture_rows(model, indent=""):
    """Return one (name, type, output shape, activation, parameters) row per layer; nested models are expanded."""
    import keras

    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        rows.append(
            (
                indent + layer.name,
                type(layer).__name__,
                output_shape_of(layer),
                activation_of(layer),
                layer.count_params(),
            )
        )
        if isinstance(layer, keras.Model):
            rows += architecture_rows(layer, indent + "  ")
    return rows


def architecture_text(model):
    """Return the architecture table of a built model as one string (see ``print_architecture``)."""
    if not model.built:
        raise ValueError(
            f"Model {model.name!r} is not built yet: give it a keras.Input or call "
            "model.build(input_shape) first, so that shapes and parameters are known."
        )
    header = ("layer", "type", "output shape", "activation", "params")
    rows = [(name, kind, shape, act, f"{count:,d}") for name, kind, shape, act, count in architecture_rows(model)]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row):
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths)]
        return "  ".join(cells + [row[-1].rjust(widths[-1])]).rstrip()

    trainable = sum(int(_size(w)) for w in model.trainable_weights)
    total = model.count_params()
    lines = [f"{model.name} ({type(model).__name__})", line(header)] + [line(r) for r in rows]
    lines.append(f"total parameters: {total:,d} (trainable {trainable:,d}, non-trainable {total - trainable:,d})")
    return "\n".join(lines)


def _size(variable):
    size = 1
    for dim in variable.shape:
        size *= int(dim)
    return size


def print_architecture(model):
    """Print a model's layers (name, type, output shape, activation, parameters) and its parameter totals.

    Args:
        model: a built Keras model (Sequential or functional; nested models are listed indented).
    """
    print(architecture_text(model))
