"""README's first Python example runs as written."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_load_a_pretrained_model_example_runs():
    with open(os.path.join(ROOT, "README.md")) as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102
    assert namespace["z"].shape == (1000, 32)
    assert namespace["s"].shape == (1000,)
    assert tuple(namespace["q"].event_shape) == (32,)
    assert namespace["images"].shape == (16, 28, 28, 1)
