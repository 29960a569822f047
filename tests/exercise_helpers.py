"""Small helpers shared by the exercise tests (tests/test_exercises_NN.py)."""
import keras


def history_for(model, **values):
    """A History as fit returns it, with the given per-epoch values (no training needed)."""
    history = keras.callbacks.History()
    history.set_model(model)
    history.history = {key: list(v) for key, v in values.items()}
    history.epoch = list(range(len(next(iter(values.values()), []))))
    return history
