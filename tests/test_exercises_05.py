"""Exercises of notebook 05: the best epoch in one checkpoint file (05.1), a whole-model round trip (05.2)."""
import numpy as np
import pytest

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
import keras
from workshop_utils import config, exercises
from workshop_utils.exercises._core import ExerciseNotPassed


def data(seed=0, count=96):
    """Three classes of 6 features, easy to tell apart."""
    rng = np.random.default_rng(seed)
    y = np.arange(count) % 3
    x = rng.normal(0, 0.3, size=(count, 6)).astype("float32")
    x[np.arange(count), y] += 2.0
    return x, y


def tiny_model():
    model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def run(folder, epochs=3, **options):
    """Train a tiny model with a ModelCheckpoint made from ``options``; return the checkpoint and history."""
    keras.utils.set_random_seed(1)
    (x, y), (x_val, y_val) = data(0), data(1, 48)
    settings = {"filepath": str(folder / "best.keras"), "monitor": "val_accuracy", "mode": "max",
                "save_best_only": True}
    settings.update(options)
    checkpoint = keras.callbacks.ModelCheckpoint(**settings)
    history = tiny_model().fit(x, y, validation_data=(x_val, y_val), epochs=epochs, batch_size=32,
                               callbacks=[checkpoint], verbose=0)
    return checkpoint, history, x_val, y_val


@pytest.fixture
def no_target(monkeypatch):
    """Targets of 0, so that the tiny runs pass whatever their accuracy."""
    monkeypatch.setitem(config.EXERCISE_TARGETS, "05.1", {"smoke": 0.0, "workshop": 0.0, "full": 0.0})


def test_the_best_epoch_in_one_file_passes(tmp_path, no_target):
    checkpoint, history, x_val, y_val = run(tmp_path)
    verdict = exercises.check("05.1", checkpoint, history, x_val, y_val, strict=True)
    assert verdict.passed and "the best one" in verdict.message


def test_mode_auto_also_knows_that_accuracy_goes_up(tmp_path, no_target):
    checkpoint, history, x_val, y_val = run(tmp_path, mode="auto")
    assert exercises.check("05.1", checkpoint, history, x_val, y_val).passed


def test_none_is_not_started(tmp_path):
    assert exercises.check("05.1", None, None, None, None).status == "not started"
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"))
    assert exercises.check("05.1", checkpoint, None, None, None).status == "not started"


@pytest.mark.parametrize("options, phrase", [
    ({"monitor": "val_acc"}, "a key that fit never logs"),
    ({"monitor": "val_loss", "mode": "min"}, "the exercise asks for the epoch with the best accuracy"),
    ({"mode": "min"}, "mode='min'"),
    ({"save_best_only": False}, "writes at every epoch"),
    ({"filepath": "{folder}/epoch_{{epoch:02d}}.keras"}, "placeholder"),
])
def test_wrong_checkpoints_are_not_yet(tmp_path, options, phrase):
    if "filepath" in options:
        options = {"filepath": options["filepath"].format(folder=tmp_path)}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns about val_acc, which is the point here
        checkpoint, history, x_val, y_val = run(tmp_path, epochs=2, **options)
    verdict = exercises.check("05.1", checkpoint, history, x_val, y_val)
    assert verdict.status == "not yet" and phrase in verdict.message


def test_a_file_in_the_system_temp_folder_is_not_yet(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    checkpoint, history, x_val, y_val = run(tmp_path, epochs=1)
    verdict = exercises.check("05.1", checkpoint, history, x_val, y_val)
    assert verdict.status == "not yet" and "temporary folder" in verdict.message


def test_an_untrained_checkpoint_and_a_foreign_history_are_not_yet(tmp_path):
    _, history, x_val, y_val = run(tmp_path, epochs=2)
    fresh = keras.callbacks.ModelCheckpoint(str(tmp_path / "other.keras"), monitor="val_accuracy", mode="max",
                                            save_best_only=True)
    assert "has not watched a training run" in exercises.check("05.1", fresh, history, x_val, y_val).message
    fresh.best = 0.123
    assert "pass the history" in exercises.check("05.1", fresh, history, x_val, y_val).message


def test_a_file_that_is_not_the_best_epoch_is_not_yet(tmp_path):
    checkpoint, history, x_val, y_val = run(tmp_path, epochs=2)
    keras.utils.set_random_seed(5)
    tiny_model().save(checkpoint.filepath)  # an untrained model replaces the best one
    verdict = exercises.check("05.1", checkpoint, history, x_val, y_val)
    assert verdict.status == "not yet" and "not the best epoch's" in verdict.message


def test_below_the_target_is_not_yet_and_strict_raises(tmp_path, monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "05.1", {"smoke": 1.01, "workshop": 1.01, "full": 1.01})
    checkpoint, history, x_val, y_val = run(tmp_path, epochs=1)
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("05.1", checkpoint, history, x_val, y_val, strict=True)


@pytest.fixture
def trained(tmp_path):
    keras.utils.set_random_seed(2)
    x, y = data(0)
    model = tiny_model()
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    return model, x, tmp_path


def test_a_keras_file_round_trip_passes(trained):
    model, x, folder = trained
    model.save(folder / "model.keras")
    reloaded = keras.models.load_model(folder / "model.keras")
    verdict = exercises.check("05.2", model, reloaded, x, strict=True)
    assert verdict.passed and "carry on training" in verdict.message


def test_round_trip_not_started():
    assert exercises.check("05.2", None, None, None).status == "not started"


def test_round_trip_wrong_answers(trained):
    model, x, folder = trained
    assert "the very same Python object" in exercises.check("05.2", model, model, x).message

    model.save_weights(folder / "model.weights.h5")
    bare = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])
    bare.load_weights(folder / "model.weights.h5")
    assert "not compiled" in exercises.check("05.2", model, bare, x).message

    keras.utils.set_random_seed(9)
    assert "predicts differently" in exercises.check("05.2", model, tiny_model(), x).message

    untrained = tiny_model()
    assert "has not been trained" in exercises.check("05.2", untrained, model, x).message


def test_weights_loaded_into_a_compiled_copy_lose_the_optimizer_state(trained):
    model, x, folder = trained
    model.save_weights(folder / "model.weights.h5")
    copy = tiny_model()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that it skips the optimizer's variables
        copy.load_weights(folder / "model.weights.h5")
    verdict = exercises.check("05.2", model, copy, x)
    assert verdict.status == "not yet" and "step count differs" in verdict.message
