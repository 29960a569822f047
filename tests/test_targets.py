"""No target can be reached by a model that learned nothing (tools/baselines.py).

For every self-check target and exercise target, in every profile, the no-learning figure is worked out
from the data that profile really uses: the real data where this machine has it (CI's first pass has the
mirror), the stand-in that smoke falls back to, and scikit-learn's bundled sets.
"""

from workshop_utils.course import config

import baselines
import pytest

CASES = [
    (key, profile)
    for key in baselines.all_targets()
    if key not in baselines.NOT_A_LEARNING_TARGET
    for profile in config.PROFILES
]


def _name(key):
    return key if isinstance(key, str) else f"{key[0][:2]}-{key[1]}"


def test_every_target_has_a_baseline_or_a_reason():
    missing = [
        key
        for key in baselines.all_targets()
        if key not in baselines.BASELINES and key not in baselines.NOT_A_LEARNING_TARGET
    ]
    assert not missing, f"targets without a no-learning baseline: {missing}"


@pytest.mark.parametrize("key, profile", CASES, ids=[f"{_name(k)}-{p}" for k, p in CASES])
def test_a_model_that_learned_nothing_cannot_reach_the_target(key, profile):
    found = baselines.BASELINES[key](profile)
    assert found, f"no data to work out the baseline of {key} in {profile}"
    direction, target = baselines.target_of(key, profile)
    for baseline in found:
        relation = ">" if baseline.kind == "accuracy" else "<"
        assert baselines.clears(key, profile, baseline), (
            f"{key} in {profile}: target {target} ({direction}) must be {relation} {baseline.bar:.4f} on the "
            f"{baseline.data} data ({baseline.what})"
        )


def test_a_target_at_the_majority_share_is_caught(monkeypatch):
    key = ("01_anatomy_of_a_keras_program", "cancer_test_accuracy")
    baseline = baselines.BASELINES[key]("smoke")[0]
    assert baseline.value == pytest.approx(72 / 114)  # 72 benign tumours among 114 test tumours
    monkeypatch.setitem(config.TARGETS[key[0]], key[1], ("min", {"smoke": 0.65, "workshop": 0.93, "full": 0.93}))
    assert not baselines.clears(key, "smoke", baseline), "0.65 is within luck of always answering 'benign'"


def test_a_ratio_target_at_the_trivial_forecast_is_caught(monkeypatch):
    baseline = baselines.BASELINES["01.3"]("smoke")[0]
    assert 0.9 < baseline.value <= 1.0
    monkeypatch.setitem(config.EXERCISE_TARGETS, "01.3", {"smoke": 1.0, "workshop": 0.8, "full": 0.8})
    assert not baselines.clears("01.3", "smoke", baseline)
