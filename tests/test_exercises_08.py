"""Exercises of notebook 08: Flatten and a parameter count of any size (08.1), a left/right reader (08.2).

The 08.2 check holds the notebook's data; here it is replaced by tiny raw 'digits' (a row block per class,
seen in both halves) that a dense reader learns in a few steps.
"""

import re

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
from workshop_utils import exercises
from workshop_utils.course import config
from workshop_utils.exercises import nb08
from workshop_utils.exercises._core import ExerciseNotPassed

import keras
import numpy as np
import pytest
from exercise_helpers import wrong

layers = keras.layers


def cnn(flatten="before_dense", pooling=None, conv_2=16):
    """The notebook's convolutional network, with Flatten (or another layer) put where asked."""
    image = keras.Input(shape=(64, 64, 1), name="image")
    x = layers.Conv2D(32, kernel_size=4, activation="relu", name="conv_1")(image)
    x = layers.MaxPooling2D(pool_size=2, name="pool_1")(x)
    x = layers.Conv2D(conv_2, kernel_size=4, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(pool_size=2, name="pool_2")(x)
    if pooling is not None:
        x = pooling(x)
    elif flatten == "before_dense":
        x = layers.Flatten()(x)
    x = layers.Dense(10, activation="relu", name="dense_10")(x)
    if flatten == "after_dense":
        x = layers.Flatten()(x)
    probability = layers.Dense(1, activation="sigmoid", name="probability")(x)
    return keras.Model(image, probability, name="cnn")


def side(image_size):
    return ((image_size - 3) // 2 - 3) // 2


def flat_cnn_parameters(image_size, filters_1, filters_2, units):
    """The right answer: conv_1, conv_2, dense_10 after Flatten, the output layer."""
    conv_1 = 4 * 4 * 1 * filters_1 + filters_1
    conv_2 = 4 * 4 * filters_1 * filters_2 + filters_2
    dense = side(image_size) ** 2 * filters_2 * units + units
    return conv_1 + conv_2 + dense + units + 1


def test_the_notebook_network_counts_as_the_solution_says():
    assert nb08.CNN_PARAMETERS == cnn().count_params() == flat_cnn_parameters(64, 32, 16, 10) == 35813


def test_a_right_function_passes_on_networks_of_other_sizes():
    verdict = exercises.check("08.1", cnn(), flat_cnn_parameters, strict=True)
    assert verdict.passed and f"all {1 + len(nb08.OTHER_SIZES) + nb08.RANDOM_NETWORKS} networks" in verdict.message


def test_the_check_builds_networks_the_learner_has_not_seen():
    sizes = nb08._networks()
    odd_after_a_convolution = [n for n, *_ in sizes if (n - 3) % 2 or ((n - 3) // 2 - 3) % 2]
    assert len(set(sizes)) >= 6 and len(odd_after_a_convolution) >= 3  # pooling must round these down
    for network in sizes[:3]:
        assert nb08._true_count(network) == flat_cnn_parameters(*network)


def test_flatten_not_started():
    assert exercises.check("08.1", None, None).status == "not started"
    assert exercises.check("08.1", cnn(), None).status == "not started"


def test_the_verdict_never_says_too_high_or_too_low():
    off_by_one = lambda *sizes: flat_cnn_parameters(*sizes) + 1  # noqa: E731
    message = exercises.check("08.1", cnn(), off_by_one).message
    assert "wrong count for 8 of the 8" in message
    assert not re.search(r"\b(too|high|higher|low|lower|more|fewer|less)\b|35,813", message)


@pytest.mark.parametrize(
    "model, phrase",
    [
        (lambda: cnn(flatten=None), "no Flatten layer"),
        (lambda: cnn(flatten="after_dense"), "between pool_2 and dense_10"),
        (lambda: cnn(conv_2=8), "parameter count differs"),
    ],
)
def test_wrong_flattened_networks_are_not_yet(model, phrase):
    verdict = exercises.check("08.1", model(), flat_cnn_parameters)
    assert verdict.status == "not yet" and phrase in verdict.message


def encoder(name="half_encoder"):
    half = keras.Input(shape=(28, 14), name="half")
    return keras.Model(half, layers.Dense(64, activation="relu")(layers.Flatten()(half)), name=name)


def reader(shared=True, names=("left", "right"), shape=(28, 14), outputs_as="dict", hidden=64):
    left = keras.Input(shape=shape, name=names[0])
    right = keras.Input(shape=shape, name=names[1])
    first = encoder() if shape == (28, 14) else keras.Sequential([layers.Flatten(), layers.Dense(64)])
    second = first if shared else encoder("second_encoder")
    both = layers.Concatenate()([first(left), second(right)])
    h = layers.Dense(hidden, activation="relu")(both)
    digit = layers.Dense(10, activation="softmax", name="digit")(h)
    even = layers.Dense(1, activation="sigmoid", name="even")(h)
    inputs = {names[0]: left, names[1]: right}
    outputs = {"digit": digit, "even": even} if outputs_as == "dict" else [digit, even]
    return keras.Model(inputs, outputs, name="reader")


def compiled(model, digit="sparse_categorical_crossentropy", even="binary_crossentropy"):
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss={"digit": digit, "even": even},
        metrics={"digit": ["accuracy"], "even": ["accuracy"]},
        run_eagerly=True,
    )  # no tracing: faster here
    return model


def digits(count=60, seed=0):
    """Raw uint8 'images' where digit k lights up a row block, seen in both halves."""
    rng = np.random.default_rng(seed)
    y = np.arange(count) % 10
    x = rng.integers(0, 40, size=(count, 28, 28)).astype("uint8")
    for i, label in enumerate(y):
        x[i, 2 * label + 4 : 2 * label + 7, 2:26] = 255
    return x, y


HELD = (digits(60, seed=0), digits(20, seed=1), digits(30, seed=2))  # train, validation, test
X_TEST, Y_TEST = HELD[2]


@pytest.fixture(autouse=True)
def held_data(monkeypatch):
    monkeypatch.setattr(nb08, "_held_data", lambda: HELD)


@pytest.fixture
def low_target(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "08.2", {"smoke": 0.5, "workshop": 0.5, "full": 0.5})


def halves(x):
    pixels = x.astype("float32") / 255
    return {"left": pixels[:, :, :14], "right": pixels[:, :, 14:]}


def feed(model, x):
    """The halves of raw images, keyed by the names of the model's inputs (left first)."""
    cut = halves(x)
    return dict(zip([tensor.name for tensor in model.inputs], [cut["left"], cut["right"]]))


def targets(y):
    return {"digit": y, "even": (y % 2 == 0).astype("float32")}


def trainer(build=lambda: compiled(reader()), fit_on=None, validate_on=None, epochs=6, then=None):
    """A learner's train_left_right_reader: build, fit (on the data given, or on fit_on / validate_on), return."""

    def train_left_right_reader(x_train, y_train, x_val, y_val):
        keras.utils.set_random_seed(0)
        model = build()
        x_fit, y_fit = fit_on or (x_train, y_train)
        x_check, y_check = validate_on or (x_val, y_val)
        model.fit(
            feed(model, x_fit),
            targets(y_fit),
            validation_data=(feed(model, x_check), targets(y_check)),
            epochs=epochs,
            batch_size=20,
            verbose=0,
        )
        return then(model) if then else model

    return train_left_right_reader


def test_the_left_right_reader_passes(low_target):
    assert nb08.READER_PARAMETERS == reader().count_params() == 34123
    verdict = exercises.check("08.2", trainer(), strict=True)
    assert verdict.passed and "34,123 parameters" in verdict.message and "30 test images" in verdict.message


def test_outputs_as_a_list_a_validation_split_and_a_returned_history_pass_too(low_target):
    def train_left_right_reader(x_train, y_train, x_val, y_val):
        keras.utils.set_random_seed(0)
        model = reader(outputs_as="list")
        model.compile(
            optimizer=keras.optimizers.Adam(0.01), loss=["sparse_categorical_crossentropy", "binary_crossentropy"]
        )
        x, y = np.concatenate([x_train, x_val]), np.concatenate([y_train, y_val])
        history = model.fit(
            halves(x), [y, (y % 2 == 0).astype("float32")], validation_split=0.2, epochs=6, batch_size=20, verbose=0
        )
        return model, history

    assert exercises.check("08.2", train_left_right_reader).passed


def test_reader_not_started():
    assert exercises.check("08.2", None).status == "not started"


@pytest.mark.parametrize(
    "build, phrase",
    [
        (lambda: compiled(reader(names=("top", "bottom"))), "named 'left' and 'right'"),
        (lambda: compiled(reader(hidden=32)), "parameter count differs from the plan"),
        (lambda: compiled(reader(), digit="categorical_crossentropy"), "the digit output's loss"),
    ],
)
def test_wrong_readers_are_not_yet(build, phrase):
    verdict = exercises.check("08.2", trainer(build, epochs=1))
    assert verdict.status == "not yet" and phrase in verdict.message


def test_an_undertrained_reader_misses_the_target_and_strict_raises(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "08.2", {"smoke": 0.99, "workshop": 0.99, "full": 0.99})
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("08.2", trainer(epochs=1), strict=True)


def with_nan_weights(model):
    weights = model.get_weights()
    weights[-1] = np.full_like(weights[-1], np.nan)
    model.set_weights(weights)
    return model


def one_loss():
    model = reader()
    model.compile(optimizer="adam", loss="mse")
    return model


WRONG = [
    wrong(
        "08.1",
        "copied",
        "the count copied from the printed table, whatever the sizes",
        "the same count for networks of different sizes",
        lambda: (cnn(), lambda *sizes: 35813),
    ),
    wrong("08.1", "nan", "a count that is not a number", "not a count", lambda: (cnn(), lambda *sizes: float("nan"))),
    wrong(
        "08.1",
        "wrong-way",
        "the function builds the network and reads its count",
        "builds Keras layers",
        lambda: (cnn(), lambda *sizes: nb08.flat_cnn(*sizes).count_params()),
    ),
    wrong(
        "08.1",
        "form",
        "the biases forgotten",
        "leave out the biases",
        lambda: (cnn(), lambda n, f1, f2, u: 16 * f1 + 16 * f1 * f2 + side(n) ** 2 * f2 * u + u),
    ),
    wrong(
        "08.1",
        "form",
        "the wrong spatial size: no trimming by the convolutions",
        "wrong size",
        lambda: (cnn(), lambda n, f1, f2, u: 17 * f1 + 16 * f1 * f2 + f2 + (n // 4) ** 2 * f2 * u + 2 * u + 1),
    ),
    wrong(
        "08.1",
        "form",
        "the size not rounded down after pooling",
        "not a whole number",
        lambda: (
            cnn(),
            lambda n, f1, f2, u: 17 * f1 + 16 * f1 * f2 + f2 + ((n - 3) / 4 - 1.5) ** 2 * f2 * u + 2 * u + 1,
        ),
    ),
    wrong(
        "08.1",
        "form",
        "global pooling instead of Flatten",
        "global pooling",
        lambda: (cnn(pooling=layers.GlobalAveragePooling2D()), flat_cnn_parameters),
    ),
    wrong("08.2", "nan", "a diverged run: NaN weights", "NaN", lambda: trainer(then=with_nan_weights, epochs=1)),
    wrong(
        "08.2",
        "test-data",
        "validated on the test images",
        "validated on 30 test images",
        lambda: trainer(validate_on=(X_TEST, Y_TEST), epochs=1),
    ),
    wrong(
        "08.2",
        "test-data",
        "trained on the test images",
        "trained on 30 test images",
        lambda: trainer(fit_on=(X_TEST, Y_TEST), epochs=1),
    ),
    wrong(
        "08.2",
        "test-data",
        "the notebook's own images instead of the function's arguments",
        "not among those the check handed it",
        lambda: trainer(fit_on=digits(60, seed=9), epochs=1),
    ),
    wrong(
        "08.2",
        "wrong-way",
        "two separate encoders reach the accuracy without sharing",
        "called on both halves",
        lambda: trainer(lambda: compiled(reader(shared=False)), epochs=1),
    ),
    wrong(
        "08.2",
        "wrong-way",
        "returns a model it did not train",
        "did not train",
        lambda: trainer(then=lambda model: compiled(reader()), epochs=1),
    ),
    wrong(
        "08.2", "form", "one loss for both outputs", "one loss for both outputs", lambda: trainer(one_loss, epochs=1)
    ),
    wrong(
        "08.2",
        "form",
        "mean squared error for the yes/no output",
        "the even output's loss",
        lambda: trainer(lambda: compiled(reader(), even="mse"), epochs=1),
    ),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()
