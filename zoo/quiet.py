"""Imports TensorFlow without its start-up chatter on stderr."""

import contextlib
import os
import sys


@contextlib.contextmanager
def silenced_stderr():
    """Sends file descriptor 2 to /dev/null: TF's C++ logs bypass Python."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """Returns the `tensorflow` module, imported quietly (with TFP and Keras)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with silenced_stderr():
        import keras  # noqa: F401
        import tensorflow as tf
        import tensorflow_probability  # noqa: F401

        tf.get_logger().setLevel("ERROR")
    return tf
