"""Reliability sweep: a user error in any `aezoo` command is one stderr line, exit 2.

Runs `zoo.cli.main` in-process (one TensorFlow import for all cases); an
exception escaping `main` counts as a traceback. `tests/test_cli.py` runs
the console script as a subprocess and checks `--help` on every command.
"""

import os
import shlex

import pytest
from reliability_cases import check_cli, ids, run_cli, tiny_export

from zoo import cli

COMMANDS = {m.__name__.rsplit(".", 1)[1] for m in cli._command_modules()}


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    model, _ = tiny_export()
    tmp = tmp_path_factory.mktemp("cli")
    path = tmp / "model.keras"
    model.save(path)
    return {"model": str(path), "tmp": str(tmp)}


def test_every_command_has_user_error_cases():
    covered = {case_id[len("cli-"):].split("-", 1)[0] for case_id in ids("cli")}
    assert COMMANDS <= covered, sorted(COMMANDS - covered)


@pytest.mark.parametrize("case_id", ids("cli"))
def test_user_error(paths, tmp_path, case_id):
    from reliability_cases import case

    line = case(case_id).call[len("aezoo"):].strip()
    out = str(tmp_path / "out")
    argv = [part.format(out=out, **paths) for part in shlex.split(line)]
    status, _, stderr = run_cli(argv)
    left = sorted(os.listdir(tmp_path))
    check_cli(case_id, status, stderr, extra_ok=left == [],
              extra_text="" if not left else f"; left behind {left}")
