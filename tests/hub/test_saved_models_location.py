"""Where presets are read from and written to: never into an installed package."""

import os

import pytest

from zoo.hub import manifest


def test_checkout_reads_and_writes_its_own_saved_models(monkeypatch):
    monkeypatch.delenv(manifest.SAVED_MODELS_ENV, raising=False)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(manifest.__file__))))
    expected = os.path.join(repo, "saved_models")
    assert manifest.saved_models_dir() == expected
    assert manifest.writable_saved_models_dir() == expected


def test_environment_variable_wins_for_both(monkeypatch, tmp_path):
    monkeypatch.setenv(manifest.SAVED_MODELS_ENV, str(tmp_path))
    assert manifest.saved_models_dir() == str(tmp_path)
    assert manifest.writable_saved_models_dir() == str(tmp_path)


def test_installed_from_a_wheel_reads_the_package_copy_and_never_writes_there(monkeypatch):
    monkeypatch.delenv(manifest.SAVED_MODELS_ENV, raising=False)
    monkeypatch.setattr(manifest, "_checkout_saved_models", lambda: None)  # no checkout beside
    package = os.path.dirname(os.path.dirname(os.path.abspath(manifest.__file__)))
    assert manifest.saved_models_dir() == os.path.join(package, "saved_models")
    with pytest.raises(ValueError, match="never written into site-packages"):
        manifest.writable_saved_models_dir()
