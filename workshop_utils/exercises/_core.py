"""The machinery behind ``exercises.check``: a registry of checks and the verdict they give."""

import re

from ..course import config

_EXERCISES = {}
_ID = re.compile(r"^\d\d\.\d$")


class NotYet(Exception):
    """Raised by a check when the answer does not pass; the message says why, without the answer."""


class NotStarted(Exception):
    """Raised by a check when the learner has not filled in the exercise yet (e.g. a ``None``)."""


class ExerciseNotPassed(AssertionError):
    """Raised by ``check(..., strict=True)`` when an answer does not pass (used by the solutions)."""


class Verdict:
    """The outcome of one check: ``status`` is "pass", "not yet" or "not started"; true only on pass."""

    def __init__(self, exercise_id, title, status, message):
        self.exercise_id, self.title, self.status, self.message = exercise_id, title, status, message
        self.error = None  # the exception, when the check could not use the answer at all

    @property
    def passed(self):
        return self.status == "pass"

    def __bool__(self):
        return self.passed

    def __str__(self):
        label = {"pass": "PASS", "not yet": "NOT YET", "not started": "NOT STARTED"}[self.status]
        return f"{label}  exercise {self.exercise_id} ({self.title}): {self.message}"

    def __repr__(self):
        return f"Verdict({self.exercise_id!r}, {self.status!r})"

    def _ipython_display_(self):
        """``check`` has already printed the verdict: show nothing more when it ends a cell."""


def exercise(exercise_id, title):
    """Register a check function under an id "NN.k" (notebook NN, exercise k) with a short title."""
    if not _ID.match(exercise_id):
        raise ValueError(f"Exercise ids look like '02.1' (notebook 02, exercise 1), not {exercise_id!r}.")

    def register(function):
        if exercise_id in _EXERCISES:
            raise ValueError(f"Exercise {exercise_id} is registered twice.")
        _EXERCISES[exercise_id] = (title, function)
        return function

    return register


def list_exercises():
    """Return ``{id: title}`` for every registered exercise, in order."""
    return {key: _EXERCISES[key][0] for key in sorted(_EXERCISES)}


def exercise_target(exercise_id, profile=None):
    """Return the profile's target for an exercise from ``config.EXERCISE_TARGETS``.

    Args:
        exercise_id: e.g. "02.1".
        profile: smoke, workshop or full; None means the active profile (``WORKSHOP_PROFILE``).
    """
    profile = profile or config.get_profile()
    try:
        return config.EXERCISE_TARGETS[exercise_id][profile]
    except KeyError:
        raise KeyError(
            f"No target for exercise {exercise_id} in profile {profile!r}: add it to "
            "workshop_utils.course.config.EXERCISE_TARGETS."
        ) from None


def check(exercise_id, *answer, strict=False, **named):
    """Check a learner's answer to an exercise and print the verdict.

    Args:
        exercise_id: the exercise's id as the notebook shows it, e.g. "02.1".
        *answer, **named: what the exercise asks you to pass (a model, a history, arrays, ...).
        strict: raise ``ExerciseNotPassed`` unless the answer passes (the worked solutions use this).

    Returns:
        A Verdict, true when the answer passes.
    """
    if exercise_id not in _EXERCISES:
        known = ", ".join(list_exercises()) or "none"
        raise ValueError(f"There is no exercise {exercise_id!r}. Known exercises: {known}.")
    title, function = _EXERCISES[exercise_id]
    try:
        verdict = Verdict(exercise_id, title, "pass", function(*answer, **named) or "well done.")
    except NotStarted as reason:
        verdict = Verdict(exercise_id, title, "not started", str(reason))
    except NotYet as reason:
        verdict = Verdict(exercise_id, title, "not yet", str(reason))
    except Exception as error:  # an answer of a form the check did not foresee: say so, never crash the cell
        first = str(error).splitlines()[0][:300] if str(error) else ""
        verdict = Verdict(
            exercise_id,
            title,
            "not yet",
            f"the check could not use your answer ({type(error).__name__}: {first}). Compare what "
            "you pass with the exercise text.",
        )
        verdict.error = error
    print(verdict)
    if strict and not verdict.passed:
        raise ExerciseNotPassed(str(verdict)) from verdict.error
    return verdict
