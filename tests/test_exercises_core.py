"""The exercise machinery: ids, verdicts, strict mode, targets, and every notebook's exercises present."""

from workshop_utils import exercises
from workshop_utils.course import config
from workshop_utils.exercises import _core
from workshop_utils.exercises._judging import given

import pytest


def test_every_notebook_from_01_has_two_or_three_exercises():
    ids = list(exercises.list_exercises())
    for number in range(1, 13):
        mine = [i for i in ids if i.startswith(f"{number:02d}.")]
        assert 2 <= len(mine) <= 3, f"notebook {number:02d} has exercises {mine}"


def test_every_exercise_target_belongs_to_an_exercise_and_has_every_profile():
    for exercise_id, targets in config.EXERCISE_TARGETS.items():
        assert exercise_id in exercises.list_exercises(), exercise_id
        assert set(targets) == set(config.PROFILES), exercise_id


def test_verdicts(capsys):
    @exercises.exercise("99.1", "a test exercise")
    def check_answer(answer):
        given(answer, "answer")
        if answer != 42:
            raise exercises.NotYet("the answer is too " + ("small" if answer < 42 else "large") + ".")
        return "that is the answer."

    try:
        assert not exercises.check("99.1", None)
        assert "NOT STARTED  exercise 99.1 (a test exercise): answer is still None" in capsys.readouterr().out
        verdict = exercises.check("99.1", 41)
        assert not verdict and verdict.status == "not yet"
        assert "NOT YET  exercise 99.1" in capsys.readouterr().out
        assert exercises.check("99.1", 42).passed
        assert "PASS  exercise 99.1 (a test exercise): that is the answer." in capsys.readouterr().out
        with pytest.raises(_core.ExerciseNotPassed, match="too large"):
            exercises.check("99.1", 43, strict=True)
    finally:
        del _core._EXERCISES["99.1"]


def test_unknown_ids_and_malformed_ids_stop_with_a_message():
    with pytest.raises(ValueError, match="There is no exercise '42.9'"):
        exercises.check("42.9")
    with pytest.raises(ValueError, match="look like '02.1'"):
        exercises.exercise("2.1", "bad id")


def test_a_missing_target_names_the_place_to_add_it():
    with pytest.raises(KeyError, match="EXERCISE_TARGETS"):
        exercises.exercise_target("99.9", "workshop")


def _wrong_answers():
    """Every test module's WRONG list, by exercise id."""
    import importlib
    from pathlib import Path

    found = {}
    for path in sorted(Path(__file__).parent.glob("test_exercises_[0-9][0-9].py")):
        module = importlib.import_module(path.stem)
        for case in getattr(module, "WRONG", []):
            found.setdefault(case.exercise, []).append(case)
    return found


def test_every_exercise_is_judged_by_three_wrong_answers_of_different_kinds():
    found = _wrong_answers()
    short = {
        exercise_id: sorted({case.kind for case in found.get(exercise_id, [])})
        for exercise_id in exercises.list_exercises()
        if len({case.kind for case in found.get(exercise_id, [])}) < 3
    }
    assert not short, f"exercises with fewer than three kinds of wrong answer in their tests' WRONG: {short}"
