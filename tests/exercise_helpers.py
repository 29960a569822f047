"""Small helpers shared by the exercise tests (tests/test_exercises_NN.py).

Every exercise is judged by wrong answers as well as the right one. A test module lists its wrong answers
in ``WRONG``, built with ``wrong(...)``; ``test_exercises_core.py`` reads those lists and makes sure every
exercise has at least three wrong answers of different kinds, each of which gets NOT YET.
"""

from collections.abc import Callable
from dataclasses import dataclass

from workshop_utils import exercises

import keras

# The kinds of wrong answer that learners and bugs produce (the issue that introduced them lists them).
KINDS = {
    "nan": "a NaN or infinite figure (a diverged run)",
    "test-data": "test data used for validation, early stopping, model or hyperparameter selection, or for "
    "fitting a scaler or vocabulary",
    "from-targets": "a result computed from the test targets",
    "label-breaking": "an augmentation or preprocessing that no longer preserves the label",
    "copied": "a number copied from printed output instead of computed",
    "wrong-way": "a model that reaches the metric without doing what the exercise asks",
    "form": "an answer of the wrong form or structure (shape, loss, layer, order, settings)",
}


@dataclass
class Wrong:
    """One wrong answer to an exercise: its kind, what it is, how to build it, and a phrase of the verdict."""

    exercise: str
    kind: str
    what: str
    answer: Callable  # returns (args, kwargs) for exercises.check, or a tuple of args
    phrase: str

    def __post_init__(self):
        assert self.kind in KINDS, f"unknown kind {self.kind!r}; known: {', '.join(KINDS)}"

    def __str__(self):
        return f"{self.exercise} {self.kind}: {self.what}"

    def verdict(self):
        built = self.answer()
        args, kwargs = (
            built
            if (isinstance(built, tuple) and len(built) == 2 and isinstance(built[1], dict))
            else (built if isinstance(built, tuple) else (built,), {})
        )
        return exercises.check(self.exercise, *args, **kwargs)

    def assert_not_yet(self):
        verdict = self.verdict()
        assert verdict.status == "not yet", f"{self}: got {verdict}"
        assert verdict.error is None, f"{self}: the check crashed instead of judging: {verdict.error!r}"
        assert self.phrase in verdict.message, f"{self}: {verdict.message!r} lacks {self.phrase!r}"
        return verdict


def wrong(exercise, kind, what, phrase, answer):
    """Declare a wrong answer (see Wrong)."""
    return Wrong(exercise, kind, what, answer, phrase)


def history_for(model, **values):
    """A History as fit returns it, with the given per-epoch values (no training needed)."""
    history = keras.callbacks.History()
    history.set_model(model)
    history.history = {key: list(v) for key, v in values.items()}
    history.epoch = list(range(len(next(iter(values.values()), []))))
    return history
