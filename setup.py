"""Build hook: ships the repository's saved_models/ inside the wheel as `zoo/saved_models/`.

Everything else is declared in pyproject.toml. The repository's
`saved_models/` stays the source of truth; only what its `manifest.json`
lists (each preset's model, card and figure) is copied, so the wheel carries
no stray files. An editable install reads `saved_models/` in place instead.
"""

import json
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def preset_files(root):
    """The files of `root/manifest.json`'s presets, relative to `root` (manifest first)."""
    with open(os.path.join(root, "manifest.json")) as f:
        presets = json.load(f)["presets"]
    files = ["manifest.json"]
    for entry in presets.values():
        files += [entry[key] for key in ("file", "card", "figure") if entry.get(key)]
    return files


class BuildWithPresets(build_py):
    """`build_py`, then the presets copied into the built package."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        source = os.path.join(HERE, "saved_models")
        target = os.path.join(self.build_lib, "zoo", "saved_models")
        shutil.rmtree(target, ignore_errors=True)
        for name in preset_files(source):
            os.makedirs(os.path.dirname(os.path.join(target, name)), exist_ok=True)
            shutil.copyfile(os.path.join(source, name), os.path.join(target, name))


setup(cmdclass={"build_py": BuildWithPresets})
