"""TensorFlow for SavedModel folders only: a clear error where it is not installed."""


def import_tensorflow():
    """Returns `tensorflow`, or raises ImportError saying what runs without it."""
    try:
        import tensorflow as tf
    except ImportError:
        raise ImportError("A SavedModel folder needs TensorFlow (pip install tensorflow, or "
                          "aezoo). aezoo-runtime runs .onnx and .tflite files without it."
                          ) from None
    return tf
