"""Checks for notebook 09 (text classification): a vectorizer adapted on the training reviews only, and
a model that reads raw strings. Both need the TensorFlow backend, like the notebook.

The checks hold the notebook's reviews themselves: the training reviews of ``text_train_ds`` (to learn
the vocabulary again and compare) and the test reviews of ``text_test_ds`` (to score the model). The
learner hands over only the vectorizer and the models.
"""

import contextlib
import functools
import io
import json
import tempfile
from pathlib import Path

import numpy as np

from .. import datasets
from ..course import backends, config
from ._core import NotStarted, NotYet, exercise
from ._heldout import data_settings
from ._judging import (
    finite_array,
    given,
    keras_model,
    loss_name,
    ordered_layers,
    require_at_least,
    require_loss_fits_labels,
)

NOTEBOOK = "09_text_classification"
PROBE = ["A wonderful film, I loved it.", "An awful, boring film. A waste of time."]
BATCH = 512
# A history's val_loss that equals the model's loss on the test reviews to this relative precision came from
# the test reviews (float32 sums over batches and over the whole set differ by about 1e-6).
SAME_LOSS = 1e-5


def _require_tensorflow():
    reason = backends.TENSORFLOW_ONLY["09_text_classification"]
    problem = backends.backend_problem("tensorflow", reason, what="this exercise")
    if problem:
        raise NotStarted(problem)


# ---------------------------------------------------------------- the notebook's reviews, held by the check
@contextlib.contextmanager
def _notebook_seed(seed):
    """Create datasets under the global TensorFlow seed that ``workshop_utils.setup`` sets, so that their
    seeded shuffles give the notebook's order; afterwards the session's own seed state is put back."""
    import tensorflow as tf

    try:
        from tensorflow.python.eager import context

        ctx = context.context()
        saved = {name: getattr(ctx, name) for name in ("_seed", "_rng") if hasattr(ctx, name)}
    except ImportError:  # another TensorFlow layout: the seed stays set, as setup() left it anyway
        ctx, saved = None, {}
    tf.random.set_seed(seed)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(ctx, name, value)


def _texts_of(dataset, size):
    """The first ``size`` (text, label) pairs of a dataset of single reviews (all if None), as arrays."""
    if size is not None:
        dataset = dataset.take(size)
    texts, labels = [], []
    for text, label in dataset.batch(1024).as_numpy_iterator():
        texts.append(text)
        labels.append(label)
    return np.concatenate(texts), np.concatenate(labels).astype("int64")


@functools.lru_cache(maxsize=2)
def _text_split(env):
    import keras

    cfg = config.notebook_settings(NOTEBOOK)
    imdb_dir = datasets.load_imdb_reviews()
    # the same calls as the notebook's cells 9 and 11, without the lines they print
    with _notebook_seed(cfg.seed), contextlib.redirect_stdout(io.StringIO()):
        raw_train, _ = keras.utils.text_dataset_from_directory(
            imdb_dir / "train",
            class_names=["neg", "pos"],
            batch_size=None,
            validation_split=cfg.validation_fraction,
            subset="both",
            seed=cfg.seed,
            verbose=False,
        )
        raw_test = keras.utils.text_dataset_from_directory(
            imdb_dir / "test", class_names=["neg", "pos"], batch_size=None, seed=cfg.seed, verbose=False
        )
        return _texts_of(raw_train, cfg.train_size), _texts_of(raw_test, cfg.test_size)


def _held_data():
    """The reviews of the notebook's ``text_train_ds`` and ``text_test_ds`` in the active profile:
    ``((train_texts, train_labels), (test_texts, test_labels))``, texts as bytes, labels 0 or 1."""
    return _text_split(data_settings())


# ---------------------------------------------------------------- helpers
def _vocabulary(vectorizer):
    return [str(token) for token in vectorizer.get_vocabulary()]


def _has_vocabulary(vectorizer):
    return any(token not in ("", "[UNK]") for token in _vocabulary(vectorizer))


def _fresh_copy(vectorizer):
    """A new, unadapted TextVectorization with the same settings as ``vectorizer``."""
    import keras

    settings = vectorizer.get_config()
    for key in ("vocabulary", "idf_weights", "vocabulary_size", "name"):
        settings.pop(key, None)
    return keras.layers.TextVectorization(**settings)


_REFERENCE = {}


def _reference_vocabulary(vectorizer, train_texts):
    """The vocabulary that ``vectorizer``'s settings learn from the held training reviews (cached)."""
    import tensorflow as tf

    settings = {
        k: v
        for k, v in vectorizer.get_config().items()
        if k not in ("vocabulary", "idf_weights", "vocabulary_size", "name")
    }
    key = (json.dumps(settings, sort_keys=True, default=repr), len(train_texts), data_settings())
    if key not in _REFERENCE:
        reference = _fresh_copy(vectorizer)
        reference.adapt(tf.data.Dataset.from_tensor_slices(train_texts).batch(1024))
        if len(_REFERENCE) >= 4:
            _REFERENCE.clear()
        _REFERENCE[key] = _vocabulary(reference)
    return _REFERENCE[key]


def _check_vocabulary(vectorizer, train_texts, what):
    if _vocabulary(vectorizer) != _reference_vocabulary(vectorizer, train_texts):
        raise NotYet(
            f"the vocabulary of {what} is not the one that adapt learns from the notebook's training "
            "reviews: adapt it on the training text only (train_text), never on validation or test "
            "reviews, whose words would leak into the model; adapt again after changing a setting."
        )


def _in_batches(function, texts):
    """``function`` (a batch of strings -> outputs) applied to the held texts in batches, as one array."""
    import keras
    import tensorflow as tf

    parts = [
        keras.ops.convert_to_numpy(function(tf.constant(texts[start : start + BATCH])))
        for start in range(0, len(texts), BATCH)
    ]
    return np.concatenate(parts)


def _require_not_validated_on_test(model, labels, predictions, what):
    """NotYet when a val_loss of the run that fit left on ``model`` (``model.history``) is the model's loss
    on the held test reviews: fit validated, and early stopping chose its epoch, on the test reviews."""
    import keras

    history = getattr(model, "history", None)
    values = (getattr(history, "history", None) or {}).get("val_loss") or []
    if not values:
        return
    loss = float(
        keras.ops.convert_to_numpy(
            model.compute_loss(
                x=None,
                y=keras.ops.convert_to_tensor(labels),
                y_pred=keras.ops.convert_to_tensor(predictions),
                training=False,
            )
        )
    )
    if any(np.isclose(value, loss, rtol=SAME_LOSS, atol=1e-7) for value in values):
        raise NotYet(
            f"the validation figures of {what}'s training are its figures on the test reviews: fit "
            "validated on text_test_ds, so the test reviews chose the epoch that early stopping kept. "
            "Validate on text_val_ds and keep the test reviews for the final score."
        )


# ---------------------------------------------------------------- 09.1
@exercise("09.1", "a bag of single words")
def check_single_words(word_vectorizer, word_model):
    """word_vectorizer: a multi-hot TextVectorization of single words, adapted on the training text only;
    word_model: the bag-of-words MLP trained on its output. The check learns the vocabulary again from the
    notebook's training reviews and scores the model on the notebook's test reviews, both held by itself."""
    _require_tensorflow()
    import keras
    import tensorflow as tf

    given(word_vectorizer, "word_vectorizer")
    given(word_model, "word_model")
    if not isinstance(word_vectorizer, keras.layers.TextVectorization):
        raise NotYet(
            f"word_vectorizer should be a keras.layers.TextVectorization, not a {type(word_vectorizer).__name__}."
        )
    settings = word_vectorizer.get_config()
    if not _has_vocabulary(word_vectorizer):
        raise NotYet("word_vectorizer has no vocabulary yet: call its adapt method on the training text.")
    if settings["output_mode"] != "multi_hot":
        raise NotYet(
            f"word_vectorizer gives output_mode={settings['output_mode']!r}: the bag-of-words MLP "
            'reads one row of zeros and ones per review (output_mode="multi_hot").'
        )
    if settings["ngrams"] is not None or any(" " in token for token in _vocabulary(word_vectorizer)):
        raise NotYet(
            "word_vectorizer also counts groups of words (ngrams is set): this exercise keeps "
            "single words only, ngrams=None."
        )
    max_tokens = config.notebook_settings(NOTEBOOK).max_tokens
    width = int(word_vectorizer(tf.constant(PROBE)).shape[-1])
    if width != max_tokens:
        direction = "more" if width > max_tokens else "fewer"
        raise NotYet(
            f"word_vectorizer turns a review into {direction} numbers than cfg.max_tokens, which "
            "build_bag_mlp expects: use max_tokens=cfg.max_tokens and pad_to_max_tokens=True."
        )

    keras_model(word_model, "word_model")
    if word_model.inputs[0].shape[-1] != width:
        raise NotYet("word_model's input width does not match word_vectorizer's output: build it with build_bag_mlp().")
    if tuple(word_model.outputs[0].shape[1:]) != (2,):
        raise NotYet(
            f"word_model gives an output of shape {tuple(word_model.outputs[0].shape[1:])} per review: "
            "the exercise keeps build_bag_mlp's two softmax probabilities per review."
        )
    (train_texts, train_labels), (test_texts, test_labels) = _held_data()
    require_loss_fits_labels(word_model, train_labels)
    _check_vocabulary(word_vectorizer, train_texts, "word_vectorizer")

    probabilities = _in_batches(lambda texts: word_model(word_vectorizer(texts), training=False), test_texts)
    finite_array(probabilities, "word_model's outputs on the test reviews")
    _require_not_validated_on_test(word_model, test_labels, probabilities, "word_model")
    accuracy = float(np.mean(np.argmax(probabilities, axis=-1) == test_labels))
    reached = require_at_least(accuracy, "09.1", "test accuracy")
    return f"single words, a vocabulary learned from the training reviews only; {reached}"


# ---------------------------------------------------------------- 09.2
@exercise("09.2", "raw strings in, one probability out")
def check_text_model(text_model):
    """text_model: a trained model whose input is a raw string and whose output is one probability (sigmoid)
    per review. The check scores it on the notebook's test reviews, held by itself, then saves and reloads it."""
    _require_tensorflow()
    import keras
    import tensorflow as tf

    keras_model(text_model, "text_model")
    input_dtype = keras.backend.standardize_dtype(text_model.inputs[0].dtype)
    if input_dtype != "string":
        raise NotYet(
            f"text_model's input holds {input_dtype}, not text: start it with "
            'keras.Input(shape=(), dtype="string") so that it reads raw reviews.'
        )
    vectorizers = [layer for layer in ordered_layers(text_model) if isinstance(layer, keras.layers.TextVectorization)]
    if not vectorizers:
        raise NotYet(
            "text_model has no TextVectorization layer: put your adapted vectorizer right after the string input."
        )
    if not _has_vocabulary(vectorizers[0]):
        raise NotYet(
            "the TextVectorization inside text_model has no vocabulary: use the one you adapted "
            "in exercise 09.1 (or adapt this one on the training text)."
        )
    probe = keras.ops.convert_to_numpy(text_model(tf.constant(PROBE), training=False))
    if probe.shape != (len(PROBE), 1):
        raise NotYet(
            f"for {len(PROBE)} reviews text_model gives an output of shape {probe.shape}: the exercise "
            "asks for one probability per review, shape (batch, 1)."
        )
    loss = loss_name(text_model).lower()
    if "binary" not in loss:
        raise NotYet(
            f"text_model is compiled with {loss_name(text_model)!r}: one probability per review "
            "goes with the binary cross-entropy loss."
        )
    (train_texts, _), (test_texts, test_labels) = _held_data()
    _check_vocabulary(vectorizers[0], train_texts, "the TextVectorization inside text_model")

    probabilities = _in_batches(lambda texts: text_model(texts, training=False), test_texts)
    finite_array(probabilities, "text_model's outputs on the test reviews")
    if min(probe.min(), probabilities.min()) < 0 or max(probe.max(), probabilities.max()) > 1:
        raise NotYet(
            "text_model's output is not a probability between 0 and 1: give the last layer a sigmoid activation."
        )
    _require_not_validated_on_test(
        text_model, test_labels.reshape(-1, 1).astype("float32"), probabilities, "text_model"
    )
    accuracy = float(np.mean((probabilities.reshape(-1) > 0.5) == (test_labels == 1)))
    reached = require_at_least(accuracy, "09.2", "test accuracy")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "text_model.keras"
        try:
            text_model.save(path)
            reloaded = keras.models.load_model(path, compile=False)
            again = keras.ops.convert_to_numpy(reloaded(tf.constant(PROBE), training=False))
        except Exception as error:  # what a learner meets: an unregistered function, a lambda, ...
            raise NotYet(
                f"text_model does not survive saving and loading as .keras ({type(error).__name__}: "
                f"{str(error)[:200]}). A custom standardize function needs "
                "@keras.saving.register_keras_serializable."
            ) from None
    if not np.allclose(again, probe, atol=1e-5):
        raise NotYet("text_model, saved and loaded back, predicts other values than before saving.")
    return f"raw strings in, one probability out, and it survives saving; {reached}"
