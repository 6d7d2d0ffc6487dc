"""The `aezoo` command line: help everywhere, one-line user errors."""

import subprocess
import sys

import pytest

from zoo import cli


def aezoo(*args):
    return subprocess.run([sys.executable, "-m", "zoo.cli", *args], capture_output=True,
                          text=True, timeout=300)


COMMANDS = [m.__name__.rsplit(".", 1)[1] for m in cli._command_modules()]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: aezoo {command}" in capsys.readouterr().out


def test_list_names_variants_backbones_and_datasets():
    result = aezoo("list")
    assert result.returncode == 0, result.stderr
    assert "ae" in result.stdout and "vae" in result.stdout
    assert "conv" in result.stdout and "mnist5k" in result.stdout
    assert result.stderr == ""  # TensorFlow's start-up chatter is kept off the terminal


def test_user_error_is_one_line_without_traceback(tmp_path):
    result = aezoo("train", "nope", "--out", str(tmp_path / "m.keras"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Unknown variant" in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "m.keras").exists()
