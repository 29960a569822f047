"""workshop_utils.gan: the judge of generated digits passes new digits and fails what a generator that learned
nothing (or cheated) produces: noise, one repeated digit, a few repeated digits, copies of training images."""

from workshop_utils import gan
from workshop_utils.course import config

import numpy as np
import pytest

rng = np.random.default_rng(0)
PROTOTYPES = rng.uniform(0.0, 1.0, size=(10, 784)) > 0.8  # ten made-up "digits", sparse like MNIST strokes


def digits(count, seed):
    """Images near the prototypes (class i % 10), each with its own random strokes flipped off."""
    local = np.random.default_rng(seed)
    labels = np.arange(count) % 10
    keep = local.uniform(size=(count, 784)) > 0.25
    return (PROTOTYPES[labels] & keep).astype("float32"), labels


class NearestPrototype:
    """A stand-in classifier: softmax over minus the squared distances to the ten prototypes."""

    def predict(self, rows, verbose=0):
        rows = np.asarray(rows, dtype="float64")
        squared = ((rows[:, None, :] - 0.75 * PROTOTYPES[None].astype("float64")) ** 2).sum(axis=2)
        logits = -(squared - squared.min(axis=1, keepdims=True)) / 4.0
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


TRAIN, _ = digits(500, seed=1)
REAL, _ = digits(100, seed=2)
NAMES = ("classes_covered", "confident_share", "diversity", "novelty")
# smoke trains the GAN for seconds and claims nothing; the other profiles' targets must fail a generator that
# learned nothing (NOT_A_LEARNING_TARGET in tools/baselines.py points here).
PROFILES = ("workshop", "full")


def targets(profile):
    """Notebook 10's GAN targets of a profile, from config.TARGETS (each one a minimum)."""
    found = {}
    for name in NAMES:
        direction, per_profile = config.TARGETS["10_custom_training"][f"gan_{name}"]
        assert direction == "min"
        found[name] = per_profile[profile]
    return found


def passes(figures, profile="workshop"):
    return all(figures[name] >= target for name, target in targets(profile).items())


def judge(images):
    return gan.judge_digits(NearestPrototype(), images, TRAIN, REAL)


@pytest.mark.parametrize("profile", PROFILES)
def test_new_digits_pass(profile):
    generated, _ = digits(100, seed=3)
    figures = judge(generated)
    assert passes(figures, profile), figures
    assert 0.8 < figures["novelty"] < 1.25 and 0.8 < figures["diversity"] < 1.25


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(
    "wrong",
    [
        "uniform noise",
        "dark noise",
        "one repeated digit",
        "ten repeated digits",
        "copies of training images",
        "blank images",
        "untrained generator",
        "NaN images (a diverged generator)",
    ],
)
def test_what_a_generator_that_learned_nothing_makes_fails(wrong, profile):
    local = np.random.default_rng(4)
    images = {
        "uniform noise": local.uniform(0.0, 1.0, size=(100, 784)),
        "dark noise": np.clip(local.normal(0.1, 0.2, size=(100, 784)), 0.0, 1.0),
        "one repeated digit": np.repeat(REAL[:1], 100, axis=0),
        "ten repeated digits": np.repeat(REAL[:10], 10, axis=0),
        "copies of training images": TRAIN[:100],
        "blank images": np.zeros((100, 784)),
        # an untrained tanh generator: nearly the same grey image for every noise vector
        "untrained generator": gan.to_pixels(
            np.tanh(local.normal(0, 0.05, size=(100, 784)) + local.normal(0, 0.05, size=(1, 784)))
        ),
        "NaN images (a diverged generator)": np.full((100, 784), np.nan),
    }[wrong]
    assert not passes(judge(images), profile), wrong


def test_pixels_round_trip_and_range():
    rows = rng.uniform(0.0, 1.0, size=(3, 784)).astype("float32")
    assert np.allclose(gan.to_pixels(gan.from_pixels(rows)), rows, atol=1e-6)
    assert gan.to_pixels(np.full((2, 28, 28), 5.0)).max() == 1.0
