"""Exercises of notebook 09 (TensorFlow only): a single-word vectorizer adapted on the training text, and a
model that reads raw strings."""
import keras
import numpy as np
import pytest

from workshop_utils import config, exercises
from workshop_utils.exercises._core import ExerciseNotPassed

if keras.backend.backend() != "tensorflow":
    pytest.skip("notebook 09 needs the TensorFlow backend (string tensors)", allow_module_level=True)
import tensorflow as tf  # noqa: E402

MAX_TOKENS = config.notebook_settings("09_text_classification").max_tokens
GOOD, BAD = ["great", "wonderful", "moving", "funny"], ["awful", "boring", "dull", "terrible"]
FILLER = ["the", "film", "plot", "actor", "scene", "story", "music", "end"]


def reviews(count, seed, extra=()):
    """Synthetic reviews: a few filler words and sentiment words; label 1 for the positive ones."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=count)
    texts = [" ".join(rng.choice(FILLER, 5).tolist() + rng.choice(GOOD if label else BAD, 2).tolist()
                      + list(extra)) for label in labels]
    return tf.data.Dataset.from_tensor_slices((texts, labels.astype("int32"))).batch(16)


TRAIN, TEST = reviews(96, 0), reviews(32, 1, extra=["zebra", "zebra"])


def texts_of(dataset):
    return dataset.map(lambda text, label: text)


def vectorizer(adapt_on=TRAIN, **settings):
    layer = keras.layers.TextVectorization(**{"max_tokens": MAX_TOKENS, "output_mode": "multi_hot",
                                              "pad_to_max_tokens": True, **settings})
    if adapt_on is not None:
        layer.adapt(texts_of(adapt_on))
    return layer


def trained_mlp(layer, loss="sparse_categorical_crossentropy", epochs=20):
    width = int(layer(tf.constant(["film"])).shape[-1])
    model = keras.Sequential([keras.Input(shape=(width,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, metrics=["accuracy"])
    if loss == "sparse_categorical_crossentropy":
        model.fit(TRAIN.map(lambda text, label: (layer(text), label)), epochs=epochs, shuffle=False, verbose=0)
    return model


@pytest.fixture(scope="module")
def words():
    layer = vectorizer()
    return layer, trained_mlp(layer)


def test_09_1_passes(words):
    verdict = exercises.check("09.1", *words, TRAIN, TEST, strict=True)
    assert verdict.passed and "training reviews only" in verdict.message


@pytest.mark.parametrize("make, reason", [
    (lambda: vectorizer(ngrams=2), "counts groups of words"),
    (lambda: vectorizer(output_mode="count"), "output_mode='count'"),
    (lambda: vectorizer(adapt_on=TRAIN.concatenate(TEST)), "adapt it on the training text only"),
    (lambda: vectorizer(adapt_on=None), "no vocabulary yet"),
    (lambda: vectorizer(max_tokens=MAX_TOKENS // 2), "fewer numbers than cfg.max_tokens"),
])
def test_09_1_wrong_vectorizers(words, make, reason):
    verdict = exercises.check("09.1", make(), words[1], TRAIN, TEST)
    assert verdict.status == "not yet" and reason in verdict.message


def test_09_1_wrong_model(words):
    layer, model = words
    verdict = exercises.check("09.1", layer, trained_mlp(layer, loss="categorical_crossentropy"), TRAIN, TEST)
    assert verdict.status == "not yet" and "your labels are integers" in verdict.message
    untrained = trained_mlp(layer, epochs=0)
    labels = np.concatenate([label for _, label in TEST.as_numpy_iterator()])
    minority = int(labels.mean() < 0.5)
    untrained.layers[-1].set_weights([np.zeros((8, 2)), np.eye(2)[minority]])  # always the rarer class
    assert "below this profile's target" in exercises.check("09.1", layer, untrained, TRAIN, TEST).message


def test_09_1_not_started_and_strict(words):
    assert exercises.check("09.1", None, None, TRAIN, TEST).status == "not started"
    assert exercises.check("09.1", words[0], None, TRAIN, TEST).status == "not started"
    with pytest.raises(ExerciseNotPassed):
        exercises.check("09.1", vectorizer(ngrams=2), words[1], TRAIN, TEST, strict=True)


def text_model(layer, units=1, activation="sigmoid", loss="binary_crossentropy", train=True, bias=0.0):
    review = keras.Input(shape=(), dtype="string")
    hidden = keras.layers.Dense(8, activation="relu")(layer(review))
    output = keras.layers.Dense(units, activation=activation, bias_initializer=keras.initializers.Constant(bias))
    model = keras.Model(review, output(hidden))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, metrics=["accuracy"])
    if train:
        model.fit(TRAIN, epochs=20, shuffle=False, verbose=0)
    return model


def test_09_2_passes(words):
    verdict = exercises.check("09.2", text_model(words[0]), TEST, strict=True)
    assert verdict.passed and "survives saving" in verdict.message


def test_09_2_wrong_answers(words):
    layer, mlp = words
    cases = [
        (text_model(layer, units=2, activation="softmax", loss="sparse_categorical_crossentropy"),
         "shape (2, 2)"),
        (text_model(layer, loss="mse", train=False), "binary cross-entropy"),
        (text_model(layer, activation="linear", train=False, bias=3.0), "not a probability"),
        (mlp, "holds float32, not text"),
        (text_model(vectorizer(adapt_on=None), train=False), "has no vocabulary"),
    ]
    for model, reason in cases:
        verdict = exercises.check("09.2", model, TEST)
        assert verdict.status == "not yet" and reason in verdict.message, (reason, verdict.message)


def test_09_2_must_survive_saving():
    def standardize(text):  # not registered with keras.saving.register_keras_serializable
        return tf.strings.lower(text)

    verdict = exercises.check("09.2", text_model(vectorizer(standardize=standardize)), TEST)
    assert verdict.status == "not yet" and "register_keras_serializable" in verdict.message


def test_09_2_not_started():
    assert exercises.check("09.2", None, TEST).status == "not started"
