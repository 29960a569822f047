"""The environment report: versions, devices, graphviz, datasets, profile."""

from workshop_utils.course import config, environment


def test_environment_report_names_everything(monkeypatch):
    monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")
    env = environment.environment_report()
    for key in ("python", "tensorflow", "keras", "backend", "devices", "plot_model", "profile", "data mirror"):
        assert key in env
    assert env["keras"].startswith("3.") and env["profile"] == "smoke"
    assert {f"dataset {name}" for name in ("mnist", "fashion_mnist", "cifar10")} <= set(env)


def test_graphviz_status_tells_how_to_fix(monkeypatch):
    monkeypatch.setattr(environment.shutil, "which", lambda name: None)
    assert "apt-get install graphviz" in environment.graphviz_status()


def test_devices_and_summary_line():
    assert environment.devices()[0].startswith(("CPU", "GPU"))
    line = environment.one_line_summary(config.notebook_settings("00_getting_started", "smoke"))
    assert line.startswith("00_getting_started | profile smoke | Keras 3.") and "seed 42" in line
