"""Exercises of notebook 06: a convnet built to a plan (06.1), augmentation inside the model (06.2).

The checks hold their data; here it is replaced by tiny stand-ins: row-block 'digits' that a convnet learns
in a few steps for 06.1, and digits drawn with pen strokes (nb06._drawn_digits) for 06.2.
"""

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
from workshop_utils import exercises
from workshop_utils.augmentation import RandomPixelShift
from workshop_utils.course import config
from workshop_utils.exercises import nb06
from workshop_utils.exercises._core import ExerciseNotPassed

import keras
import numpy as np
import pytest
from exercise_helpers import wrong

layers = keras.layers


def images(count=40, seed=0):
    """Tiny digit-like images: class k lights up row block k, so a convnet learns them in a few steps."""
    rng = np.random.default_rng(seed)
    y = np.arange(count) % 10
    x = rng.uniform(0, 0.2, size=(count, 28, 28, 1)).astype("float32")
    for i, label in enumerate(y):
        x[i, 2 * label + 4 : 2 * label + 7, 4:24, 0] = 1.0
    return x, y


HELD_TEST = images(30, seed=1)  # what the 06.1 check scores on in these tests
DRAWN = nb06._drawn_digits()[0][..., np.newaxis]  # what the 06.2 check augments in these tests


@pytest.fixture(autouse=True)
def held_data(monkeypatch):
    monkeypatch.setattr(nb06, "_held_test", lambda: HELD_TEST)
    monkeypatch.setattr(nb06, "_digits", lambda: DRAWN)


@pytest.fixture
def no_target(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "06.1", {"smoke": 0.0, "workshop": 0.0, "full": 0.0})


def planned(conv=("valid", "valid"), filters=(8, 16), pools=True, head=None, activation="softmax"):
    stack = [keras.Input(shape=(28, 28, 1))]
    for count, padding in zip(filters, conv):
        stack.append(layers.Conv2D(count, 3, padding=padding, activation="relu"))
        if pools:
            stack.append(layers.MaxPooling2D(2))
    stack += head or [layers.Flatten()]
    stack.append(layers.Dense(10, activation=activation))
    return keras.Sequential(stack)


def compiled(model, loss="sparse_categorical_crossentropy"):
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss=loss, metrics=["accuracy"], run_eagerly=True
    )  # no tracing: faster for the two tiny batches of trained()
    return model


def trained(model=None, **fit):
    keras.utils.set_random_seed(0)
    model = compiled(model or planned())
    x, y = images()
    model.fit(x, y, epochs=1, batch_size=20, verbose=0, **fit)
    return model


def with_nan_weights(model):
    weights = model.get_weights()
    weights[0] = np.full_like(weights[0], np.nan)
    model.set_weights(weights)
    return model


def test_the_plan_counts_as_the_notebook_says():
    assert nb06.plan_parameters() == planned().count_params() == 5258


def test_the_planned_convnet_passes(no_target):
    verdict = exercises.check("06.1", trained(), strict=True)
    assert verdict.passed and "5,258 parameters" in verdict.message and "30 test images" in verdict.message


def test_planned_convnet_not_started():
    assert exercises.check("06.1", None).status == "not started"


@pytest.mark.parametrize(
    "model, phrase",
    [
        (lambda: planned(pools=False), "2 MaxPooling2D layers"),
        (lambda: planned(head=[layers.GlobalAveragePooling2D()]), "global pooling"),
        (
            lambda: keras.Sequential(
                [
                    keras.Input(shape=(28, 28, 1)),
                    layers.Conv2D(8, 3, activation="relu"),
                    layers.Conv2D(16, 3, activation="relu"),
                    layers.MaxPooling2D(2),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(10, activation="softmax"),
                ]
            ),
            "pools right after each convolution",
        ),
        (
            lambda: keras.Sequential([keras.Input(shape=(28, 28)), layers.Reshape((28, 28, 1)), *planned().layers]),
            "one grey channel",
        ),
    ],
)
def test_models_off_the_plan_are_not_yet(model, phrase):
    verdict = exercises.check("06.1", compiled(model()))
    assert verdict.status == "not yet" and phrase in verdict.message


def test_the_loss_must_fit_integer_labels_and_the_output_must_be_probabilities(no_target):
    verdict = exercises.check("06.1", compiled(planned(), loss="categorical_crossentropy"))
    assert "your labels are integers" in verdict.message
    model = planned(activation=None)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert "not probabilities" in exercises.check("06.1", model).message


def test_below_the_target_is_not_yet_and_strict_raises(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "06.1", {"smoke": 1.01, "workshop": 1.01, "full": 1.01})
    keras.utils.set_random_seed(3)
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("06.1", compiled(planned()), strict=True)


def test_the_check_scores_on_the_data_it_holds(no_target, monkeypatch):
    """The same model, the same call: only the held test data differs, and so does the accuracy."""
    model = trained()
    first = exercises.check("06.1", model).message
    monkeypatch.setattr(nb06, "_held_test", lambda: images(50, seed=7))
    assert "50 test images" in exercises.check("06.1", model).message and "30 test images" in first


def lean(*augmentation, after=()):
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            *augmentation,
            layers.Conv2D(4, 3, activation="relu"),
            *after,
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ]
    )


class Noise(layers.Layer):
    """A custom augmentation: Gaussian noise of the given strength, in training only."""

    def __init__(self, stddev, **kwargs):
        super().__init__(**kwargs)
        self.stddev, self.generator = stddev, keras.random.SeedGenerator(1)

    def call(self, images, training=False):
        if not training:
            return images
        return images + keras.random.normal(keras.ops.shape(images), stddev=self.stddev, seed=self.generator)


class Broken(layers.Layer):
    """A custom layer that divides by zero in training."""

    def call(self, images, training=False):
        return images / (images - images) if training else images


@pytest.mark.parametrize(
    "augmentation",
    [
        lambda: [
            keras.Sequential(
                [
                    layers.RandomTranslation(0.1, 0.1, seed=1),
                    layers.RandomRotation(0.05, seed=1),
                    layers.RandomZoom(0.1, seed=1),
                ],
                name="augmentation",
            )
        ],
        lambda: [RandomPixelShift(3, seed=1)],
        lambda: [layers.RandomRotation(15 / 360, seed=2)],
        lambda: [layers.RandomZoom(0.2, seed=2), layers.RandomShear(0.2, seed=2)],
        lambda: [Noise(0.1)],
    ],
    ids=["translation-rotation-zoom", "whole-pixel-shifts", "15-degrees", "zoom-and-shear", "light-noise"],
)
def test_label_preserving_augmentation_in_front_passes(augmentation):
    verdict = exercises.check("06.2", lean(*augmentation()), strict=True)
    assert verdict.passed and "in inference the images pass unchanged" in verdict.message


def test_augmentation_in_a_functional_model_passes():
    inputs = keras.Input(shape=(28, 28, 1))
    h = layers.RandomZoom(0.1, seed=2)(inputs)
    h = layers.Conv2D(4, 3, activation="relu")(h)
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(h))
    verdict = exercises.check("06.2", keras.Model(inputs, outputs))
    assert verdict.passed and "RandomZoom" in verdict.message


def test_augmentation_not_started():
    assert exercises.check("06.2", None).status == "not started"


def test_the_survival_measure_tells_kept_digits_from_lost_ones():
    """Every digit keeps itself whole; a mirrored 3 or 7 does not; half the contrast counts whole."""
    digits = DRAWN[..., 0]
    assert np.all(nb06.survival(digits, digits) > 0.99)
    threes_and_sevens = np.concatenate([digits[30:40], digits[70:80]])
    assert np.all(nb06.survival(threes_and_sevens[:, :, ::-1], threes_and_sevens) < nb06.SURVIVAL)
    assert np.all(nb06.survival(0.5 * digits, digits) > 0.99)
    assert np.all(nb06.survival(0.1 * digits, digits) < nb06.SURVIVAL)


def test_the_drawn_digits_look_like_digits_and_the_stand_in_does_not():
    assert nb06._look_like_digits(DRAWN)
    noise = np.random.default_rng(0).uniform(0, 1, size=(20, 28, 28))
    assert not nb06._look_like_digits(noise)


WRONG = [
    wrong("06.1", "nan", "the training diverged: NaN weights", "NaN", lambda: with_nan_weights(trained())),
    wrong(
        "06.1",
        "test-data",
        "fit validated on the notebook's test images",
        "fit validated on them",
        lambda: trained(validation_data=HELD_TEST),
    ),
    wrong(
        "06.1",
        "form",
        "padding='same' keeps the image size",
        "pads its input",
        lambda: compiled(planned(conv=("same", "valid"))),
    ),
    wrong(
        "06.1",
        "form",
        "16 filters in the first convolution",
        "convolution 1 has 16 filters",
        lambda: compiled(planned(filters=(16, 16))),
    ),
    wrong(
        "06.1",
        "wrong-way",
        "a bigger network that reaches the accuracy: an extra Dense layer",
        "1 Dense layer",
        lambda: trained(planned(head=[layers.Flatten(), layers.Dense(32, activation="relu")])),
    ),
    wrong(
        "06.1",
        "wrong-way",
        "a bigger network: 32 and 64 filters",
        "convolution 1 has 32 filters",
        lambda: trained(planned(filters=(32, 64))),
    ),
    wrong(
        "06.2",
        "label-breaking",
        "RandomFlip mirrors digits",
        "mirrored",
        lambda: lean(layers.RandomFlip("horizontal", seed=1)),
    ),
    wrong(
        "06.2",
        "label-breaking",
        "RandomRotation(0.5) turns digits by up to 180 degrees",
        "keep at least",
        lambda: lean(layers.RandomRotation(0.5, seed=1)),
    ),
    wrong(
        "06.2",
        "label-breaking",
        "RandomZoom(0.8) zooms far in and out",
        "keep at least",
        lambda: lean(layers.RandomZoom(0.8, seed=1)),
    ),
    wrong(
        "06.2",
        "label-breaking",
        "RandomContrast down to nothing",
        "keep at least",
        lambda: lean(layers.RandomContrast((1.0, 1.0), seed=1)),
    ),
    wrong("06.2", "label-breaking", "a custom layer of heavy noise", "wipe it out", lambda: lean(Noise(0.5))),
    wrong(
        "06.2",
        "label-breaking",
        "RandomBrightness on pixels of 0 to 1 with its value_range of 0 to 255",
        "value_range=(0, 1)",
        lambda: lean(layers.RandomBrightness(0.2, seed=1)),
    ),
    wrong(
        "06.2",
        "wrong-way",
        "augmentation after the convolution",
        "comes after a convolution",
        lambda: lean(after=[layers.RandomTranslation(0.1, 0.1)]),
    ),
    wrong(
        "06.2",
        "wrong-way",
        "a no-op: factors of 0",
        "(almost) unchanged",
        lambda: lean(layers.RandomTranslation(0.0, 0.0)),
    ),
    wrong("06.2", "wrong-way", "no augmentation at all", "nothing in front of its first convolution", lambda: lean()),
    wrong("06.2", "nan", "an augmentation that divides by zero", "NaN or infinite", lambda: lean(Broken())),
    wrong("06.2", "nan", "a network with NaN weights", "NaN", lambda: with_nan_weights(lean(RandomPixelShift(2)))),
    wrong(
        "06.2",
        "form",
        "a Rescaling layer that scales the images again in inference",
        "in inference",
        lambda: lean(layers.Rescaling(1 / 255), RandomPixelShift(2)),
    ),
    wrong(
        "06.2",
        "form",
        "RandomCrop: smaller images in training, the whole image in inference",
        "stops with",
        lambda: keras.Sequential(
            [
                keras.Input(shape=(28, 28, 1)),
                layers.RandomCrop(24, 24, seed=1),
                layers.Conv2D(4, 3),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ]
        ),
    ),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()
