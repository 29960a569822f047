from pathlib import Path

from workshop_utils.course import config

import pytest


def test_default_profile_is_workshop(monkeypatch):
    monkeypatch.delenv("WORKSHOP_PROFILE", raising=False)
    assert config.get_profile() == "workshop"


def test_unknown_profile_lists_valid_ones(monkeypatch):
    monkeypatch.setenv("WORKSHOP_PROFILE", "turbo")
    with pytest.raises(ValueError, match="smoke, workshop, full"):
        config.get_profile()


def test_every_notebook_has_all_profiles_and_same_keys():
    for notebook, table in config.SETTINGS.items():
        keys = {profile: set(table[profile]) | set(table["common"]) for profile in config.PROFILES}
        assert len({frozenset(k) for k in keys.values()}) == 1, f"{notebook}: profiles differ in keys {keys}"


def test_smoke_is_small_and_one_or_two_epochs():
    for notebook in config.SETTINGS:
        cfg = config.notebook_settings(notebook, "smoke")
        assert cfg.get("epochs", 1) <= 3
        assert cfg.get("train_size") is None or cfg.train_size <= 5000


def test_settings_read_as_attributes_and_carry_targets():
    cfg = config.notebook_settings("02_mlp_fashion_mnist", "full")
    assert cfg.epochs == 10 and cfg.batch_size == 100
    assert cfg.targets["test_accuracy"] == ("min", 0.8835)
    with pytest.raises(AttributeError, match="No setting 'nonsense'"):
        _ = cfg.nonsense


def test_unknown_notebook_is_an_error():
    with pytest.raises(ValueError, match="Unknown notebook"):
        config.notebook_settings("99_nothing", "smoke")


def test_every_notebook_file_has_settings():
    names = {p.stem for p in (Path(__file__).parents[1] / "notebooks").glob("[0-9]*.ipynb")}
    assert names <= set(config.SETTINGS), names - set(config.SETTINGS)
