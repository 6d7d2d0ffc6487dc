"""Shared helpers for benchmark scripts: result files in bench/results/ and the git revision.

The result-file format lives in `zoo.bench.results` (also used by `aezoo bench`).
"""

import os
import subprocess

from zoo.bench import results as _results
from zoo.bench.results import command_line, machine, markdown_table

__all__ = ["RESULTS", "command_line", "git_revision", "machine", "markdown_table",
           "write_results"]

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def write_results(name, payload, markdown, out_dir=RESULTS):
    """Writes `<name>.json` and `<name>.md` into `out_dir` (default bench/results/)."""
    return _results.write_results(name, payload, markdown, out_dir)


def git_revision():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
