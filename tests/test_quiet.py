"""`zoo.quiet`: TensorFlow's C++ log lines are filtered off stderr; the rest passes."""

import os
import subprocess
import sys

# Real TensorFlow start-up (import, first op), plus one line in the exact absl format
# written to descriptor 2 from C, so the check means something on machines where
# TensorFlow happens to stay silent.
SCRIPT = r"""
import ctypes, sys
from zoo import quiet
with quiet.filtered_stderr():
    if sys.argv[1] == "tensorflow":
        import tensorflow as tf
        tf.constant(1.0) + 1
    libc = ctypes.CDLL(None)
    for line in (b"E0000 00:00:1796048358.730386   27939 cuda_platform.cc:52] cuInit\n",
                 b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"):
        libc.write(2, line, len(line))
    print("\rprogress 50%\rprogress 100%", file=sys.stderr, flush=True)
    print("aezoo x: error: a real error line", file=sys.stderr, flush=True)
"""


def _stderr(debug, tensorflow):
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL",
                                                            "AEZOO_DEBUG")}
    if debug:
        env["AEZOO_DEBUG"] = "1"
    argv = [sys.executable, "-c", SCRIPT, "tensorflow" if tensorflow else "-"]
    result = subprocess.run(argv, env=env, capture_output=True, timeout=300)
    stderr = result.stderr.decode(errors="replace")  # bytes: keep the carriage returns
    assert result.returncode == 0, stderr[-2000:]
    return stderr


def test_cpp_chatter_is_filtered_and_shown_with_aezoo_debug():
    from zoo import quiet

    quiet_stderr = _stderr(debug=False, tensorflow=True)
    loud_stderr = _stderr(debug=True, tensorflow=False)  # the control: the line gets through
    for text in (quiet_stderr, loud_stderr):
        assert "\rprogress 50%\rprogress 100%\n" in text
        assert "aezoo x: error: a real error line" in text
    assert "cuda_platform.cc:52] cuInit" in loud_stderr
    assert "XNNPACK delegate" in loud_stderr and "XNNPACK delegate" not in quiet_stderr
    assert not [line for line in quiet_stderr.splitlines() if quiet.is_chatter(line)], (
        quiet_stderr)
    for marker in ("E0000", "W0000", "I0000", "cuInit", "cudart"):
        assert marker not in quiet_stderr
