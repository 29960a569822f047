"""Checks for notebook 09 (text classification): a vectorizer adapted on the training reviews only, and
a model that reads raw strings. Both need the TensorFlow backend, like the notebook."""
import tempfile
from pathlib import Path

import numpy as np

from .. import config
from ._common import check_at_least, check_loss_fits_labels, given, keras_model, loss_name, ordered_layers
from ._core import NotStarted, NotYet, exercise

NOTEBOOK = "09_text_classification"
PROBE = ["A wonderful film, I loved it.", "An awful, boring film. A waste of time."]


def _require_tensorflow():
    import keras

    if keras.backend.backend() != "tensorflow":
        raise NotStarted(f"this exercise needs the TensorFlow backend (string tensors), and Keras runs on "
                         f"{keras.backend.backend()} here: set KERAS_BACKEND=tensorflow and restart the kernel.")


def _texts_and_labels(data, what):
    """Return the review texts (a NumPy array of bytes) and the labels of a (text, label) dataset, in one pass."""
    import tensorflow as tf

    given(data, what)
    if not isinstance(data, tf.data.Dataset):
        raise NotYet(f"{what} should be the notebook's tf.data dataset of (text, label) batches, "
                     f"not a {type(data).__name__}.")
    spec = data.element_spec
    if not (isinstance(spec, tuple) and len(spec) == 2):
        raise NotYet(f"{what} should hold (text, label) batches: pass the dataset from before vectorizing.")
    if spec[0].dtype != tf.string:
        raise NotYet(f"{what} should hold raw review texts (strings), not {spec[0].dtype.name}: "
                     "pass the dataset from before vectorizing.")
    texts, labels = [], []
    for text, label in data.as_numpy_iterator():
        texts.append(np.atleast_1d(text).reshape(-1))
        labels.append(np.atleast_1d(label).reshape(-1))
    return np.concatenate(texts), np.concatenate(labels)


def _batches(texts, batch_size=256):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(texts).batch(batch_size)


def _vocabulary(vectorizer):
    return [str(token) for token in vectorizer.get_vocabulary()]


def _fresh_copy(vectorizer):
    """A new, unadapted TextVectorization with the same settings as ``vectorizer``."""
    import keras

    settings = vectorizer.get_config()
    for key in ("vocabulary", "idf_weights", "vocabulary_size", "name"):
        settings.pop(key, None)
    return keras.layers.TextVectorization(**settings)


@exercise("09.1", "a bag of single words")
def check_single_words(word_vectorizer, word_model, train_data, test_data):
    """word_vectorizer: a multi-hot TextVectorization of single words, adapted on ``train_data`` only;
    word_model: the bag-of-words MLP trained on its output; test_data: the test (text, label) batches."""
    _require_tensorflow()
    import keras
    import tensorflow as tf

    given(word_vectorizer, "word_vectorizer")
    given(word_model, "word_model")
    if not isinstance(word_vectorizer, keras.layers.TextVectorization):
        raise NotYet(f"word_vectorizer should be a keras.layers.TextVectorization, not a "
                     f"{type(word_vectorizer).__name__}.")
    settings = word_vectorizer.get_config()
    vocabulary = _vocabulary(word_vectorizer)
    if len([token for token in vocabulary if token not in ("", "[UNK]")]) == 0:
        raise NotYet("word_vectorizer has no vocabulary yet: call its adapt method on the training text.")
    if settings["output_mode"] != "multi_hot":
        raise NotYet(f"word_vectorizer gives output_mode={settings['output_mode']!r}: the bag-of-words MLP "
                     "reads one row of zeros and ones per review (output_mode=\"multi_hot\").")
    if settings["ngrams"] is not None or any(" " in token for token in vocabulary):
        raise NotYet("word_vectorizer also counts groups of words (ngrams is set): this exercise keeps "
                     "single words only, ngrams=None.")
    max_tokens = config.notebook_settings(NOTEBOOK).max_tokens
    width = int(word_vectorizer(tf.constant(PROBE)).shape[-1])
    if width != max_tokens:
        direction = "more" if width > max_tokens else "fewer"
        raise NotYet(f"word_vectorizer turns a review into {direction} numbers than cfg.max_tokens, which "
                     "build_bag_mlp expects: use max_tokens=cfg.max_tokens and pad_to_max_tokens=True.")

    keras_model(word_model, "word_model")
    if word_model.inputs[0].shape[-1] != width:
        raise NotYet("word_model's input width does not match word_vectorizer's output: build it with "
                     "build_bag_mlp().")
    if tuple(word_model.outputs[0].shape[1:]) != (2,):
        raise NotYet(f"word_model gives an output of shape {tuple(word_model.outputs[0].shape[1:])} per review: "
                     "the exercise keeps build_bag_mlp's two softmax probabilities per review.")
    train_texts, train_labels = _texts_and_labels(train_data, "the training data")
    check_loss_fits_labels(word_model, train_labels)
    reference = _fresh_copy(word_vectorizer)
    reference.adapt(_batches(train_texts, 1024))
    if _vocabulary(reference) != vocabulary:
        raise NotYet("word_vectorizer's vocabulary is not the one that adapt learns from the training reviews "
                     "you passed: adapt it on the training text only (validation and test reviews must not "
                     "choose the words), and adapt again after changing a setting.")

    test_texts, test_labels = _texts_and_labels(test_data, "the test data")
    rows = _batches(test_texts).map(word_vectorizer, num_parallel_calls=tf.data.AUTOTUNE)
    probabilities = word_model.predict(rows, verbose=0)
    accuracy = float(np.mean(np.argmax(probabilities, axis=-1) == test_labels))
    reached = check_at_least(accuracy, "09.1", "test accuracy")
    return f"single words, a vocabulary learned from the training reviews only; {reached}"


@exercise("09.2", "raw strings in, one probability out")
def check_text_model(text_model, test_data):
    """text_model: a model whose input is a raw string and whose output is one probability (sigmoid) per
    review, trained; test_data: the test (text, label) batches."""
    _require_tensorflow()
    import keras
    import tensorflow as tf

    keras_model(text_model, "text_model")
    input_dtype = keras.backend.standardize_dtype(text_model.inputs[0].dtype)
    if input_dtype != "string":
        raise NotYet(f"text_model's input holds {input_dtype}, not text: start it with "
                     "keras.Input(shape=(), dtype=\"string\") so that it reads raw reviews.")
    vectorizers = [layer for layer in ordered_layers(text_model) if isinstance(layer, keras.layers.TextVectorization)]
    if not vectorizers:
        raise NotYet("text_model has no TextVectorization layer: put your adapted vectorizer right after "
                     "the string input.")
    if len([t for t in _vocabulary(vectorizers[0]) if t not in ("", "[UNK]")]) == 0:
        raise NotYet("the TextVectorization inside text_model has no vocabulary: use the one you adapted "
                     "in exercise 09.1 (or adapt this one on the training text).")
    probe = keras.ops.convert_to_numpy(text_model(tf.constant(PROBE), training=False))
    if probe.shape != (len(PROBE), 1):
        raise NotYet(f"for {len(PROBE)} reviews text_model gives an output of shape {probe.shape}: the exercise "
                     "asks for one probability per review, shape (batch, 1).")
    loss = loss_name(text_model).lower()
    if "binary" not in loss:
        raise NotYet(f"text_model is compiled with {loss_name(text_model)!r}: one probability per review "
                     "goes with the binary cross-entropy loss.")

    test_texts, test_labels = _texts_and_labels(test_data, "the test data")
    probabilities = text_model.predict(_batches(test_texts), verbose=0).reshape(-1)
    if min(probe.min(), probabilities.min()) < 0 or max(probe.max(), probabilities.max()) > 1:
        raise NotYet("text_model's output is not a probability between 0 and 1: give the last layer a "
                     "sigmoid activation.")
    accuracy = float(np.mean((probabilities > 0.5) == (test_labels == 1)))
    reached = check_at_least(accuracy, "09.2", "test accuracy")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "text_model.keras"
        try:
            text_model.save(path)
            reloaded = keras.models.load_model(path, compile=False)
            again = keras.ops.convert_to_numpy(reloaded(tf.constant(PROBE), training=False))
        except Exception as error:  # what a learner meets: an unregistered function, a lambda, ...
            raise NotYet(f"text_model does not survive saving and loading as .keras ({type(error).__name__}: "
                         f"{str(error)[:200]}). A custom standardize function needs "
                         "@keras.saving.register_keras_serializable.") from None
    if not np.allclose(again, probe, atol=1e-5):
        raise NotYet("text_model, saved and loaded back, predicts other values than before saving.")
    return f"raw strings in, one probability out, and it survives saving; {reached}"
