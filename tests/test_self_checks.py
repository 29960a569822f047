import json

from workshop_utils import datasets, self_checks
from workshop_utils.course import config

import pytest


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_METRICS_DIR", str(tmp_path))
    datasets.STANDINS_USED.clear()
    return config.notebook_settings("02_mlp_fashion_mnist", "full")


def test_pass_prints_and_records(cfg, tmp_path, capsys):
    assert self_checks.check_metric(cfg, "test_accuracy", 0.89)
    assert capsys.readouterr().out.startswith("PASS  test_accuracy = 0.8900 >= target 0.8835")
    recorded = json.loads((tmp_path / "02_mlp_fashion_mnist.json").read_text())
    assert recorded[0]["passed"] is True and recorded[0]["value"] == pytest.approx(0.89)


def test_miss_raises_with_figure_and_target(cfg, tmp_path):
    with pytest.raises(self_checks.SelfCheckFailed, match=r"0\.8000.*>= 0\.8835"):
        self_checks.check_metric(cfg, "test_accuracy", 0.80)
    assert json.loads((tmp_path / "02_mlp_fashion_mnist.json").read_text())[0]["passed"] is False


def test_unknown_metric(cfg):
    with pytest.raises(ValueError, match="No target named"):
        self_checks.check_metric(cfg, "speed", 1.0)


def test_standin_is_flagged_only_for_its_dataset(cfg, tmp_path, capsys):
    datasets.STANDINS_USED.add("fashion_mnist")
    self_checks.check_metric(cfg, "test_accuracy", 0.9)
    assert "meaningless" in capsys.readouterr().out
    self_checks.check_metric(cfg, "mnist_test_accuracy", 0.99, dataset="mnist")
    assert "meaningless" not in capsys.readouterr().out
    recorded = {e["metric"]: e["standins"] for e in json.loads((tmp_path / "02_mlp_fashion_mnist.json").read_text())}
    assert recorded == {"test_accuracy": ["fashion_mnist"], "mnist_test_accuracy": []}
    datasets.STANDINS_USED.clear()


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("metric", ["test_accuracy", "mnist_test_accuracy"])
def test_a_figure_that_is_not_finite_never_passes(cfg, value, metric):
    with pytest.raises(self_checks.SelfCheckFailed, match="not a finite number"):
        self_checks.check_metric(cfg, metric, value)


def test_nan_fails_an_at_most_target_too(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_METRICS_DIR", str(tmp_path))
    cfg = config.notebook_settings("10_custom_training", "workshop")
    with pytest.raises(self_checks.SelfCheckFailed, match="not a finite number"):
        self_checks.check_metric(cfg, "max_metric_gap_vs_fit", float("nan"))
