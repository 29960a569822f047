"""Checked exercises: ``exercises.check("02.1", ...)`` tells a learner whether an answer is right.

Each notebook from 01 on ends with 2-3 exercises. A learner builds something (a model, a history, a
scaler, a split) and passes it to ``check`` with the exercise's id. The verdict says pass, not yet
(with why: the wrong loss for the label form, an output shape or parameter count that does not fit,
validation data taken from the test set, an accuracy below the profile's target, ...) or not started,
without printing the answer. Worked solutions live in ``solutions/`` and call ``check(..., strict=True)``,
which raises when an answer does not pass, so CI notices a solution that stops working.

One module per notebook (``nb01.py``, ``nb02.py``, ...) registers that notebook's checks with
``@exercise("NN.k", "title")``. A check function receives what the learner passed and returns a
message saying what was confirmed, or raises ``NotYet("why")``. Targets that depend on the profile
live in ``workshop_utils.course.config.EXERCISE_TARGETS``.
"""

import importlib
import pkgutil

from ._core import NotStarted, NotYet, Verdict, check, exercise, exercise_target, list_exercises

__all__ = ["check", "exercise", "exercise_target", "list_exercises", "NotYet", "NotStarted", "Verdict"]

# Import every notebook's module so that its checks register themselves.
for _module in pkgutil.iter_modules(__path__):
    if _module.name.startswith("nb"):
        importlib.import_module(f"{__name__}.{_module.name}")
