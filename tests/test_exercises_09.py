"""Exercises of notebook 09 (TensorFlow only): a single-word vectorizer adapted on the training text, and a
model that reads raw strings. The checks hold the reviews themselves; here they hold a few synthetic ones."""

import functools

from workshop_utils import exercises
from workshop_utils.course import config
from workshop_utils.exercises import nb09
from workshop_utils.exercises._core import ExerciseNotPassed

import keras
import numpy as np
import pytest
from exercise_helpers import wrong

TENSORFLOW = keras.backend.backend() == "tensorflow"
if not TENSORFLOW:
    pytest.skip("notebook 09 needs the TensorFlow backend (string tensors)", allow_module_level=True)
import tensorflow as tf  # noqa: E402

MAX_TOKENS = config.notebook_settings("09_text_classification").max_tokens
GOOD, BAD = ["great", "wonderful", "moving", "funny"], ["awful", "boring", "dull", "terrible"]
FILLER = ["the", "film", "plot", "actor", "scene", "story", "music", "end"]


def reviews(count, seed, extra=()):
    """Synthetic reviews: a few filler words and sentiment words; label 1 for the positive ones."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=count)
    texts = [
        " ".join(rng.choice(FILLER, 5).tolist() + rng.choice(GOOD if label else BAD, 2).tolist() + list(extra))
        for label in labels
    ]
    return np.array(texts, dtype=object).astype(bytes), labels.astype("int64")


TRAIN, TEST = reviews(96, 0), reviews(32, 1, extra=["zebra", "zebra"])


@pytest.fixture(autouse=True)
def held_reviews(monkeypatch):
    """The checks score on these reviews instead of the notebook's."""
    monkeypatch.setattr(nb09, "_held_data", lambda: (TRAIN, TEST))
    nb09._REFERENCE.clear()


def dataset(part):
    texts, labels = part
    return tf.data.Dataset.from_tensor_slices((texts, labels.astype("int32"))).batch(16)


def texts_of(*parts):
    return tf.data.Dataset.from_tensor_slices(np.concatenate([texts for texts, _ in parts])).batch(16)


def vectorizer(adapt_on=(TRAIN,), **settings):
    layer = keras.layers.TextVectorization(
        **{"max_tokens": MAX_TOKENS, "output_mode": "multi_hot", "pad_to_max_tokens": True, **settings}
    )
    if adapt_on:
        layer.adapt(texts_of(*adapt_on))
    return layer


def trained_mlp(layer, loss="sparse_categorical_crossentropy", epochs=6, validate_on=None):
    width = int(layer(tf.constant(["film"])).shape[-1])
    model = keras.Sequential(
        [
            keras.Input(shape=(width,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, metrics=["accuracy"])
    if loss == "sparse_categorical_crossentropy" and epochs:
        rows = dataset(TRAIN).map(lambda text, label: (layer(text), label))
        validation = None if validate_on is None else dataset(validate_on).map(lambda text, label: (layer(text), label))
        model.fit(rows, validation_data=validation, epochs=epochs, shuffle=False, verbose=0)
    return model


@functools.cache
def words():
    layer = vectorizer()
    return layer, trained_mlp(layer)


def with_nan_weights(model):
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    return model


# ---------------------------------------------------------------- 09.1
def test_09_1_passes():
    verdict = exercises.check("09.1", *words(), strict=True)
    assert verdict.passed and "training reviews only" in verdict.message


def test_09_1_too_weak_a_model():
    layer, _ = words()
    untrained = trained_mlp(layer, epochs=0)
    minority = int(TEST[1].mean() < 0.5)
    untrained.layers[-1].set_weights([np.zeros((8, 2)), np.eye(2)[minority]])  # always the rarer class
    assert "below this profile's target" in exercises.check("09.1", layer, untrained).message


def test_09_1_not_started_and_strict():
    assert exercises.check("09.1", None, None).status == "not started"
    assert exercises.check("09.1", words()[0], None).status == "not started"
    with pytest.raises(ExerciseNotPassed):
        exercises.check("09.1", vectorizer(ngrams=2), words()[1], strict=True)


# ---------------------------------------------------------------- 09.2
def text_model(
    layer,
    units=1,
    activation="sigmoid",
    loss="binary_crossentropy",
    train=True,
    bias=0.0,
    validate_on=None,
    epochs=6,
):
    review = keras.Input(shape=(), dtype="string")
    hidden = keras.layers.Dense(8, activation="relu")(layer(review))
    output = keras.layers.Dense(units, activation=activation, bias_initializer=keras.initializers.Constant(bias))
    model = keras.Model(review, output(hidden))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, metrics=["accuracy"])
    if train:
        model.fit(
            dataset(TRAIN),
            validation_data=None if validate_on is None else dataset(validate_on),
            epochs=epochs,
            shuffle=False,
            verbose=0,
        )
    return model


def test_09_2_passes():
    verdict = exercises.check("09.2", text_model(words()[0]), strict=True)
    assert verdict.passed and "survives saving" in verdict.message


def test_09_2_more_wrong_forms():
    layer, mlp = words()
    cases = [
        (text_model(layer, loss="mse", train=False), "binary cross-entropy"),
        (text_model(layer, activation="linear", train=False, bias=3.0), "not a probability"),
        (mlp, "holds float32, not text"),
        (text_model(vectorizer(adapt_on=()), train=False), "has no vocabulary"),
    ]
    for model, reason in cases:
        verdict = exercises.check("09.2", model)
        assert verdict.status == "not yet" and reason in verdict.message, (reason, verdict.message)


def test_09_2_not_started():
    assert exercises.check("09.2", None).status == "not started"


def unregistered_standardize():
    def standardize(text):  # not registered with keras.saving.register_keras_serializable
        return tf.strings.lower(text)

    return standardize


WRONG = [
    wrong(
        "09.1",
        "test-data",
        "a vocabulary adapted on the training and the test reviews",
        "adapt it on the training text only",
        lambda: (vectorizer(adapt_on=(TRAIN, TEST)), words()[1]),
    ),
    wrong(
        "09.1",
        "test-data",
        "a vocabulary adapted on the test reviews only",
        "adapt it on the training text only",
        lambda: (vectorizer(adapt_on=(TEST,)), words()[1]),
    ),
    wrong(
        "09.1",
        "test-data",
        "an MLP that validated (and stopped) on the test reviews",
        "validated on text_test_ds",
        lambda: (words()[0], trained_mlp(words()[0], epochs=3, validate_on=TEST)),
    ),
    wrong(
        "09.1",
        "nan",
        "an MLP whose weights are NaN (a diverged run)",
        "NaN or infinite",
        lambda: (words()[0], with_nan_weights(trained_mlp(words()[0], epochs=0))),
    ),
    wrong(
        "09.1",
        "form",
        "word pairs kept (ngrams=2)",
        "counts groups of words",
        lambda: (vectorizer(ngrams=2), words()[1]),
    ),
    wrong(
        "09.1",
        "form",
        "counts instead of zeros and ones",
        "output_mode='count'",
        lambda: (vectorizer(output_mode="count"), words()[1]),
    ),
    wrong(
        "09.1", "form", "a vocabulary never adapted", "no vocabulary yet", lambda: (vectorizer(adapt_on=()), words()[1])
    ),
    wrong(
        "09.1",
        "form",
        "fewer columns than cfg.max_tokens",
        "fewer numbers than cfg.max_tokens",
        lambda: (vectorizer(max_tokens=MAX_TOKENS // 2), words()[1]),
    ),
    wrong(
        "09.1",
        "form",
        "a loss for one-hot labels with integer labels",
        "your labels are integers",
        lambda: (words()[0], trained_mlp(words()[0], loss="categorical_crossentropy")),
    ),
    wrong(
        "09.2",
        "form",
        "two softmax outputs instead of one probability",
        "shape (2, 2)",
        lambda: text_model(words()[0], units=2, activation="softmax", loss="sparse_categorical_crossentropy", epochs=1),
    ),
    wrong(
        "09.2",
        "nan",
        "a model whose weights are NaN (a diverged run)",
        "NaN or infinite",
        lambda: with_nan_weights(text_model(words()[0], train=False)),
    ),
    wrong(
        "09.2",
        "form",
        "an unregistered standardize function, which breaks saving",
        "register_keras_serializable",
        lambda: text_model(vectorizer(standardize=unregistered_standardize())),
    ),
    wrong(
        "09.2",
        "form",
        "a lambda as standardize, which breaks saving",
        "register_keras_serializable",
        lambda: text_model(vectorizer(standardize=lambda t: tf.strings.lower(t))),
    ),
    wrong(
        "09.2",
        "test-data",
        "a vectorizer adapted on the test reviews",
        "adapt it on the training text only",
        lambda: text_model(vectorizer(adapt_on=(TEST,)), epochs=1),
    ),
    wrong(
        "09.2",
        "test-data",
        "a model that validated on the test reviews",
        "validated on text_test_ds",
        lambda: text_model(words()[0], validate_on=TEST, epochs=1),
    ),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()
