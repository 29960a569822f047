"""Helpers for hyperparameter tuning (notebook 11): Hyperband's plan and a plot of the trials a tuner ran."""

import math


def _require_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")


def hyperband_schedule(max_epochs, factor, hyperband_iterations=1):
    """Return the rounds Keras Tuner's Hyperband runs, as a list of dicts, in the order it runs them.

    Each dict has ``iteration``, ``bracket``, ``round``, ``models`` (trials in that round), ``epochs``
    (what each of those models has trained when the round ends) and ``new_epochs`` (what each trains
    in that round: a model promoted from the previous round continues from its checkpoint). The
    numbers follow ``keras_tuner.oracles.HyperbandOracle`` (keras-tuner 1.4); the total number of
    trials is ``sum(row["models"] for row in schedule)``.

    Args:
        max_epochs: the most epochs one model trains (Hyperband's ``max_epochs``), an integer >= 1.
        factor: how much each round shrinks the number of models and grows their epochs, >= 2.
        hyperband_iterations: how many times the whole set of brackets runs, >= 1.
    """
    _require_int(max_epochs, "max_epochs", 1)
    _require_int(factor, "factor", 2)
    _require_int(hyperband_iterations, "hyperband_iterations", 1)
    brackets, epochs = 0, max_epochs
    while epochs >= 1:  # as the oracle counts them: min_epochs is 1
        epochs /= factor
        brackets += 1
    end_size = math.ceil(1 + math.log(max_epochs, factor))
    rows = []
    for iteration in range(hyperband_iterations):
        for bracket in reversed(range(brackets)):
            previous = 0
            for round_num in range(bracket + 1):
                models = math.ceil(end_size / (bracket + 1) * factor ** (bracket - round_num))
                round_epochs = math.ceil(max_epochs / factor ** (bracket - round_num))
                rows.append(
                    {
                        "iteration": iteration,
                        "bracket": bracket,
                        "round": round_num,
                        "models": models,
                        "epochs": round_epochs,
                        "new_epochs": round_epochs - previous,
                    }
                )
                previous = round_epochs
    return rows


def plot_trials(table, x="units", y="val_accuracy", hue="learning_rate", size="epochs", title=None):
    """Scatter the trials of a search: ``y`` against ``x``, one colour per ``hue`` value, bigger
    marks for more ``size``.

    Args:
        table: a pandas DataFrame with one row per trial and the columns named below.
        x, y: columns for the axes (e.g. ``units`` and ``val_accuracy``).
        hue: column whose distinct values get one colour each (e.g. ``learning_rate``); None for one colour.
        size: numeric column that scales the marks (e.g. ``epochs`` trained); None for equal marks.
        title: optional axes title.
    """
    import matplotlib.pyplot as plt

    if not hasattr(table, "columns") or not hasattr(table, "groupby"):
        raise ValueError(f"table must be a pandas DataFrame; got {type(table).__name__}.")
    needed = [c for c in (x, y, hue, size) if c is not None]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"table has no column {missing}; it has {list(table.columns)}.")
    if len(table) == 0:
        raise ValueError("table has no trials to plot.")
    fig, ax = plt.subplots(figsize=(7, 4))
    largest = float(table[size].max()) if size is not None else 1.0
    groups = table.groupby(hue, sort=True) if hue is not None else [(None, table)]
    for value, rows in groups:
        marks = 30 + 170 * rows[size].astype(float) / largest if size is not None else 60
        label = f"{hue} = {value:g}" if isinstance(value, float) else (f"{hue} = {value}" if hue is not None else None)
        ax.scatter(rows[x], rows[y], s=marks, alpha=0.7, edgecolors="black", label=label)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.grid(alpha=0.3)
    if hue is not None:
        ax.legend(title=f"(mark size: {size})" if size is not None else None)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
