"""Exercises of notebook 02: the sparse loss (02.1), validation held out (02.2), the largest mix-up (02.3).

The checks hold notebook 02's image subsets themselves; here those are swapped for small synthetic sets of
28x28 uint8 images (monkeypatch). Models are tiny or get their weights by hand, and the one training
function trains for one epoch on 200 images, so the file runs in seconds. ``WRONG`` lists wrong answers of
different kinds; each must get NOT YET.
"""

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
from workshop_utils import exercises
from workshop_utils.exercises import nb02
from workshop_utils.exercises._core import ExerciseNotPassed
from workshop_utils.exercises._heldout import mlp_rows

import keras
import numpy as np
import pytest
from exercise_helpers import history_for, wrong


def images(count, seed, noise, similar=0.0, prototypes_seed=0):
    """``count`` 28x28 uint8 images of 10 classes (a pattern per class plus noise), with labels. ``similar``
    is the share of one pattern that all classes have in common: the larger, the harder to tell apart."""
    patterns = np.random.default_rng(prototypes_seed).uniform(0, 255, size=(11, 28, 28))
    prototypes = patterns[:1] * similar + patterns[1:] * (1 - similar)
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 10
    rng.shuffle(labels)
    pixels = prototypes[labels] * 0.6 + rng.normal(0, noise, size=(count, 28, 28))
    return np.clip(pixels, 0, 255).astype(np.uint8), labels.astype(np.uint8)


FASHION = (images(200, 1, 40), images(100, 2, 40))
# Digits that look alike, so that the checks' nearest-mean model makes mistakes and there are mix-ups to find.
MNIST = (images(300, 3, 60, similar=0.8, prototypes_seed=5), images(400, 4, 60, similar=0.8, prototypes_seed=5))


@pytest.fixture(autouse=True)
def held_data(monkeypatch):
    """The checks' held subsets, replaced by the small synthetic sets above."""
    monkeypatch.setattr(nb02, "_fashion", lambda: FASHION)
    monkeypatch.setattr(nb02, "_mnist", lambda: MNIST)


def rows(part):
    x, y = part
    return mlp_rows(x), y.astype("int64")


def nearest_mean_model(loss="sparse_categorical_crossentropy", units=10, nan=False):
    """784 -> Dense(units, softmax) whose weights pick the nearest class mean of the training images."""
    x, y = rows(FASHION[0])
    means = np.stack([x[y == k].mean(axis=0) for k in range(10)])
    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(units, activation="softmax")])
    kernel, bias = (2 * means.T / 10)[:, :units], (-(means**2).sum(axis=1) / 10)[:units]
    if nan:
        kernel = np.full_like(kernel, np.nan)
    model.layers[-1].set_weights([kernel.astype("float32"), bias.astype("float32")])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=1e-4), loss=loss, metrics=["accuracy"], run_eagerly=True
    )  # the fits below take one epoch of a few batches: faster without tracing
    return model


def with_history(model, **values):
    return model, history_for(model, **(values or {"loss": [0.5], "val_loss": [0.6], "val_accuracy": [0.9]}))


# --- 02.1 ----------------------------------------------------------------------------------------------


def test_02_1_integer_labels_and_sparse_loss_pass():
    verdict = exercises.check("02.1", *with_history(nearest_mean_model()), strict=True)
    assert verdict.passed and "sparse loss" in verdict.message


def test_02_1_a_real_fit_passes():
    x, y = rows(FASHION[0])
    model = nearest_mean_model()
    history = model.fit(x, y, validation_split=0.1, epochs=1, batch_size=32, verbose=0)
    assert exercises.check("02.1", model, history, strict=True).passed


def test_02_1_not_started():
    assert exercises.check("02.1", None, None).status == "not started"
    assert exercises.check("02.1", nearest_mean_model(), None).status == "not started"


def test_02_1_low_accuracy_fails_strictly():
    model = nearest_mean_model()
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([np.roll(kernel, 1, axis=1), np.roll(bias, 1)])  # every image one class off
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("02.1", *with_history(model), strict=True)


def _validated_on_test_02_1():
    (x, y), (x_test, y_test) = rows(FASHION[0]), rows(FASHION[1])
    model = nearest_mean_model()
    return model, model.fit(x, y, validation_data=(x_test, y_test), epochs=1, batch_size=32, verbose=0)


def _one_hot_fit():
    x, y = rows(FASHION[0])
    model = nearest_mean_model(loss="categorical_crossentropy")
    return model, model.fit(x, np.eye(10)[y], validation_split=0.1, epochs=1, batch_size=32, verbose=0)


# --- 02.2 ----------------------------------------------------------------------------------------------


def big_network(hidden=512, learning_rate=1e-3):
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    # run_eagerly: a few steps on 200 images run faster without tracing a training function first
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        run_eagerly=True,
    )
    return model


def train_big_model(x_train, y_train):
    """The right answer: the last tenth of the arrays it gets validates, the rest trains."""
    n_val = len(x_train) // 10
    x_fit, y_fit, x_val, y_val = x_train[:-n_val], y_train[:-n_val], x_train[-n_val:], y_train[-n_val:]
    model = big_network()
    history = model.fit(x_fit, y_fit, batch_size=32, epochs=1, validation_data=(x_val, y_val), verbose=0)
    return model, history


def trainer(validation="own", hidden=512, learning_rate=1e-3, returns="both", data="given"):
    """A training function for 02.2 that goes wrong in one way."""

    def train(x_train, y_train):
        if data == "globals":  # the notebook's variables instead of the arguments
            x_train, y_train = rows(images(200, 9, 40))
        n_val = len(x_train) // 10
        model = big_network(hidden, learning_rate)
        x_fit, y_fit = x_train[:-n_val], y_train[:-n_val]
        options = {"validation_data": (x_train[-n_val:], y_train[-n_val:])}
        if validation == "test":
            options = {"validation_data": rows(FASHION[1])}
        elif validation == "overlap":
            x_fit, y_fit = x_train, y_train
        elif validation == "split":
            x_fit, y_fit, options = x_train, y_train, {"validation_split": 0.1}
        history = model.fit(x_fit, y_fit, batch_size=32, epochs=1, verbose=0, **options)
        return {"both": (model, history), "model": model}[returns]

    return train


def test_02_2_own_validation_split_passes():
    verdict = exercises.check("02.2", train_big_model, strict=True)
    assert verdict.passed and "20 validation images held out" in verdict.message


def test_02_2_not_started():
    assert exercises.check("02.2", None).status == "not started"


def test_02_2_a_function_that_fails_is_not_yet():
    def broken(x_train, y_train):
        raise ValueError("shapes do not match")

    verdict = exercises.check("02.2", broken)
    assert verdict.status == "not yet" and "shapes do not match" in verdict.message and verdict.error is None


def test_02_2_the_check_trains_on_the_held_images():
    seen = []

    def spy(x_train, y_train):
        seen.append((x_train.shape, y_train.shape))
        return train_big_model(x_train, y_train)

    exercises.check("02.2", spy)
    assert seen == [((200, 784), (200,))]


# --- 02.3 ----------------------------------------------------------------------------------------------


def predicted_digits(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=-1)


def most_confused(y_true, y_pred):
    counts = np.zeros((10, 10), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    np.fill_diagonal(counts, 0)
    return tuple(int(i) for i in np.unravel_index(counts.argmax(), counts.shape))


def test_02_3_argmax_and_largest_mix_up_pass():
    verdict = exercises.check("02.3", predicted_digits, most_confused, strict=True)
    assert verdict.passed and "labels you had not seen" in verdict.message


def test_02_3_the_held_digits_have_a_mix_up_to_find():
    (x, y), (x_test, y_test) = MNIST
    model = nb02._template_model(mlp_rows(x), y)
    predicted = predicted_digits(model, mlp_rows(x_test))
    assert 0.3 < np.mean(predicted == y_test) < 0.95


def test_02_3_not_started():
    assert exercises.check("02.3", None, None).status == "not started"
    assert exercises.check("02.3", predicted_digits, None).status == "not started"


def test_02_3_a_function_that_plots_leaves_no_figures():
    from workshop_utils import plotting

    import matplotlib.pyplot as plt

    def plotting_most_confused(y_true, y_pred):
        counts = plotting.plot_confusion_matrix(y_true, y_pred, [str(d) for d in range(10)]).matrix.copy()
        np.fill_diagonal(counts, 0)
        return np.unravel_index(counts.argmax(), counts.shape)

    before = plt.get_fignums()
    assert exercises.check("02.3", predicted_digits, plotting_most_confused).passed
    assert plt.get_fignums() == before


def _labels_of_the_notebook(model, images):
    return MNIST[1][1]  # the test labels, whatever the model and the images


FIXED_MODEL = []


def _ignores_the_model(model, images):
    if not FIXED_MODEL:
        x, y = MNIST[0]
        FIXED_MODEL.append(nb02._template_model(mlp_rows(x), y))
    return predicted_digits(FIXED_MODEL[0], images)


def _reversed(y_true, y_pred):
    return most_confused(y_true, y_pred)[::-1]


def _with_the_diagonal(y_true, y_pred):
    counts = np.zeros((10, 10), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return np.unravel_index(counts.argmax(), counts.shape)


def _nan_classes(model, images):
    classes = predicted_digits(model, images).astype("float64")
    classes[0] = np.nan
    return classes


# --- the wrong answers ---------------------------------------------------------------------------------

WRONG = [
    # 02.1: the check holds the Fashion-MNIST test subset and scores the model on it.
    wrong("02.1", "test-data", "fit validated on the test images", "fit validated on them", _validated_on_test_02_1),
    wrong(
        "02.1",
        "nan",
        "weights that are NaN (a diverged run)",
        "NaN or infinite",
        lambda: with_history(nearest_mean_model(nan=True)),
    ),
    wrong(
        "02.1",
        "nan",
        "a history whose validation accuracy is NaN",
        "NaN or infinite",
        lambda: with_history(nearest_mean_model(), loss=[0.5], val_accuracy=[np.nan]),
    ),
    wrong(
        "02.1",
        "wrong-way",
        "one-hot labels with the categorical loss (reaches the accuracy, not the task)",
        "sparse version",
        _one_hot_fit,
    ),
    wrong(
        "02.1",
        "form",
        "five outputs for ten classes",
        "fewer than the 10 classes",
        lambda: with_history(nearest_mean_model(units=5)),
    ),
    wrong(
        "02.1",
        "form",
        "a regression loss",
        "sparse_categorical_crossentropy",
        lambda: with_history(nearest_mean_model(loss="mse")),
    ),
    wrong(
        "02.1",
        "form",
        "a history without validation",
        "validation data",
        lambda: with_history(nearest_mean_model(), loss=[0.5]),
    ),
    wrong(
        "02.1",
        "form",
        "the history of another model",
        "another model",
        lambda: (nearest_mean_model(), with_history(nearest_mean_model())[1]),
    ),
    # 02.2: the check calls train_big_model with the training images it holds and watches every fit.
    wrong(
        "02.2",
        "test-data",
        "validation_data=(x_test, y_test) from the notebook's variables",
        "validated on 100 test images",
        lambda: trainer(validation="test"),
    ),
    wrong(
        "02.2",
        "test-data",
        "validation images that are also trained on",
        "also training images",
        lambda: trainer(validation="overlap"),
    ),
    wrong(
        "02.2",
        "wrong-way",
        "a function that trains on the notebook's arrays, not its arguments",
        "not among those the check handed it",
        lambda: trainer(data="globals"),
    ),
    wrong(
        "02.2",
        "nan",
        "a learning rate that makes the run diverge",
        "NaN or infinite",
        lambda: trainer(learning_rate=1e30),
    ),
    wrong(
        "02.2",
        "form",
        "validation_split instead of a split of your own",
        "split it yourself",
        lambda: trainer(validation="split"),
    ),
    wrong("02.2", "form", "a smaller network", "fewer parameters", lambda: trainer(hidden=256)),
    wrong(
        "02.2",
        "form",
        "returns the model without its history",
        "return model, history",
        lambda: trainer(returns="model"),
    ),
    # 02.3: the check calls the functions on a model of its own, on held digits and on made-up labels.
    wrong(
        "02.3",
        "copied",
        "a pair copied from the plot",
        "the same pair whatever labels",
        lambda: (predicted_digits, lambda y_true, y_pred: (5, 3)),
    ),
    wrong(
        "02.3",
        "copied",
        "the pair itself instead of a function",
        "should be a function",
        lambda: (predicted_digits, (5, 3)),
    ),
    wrong(
        "02.3",
        "from-targets",
        "the notebook's test labels instead of the model's predictions",
        "not the most probable class",
        lambda: (_labels_of_the_notebook, most_confused),
    ),
    wrong(
        "02.3",
        "wrong-way",
        "the pair the wrong way round (predicted, true)",
        "wrong way round",
        lambda: (predicted_digits, _reversed),
    ),
    wrong(
        "02.3",
        "wrong-way",
        "the diagonal counted as a mix-up",
        "diagonal",
        lambda: (predicted_digits, _with_the_diagonal),
    ),
    wrong(
        "02.3",
        "wrong-way",
        "predictions of the notebook's model, whatever model it gets",
        "not the most probable class of the model it gets",
        lambda: (_ignores_the_model, most_confused),
    ),
    wrong(
        "02.3",
        "form",
        "argmax along the wrong axis",
        "wrong axis",
        lambda: (lambda model, x: np.argmax(model.predict(x, verbose=0), axis=0), most_confused),
    ),
    wrong(
        "02.3",
        "form",
        "probabilities instead of classes",
        "row of 10 probabilities",
        lambda: (lambda model, x: model.predict(x, verbose=0), most_confused),
    ),
    wrong(
        "02.3",
        "form",
        "a sentence instead of a pair",
        "pair of two digits",
        lambda: (predicted_digits, lambda y_true, y_pred: "5 and 3"),
    ),
    wrong("02.3", "nan", "classes with a NaN among them", "NaN or infinite", lambda: (_nan_classes, most_confused)),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()
