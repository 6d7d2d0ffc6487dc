"""Build hook: `aezoo_runtime` gets export/common.py and export/runtime.py from the repository.

The aezoo repository's `export/runtime.py` (and the `export/common.py` it
uses) is the one source of the TF-free runtime: this hook copies both into
the built package, rewriting their two aezoo imports, and refuses to build
when they import anything else from aezoo or TensorFlow at module level.
"""

import os
import re

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
EXPORT = os.path.join(HERE, "..", "..", "export")
REWRITES = {
    "from export import common": "from aezoo_runtime import common",
    # SavedModel folders need TensorFlow; aezoo_runtime says so clearly.
    "from zoo import quiet": "from aezoo_runtime import _tensorflow as quiet",
}
FORBIDDEN = re.compile(r"^\s*(from|import)\s+(export|zoo|tensorflow|keras)\b", re.MULTILINE)
TOP_LEVEL_HEAVY = re.compile(r"^(from|import)\s+(tensorflow|keras|tf2onnx|onnx)\b", re.MULTILINE)


def runtime_source(name):
    """The text of `export/<name>`, with aezoo imports rewritten and checked."""
    with open(os.path.join(EXPORT, name)) as f:
        text = f.read()
    for old, new in REWRITES.items():
        text = text.replace(old, new)
    if FORBIDDEN.search(text) or TOP_LEVEL_HEAVY.search(text):
        line = (FORBIDDEN.search(text) or TOP_LEVEL_HEAVY.search(text)).group(0).strip()
        raise SystemExit(f"export/{name} imports {line!r}: aezoo-runtime must stay free of "
                         "TensorFlow and of the rest of aezoo (see packaging/runtime/setup.py)")
    return text


class BuildRuntime(build_py):
    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "aezoo_runtime")
        for name in ("common.py", "runtime.py"):
            with open(os.path.join(target, name), "w") as f:
                f.write(runtime_source(name))


setup(cmdclass={"build_py": BuildRuntime})
