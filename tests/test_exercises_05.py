"""Exercises of notebook 05: the best epoch in one checkpoint file (05.1), a whole-model round trip (05.2).

The checks hold the notebook's rows; here they hold tiny ones (``HELD``, patched in for every test): three
classes of 6 "pixels", so that training takes a second. Notebook 05 runs under every backend, and so do
these tests.
"""

import tempfile
import warnings
from pathlib import Path

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
from workshop_utils import exercises
from workshop_utils.course import config
from workshop_utils.exercises import nb05
from workshop_utils.exercises._core import ExerciseNotPassed

import keras
import numpy as np
import pytest
from exercise_helpers import wrong

FEATURES = 6
# train_with_checkpoint fits in one batch of the 96 training rows: a step per epoch, and one validation step
BATCH = 96


def data(seed, count):
    """Three classes of 6 pixels (multiples of 1/255, so that every row is an image the checks can tell
    apart): the class's pixel is bright, the others dim."""
    rng = np.random.default_rng(seed)
    y = np.arange(count) % 3
    x = rng.integers(0, 100, size=(count, FEATURES))
    x[np.arange(count), y] = rng.integers(200, 256, size=count)
    return (x / 255.0).astype("float32"), y


def held_test_rows():
    """The test rows also light up pixel 3 + class, which the training and validation rows never do: a model
    that learned that has learned the test set."""
    x, y = data(2, 60)
    x[np.arange(len(y)), 3 + y] = 1.0
    return x, y


HELD = nb05.Held(*data(0, 96), *data(1, 48), *held_test_rows())


@pytest.fixture(autouse=True)
def held(monkeypatch):
    monkeypatch.setattr(nb05, "_held", lambda: HELD)


def tiny_model(initializer="glorot_uniform"):
    model = keras.Sequential(
        [
            keras.Input(shape=(FEATURES,)),
            keras.layers.Dense(8, activation="relu", kernel_initializer=initializer),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        run_eagerly=True,
    )  # no tracing: faster for a few tiny batches
    return model


# Folders for the checkpoint and model files, removed when the tests end.
SCRATCH = tempfile.TemporaryDirectory(prefix="test_05_")


def folder():
    return Path(tempfile.mkdtemp(dir=SCRATCH.name))


def trainer(
    where=None,
    epochs=3,
    validation="x_val",
    initializer="glorot_uniform",
    train="x_train",
    remove_file=False,
    **options,
):
    """A train_with_checkpoint function: a ModelCheckpoint made from ``options``, fit on ``train``, validated
    on ``validation`` ("x_val", "test", "train" or "split"); ``remove_file`` deletes the checkpoint's file
    after the run (one in the system's temporary folder, which the check refuses by its path alone)."""
    where = where or folder()

    def train_with_checkpoint(x_train, y_train, x_val, y_val):
        keras.utils.set_random_seed(1)
        settings = {
            "filepath": str(where / "best.keras"),
            "monitor": "val_accuracy",
            "mode": "max",
            "save_best_only": True,
        }
        settings.update(options)
        checkpoint = keras.callbacks.ModelCheckpoint(**settings)
        x_fit, y_fit = x_train, y_train
        if train == "both":
            x_fit, y_fit = np.concatenate([x_train, x_val]), np.concatenate([y_train, y_val])
        fit_options = {
            "x_val": {"validation_data": (x_val, y_val)},
            "test": {"validation_data": (HELD.x_test, HELD.y_test)},
            "train": {"validation_data": (x_train[:48], y_train[:48])},
            "split": {"validation_split": 0.25},
        }[validation]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns about val_acc, which is the point there
            history = tiny_model(initializer).fit(
                x_fit, y_fit, epochs=epochs, batch_size=BATCH, callbacks=[checkpoint], verbose=0, **fit_options
            )
        if remove_file:
            Path(checkpoint.filepath).unlink(missing_ok=True)
        return checkpoint, history

    return train_with_checkpoint


@pytest.fixture
def no_target(monkeypatch):
    """Targets of 0, so that the tiny runs pass whatever their accuracy."""
    monkeypatch.setitem(config.EXERCISE_TARGETS, "05.1", {"smoke": 0.0, "workshop": 0.0, "full": 0.0})


# --- 05.1 ----------------------------------------------------------------------------------------------


def test_the_best_epoch_in_one_file_passes(no_target):
    verdict = exercises.check("05.1", trainer(), strict=True)
    assert verdict.passed and "the best one" in verdict.message


def test_the_tiny_run_reaches_the_smoke_target():
    assert exercises.check("05.1", trainer()).passed


def test_mode_auto_also_knows_that_accuracy_goes_up(no_target):
    assert exercises.check("05.1", trainer(mode="auto")).passed


def test_none_is_not_started():
    assert exercises.check("05.1", None).status == "not started"


def test_below_the_target_is_not_yet_and_strict_raises(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "05.1", {"smoke": 1.01, "workshop": 1.01, "full": 1.01})
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("05.1", trainer(epochs=1), strict=True)


def test_a_function_that_fails_is_not_yet():
    def broken(x_train, y_train, x_val, y_val):
        raise ValueError("no such layer")

    verdict = exercises.check("05.1", broken)
    assert verdict.status == "not yet" and "stopped with ValueError" in verdict.message


def overwritten_file():
    """The run's best file, replaced afterwards by an untrained model."""

    def train_with_checkpoint(*data):
        checkpoint, history = trainer(epochs=2)(*data)
        keras.utils.set_random_seed(5)
        tiny_model().save(checkpoint.filepath)
        return checkpoint, history

    return train_with_checkpoint


def history_of_another_run():
    def train_with_checkpoint(*data):
        checkpoint, _ = trainer(epochs=2)(*data)
        return checkpoint, tiny_model().fit(data[0], data[1], epochs=1, verbose=0)

    return train_with_checkpoint


def test_a_file_in_the_system_temp_folder_is_not_yet(monkeypatch):
    where = folder()
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(where))
    verdict = exercises.check("05.1", trainer(where=where))
    assert verdict.status == "not yet" and "temporary folder" in verdict.message


# --- 05.2 ----------------------------------------------------------------------------------------------


def trained_model(epochs=3, seed=2, shuffled_labels=False):
    keras.utils.set_random_seed(seed)
    model = tiny_model()
    y = np.random.default_rng(seed).permutation(HELD.y_train) if shuffled_labels else HELD.y_train
    model.fit(HELD.x_train, y, epochs=epochs, batch_size=32, verbose=0)
    return model


def keras_round_trip(model=None):
    model = model or trained_model()
    path = folder() / "model.keras"
    model.save(path)
    return model, keras.models.load_model(path)


def weights_only(compiled):
    model = trained_model()
    path = folder() / "model.weights.h5"
    model.save_weights(path)
    copy = (
        tiny_model()
        if compiled
        else keras.Sequential(
            [
                keras.Input(shape=(FEATURES,)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(3, activation="softmax"),
            ]
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that it skips the optimizer's variables
        copy.load_weights(path)
    return model, copy


def nan_round_trip():
    model = trained_model()
    kernel, bias = model.layers[0].get_weights()
    model.layers[0].set_weights([kernel * np.nan, bias])
    return keras_round_trip(model)


def fitted_to_test():
    """Trained on the test rows, and it shows: it reads pixel 3 + class, which only the test rows light up."""
    keras.utils.set_random_seed(2)
    model = tiny_model()
    model.fit(HELD.x_test, HELD.y_test, epochs=1, batch_size=32, verbose=0)
    kernel = np.zeros((FEATURES, 8), "float32")
    kernel[3 + np.arange(3), np.arange(3)] = 10.0
    model.layers[0].set_weights([kernel, np.zeros(8, "float32")])
    output = np.zeros((8, 3), "float32")
    output[np.arange(3), np.arange(3)] = 1.0
    model.layers[1].set_weights([output, np.array([0.5, 0.0, 0.0], "float32")])
    return keras_round_trip(model)


def shared_weights():
    model = trained_model()
    copy = keras.Sequential([keras.Input(shape=(FEATURES,)), *model.layers])
    copy.compile(optimizer=model.optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, copy


def test_a_keras_file_round_trip_passes():
    verdict = exercises.check("05.2", *keras_round_trip(), strict=True)
    assert verdict.passed and "carry on training" in verdict.message


def test_round_trip_not_started():
    assert exercises.check("05.2", None, None).status == "not started"


def test_round_trip_below_the_target_fails_strictly(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "05.2", {"smoke": 1.01, "workshop": 1.01, "full": 1.01})
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("05.2", *keras_round_trip(), strict=True)


WRONG = [
    # 05.1
    wrong(
        "05.1",
        "test-data",
        "fit validated on the test rows, so the checkpoint picks its epoch on them",
        "validated on 60 test images",
        lambda: trainer(validation="test"),
    ),
    wrong(
        "05.1",
        "wrong-way",
        "fit validated on training rows",
        "also training images",
        lambda: trainer(validation="train"),
    ),
    wrong(
        "05.1",
        "wrong-way",
        "validation_split on x_train instead of x_val",
        "did not validate on x_val",
        lambda: trainer(validation="split"),
    ),
    wrong(
        "05.1",
        "wrong-way",
        "trained on x_train and x_val together",
        "also training images",
        lambda: trainer(train="both"),
    ),
    wrong(
        "05.1",
        "nan",
        "a diverged run: NaN weights in the file",
        "diverged",
        lambda: trainer(initializer=keras.initializers.Constant(float("nan"))),
    ),
    wrong(
        "05.1",
        "form",
        "monitor='val_acc', the old key",
        "a key that fit never logs",
        lambda: trainer(monitor="val_acc"),
    ),
    wrong(
        "05.1",
        "form",
        "monitor='val_loss'",
        "the exercise asks for the epoch with the best accuracy",
        lambda: trainer(monitor="val_loss", mode="min"),
    ),
    wrong("05.1", "form", "mode='min' for an accuracy", "mode='min'", lambda: trainer(mode="min")),
    wrong("05.1", "form", "save_best_only=False", "writes at every epoch", lambda: trainer(save_best_only=False)),
    wrong(
        "05.1",
        "form",
        "a file name with {epoch}",
        "placeholder",
        lambda: trainer(filepath=str(folder() / "epoch_{epoch:02d}.keras")),
    ),
    wrong(
        "05.1",
        "form",
        "the file in the system's temporary folder",
        "temporary folder",
        lambda: trainer(filepath=tempfile.mktemp(suffix=".keras"), remove_file=True),
    ),
    wrong(
        "05.1",
        "wrong-way",
        "the file replaced by an untrained model after the run",
        "not the best epoch's",
        overwritten_file,
    ),
    wrong("05.1", "wrong-way", "the history of another fit", "the history is not the one", history_of_another_run),
    # 05.2
    wrong(
        "05.2",
        "wrong-way",
        "reloaded_model is best_model itself",
        "the very same Python object",
        lambda: (lambda m: (m, m))(trained_model()),
    ),
    wrong(
        "05.2",
        "wrong-way",
        "a second model sharing best_model's layers and optimizer",
        "shares its weights",
        shared_weights,
    ),
    wrong(
        "05.2",
        "wrong-way",
        "weights only, loaded into a model compiled afresh",
        "step count differs",
        lambda: weights_only(compiled=True),
    ),
    wrong(
        "05.2",
        "form",
        "weights only, loaded into a model never compiled",
        "not compiled",
        lambda: weights_only(compiled=False),
    ),
    wrong("05.2", "nan", "a diverged model (NaN weights) saved and loaded", "NaN or infinite", nan_round_trip),
    wrong("05.2", "wrong-way", "an untrained model", "has not been trained", lambda: (tiny_model(), tiny_model())),
    wrong(
        "05.2",
        "wrong-way",
        "a model trained on shuffled labels, saved and loaded",
        "below this profile's target",
        lambda: keras_round_trip(trained_model(shuffled_labels=True)),
    ),
    wrong(
        "05.2",
        "test-data",
        "a model trained on the test rows, saved and loaded",
        "it learned the test set",
        fitted_to_test,
    ),
    wrong(
        "05.2",
        "form",
        "a reloaded model that predicts differently",
        "predicts differently",
        lambda: (trained_model(), trained_model(seed=9)),
    ),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()
