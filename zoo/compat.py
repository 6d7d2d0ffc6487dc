"""Every private or version-dependent TensorFlow / Keras / LiteRT / sktime access.

Each function here wraps one access that no public API offers on the pinned
stack (TF 2.21, Keras 3.15, ai-edge-litert, sktime). When an upgrade moves
one, it breaks here, loudly, and `tests/test_compat.py` names which. Heavy
imports stay inside the functions, so importing this module is free.
"""

import os


class CompatibilityError(RuntimeError):
    """A private or version-dependent API this module relies on has moved."""


def _moved(what, error):
    return CompatibilityError(
        f"{what} is not available on this stack ({type(error).__name__}: {error}); "
        "aezoo relies on it — check zoo/compat.py against the installed versions."
    )


def flatten_layers(model):
    """Returns every layer of a Keras model, nested ones included.

    Keras has no public recursive layer walk; `Model._flatten_layers` is it.
    """
    try:
        return list(model._flatten_layers())
    except AttributeError as error:
        raise _moved("keras.Model._flatten_layers", error) from None


def untrack_layer(model, layer):
    """Makes `model` stop tracking the sub-layer `layer` before another takes its attribute.

    Keras keeps a replaced sub-layer in its tracker (and so in `weights` and
    in the saved file, which then no longer loads); no public API drops it.
    `Layer._tracker.untrack` does.
    """
    try:
        model._tracker.untrack(layer)
    except AttributeError as error:
        raise _moved("keras.Layer._tracker.untrack", error) from None


def disable_per_channel_dense_quantization(converter):
    """Makes a TFLite converter quantize dense layers per tensor.

    Per-channel dense quantization stores a float scale and an int64 zero
    point per output unit: for wide dense layers that costs more than int8
    saves. Only a private converter flag switches it off (TF 2.21).
    """
    flag = "_experimental_disable_per_channel_quantization_for_dense_layers"
    if not hasattr(converter, flag):
        raise _moved(f"TFLiteConverter.{flag}", AttributeError(flag))
    setattr(converter, flag, True)


def quantization_debugger(converter, calibration, denylisted_nodes):
    """Returns LiteRT bytes quantized with `denylisted_nodes` kept float.

    Selective quantization is only reachable through TF's experimental
    `QuantizationDebugger`.
    """
    import tensorflow as tf

    try:
        options = tf.lite.experimental.QuantizationDebugOptions(
            denylisted_nodes=denylisted_nodes)
        debugger = tf.lite.experimental.QuantizationDebugger(
            converter=converter, debug_dataset=calibration, debug_options=options)
    except AttributeError as error:
        raise _moved("tf.lite.experimental.QuantizationDebugger", error) from None
    return debugger.get_nondebug_quantized_model()


def litert_ops(interpreter):
    """Returns the operator details of a LiteRT interpreter (dicts with `op_name`, ...).

    `Interpreter._get_ops_details` is the only way to list a model's operators.
    """
    try:
        return interpreter._get_ops_details()
    except AttributeError as error:
        raise _moved("ai_edge_litert Interpreter._get_ops_details", error) from None


def unsafe_deserialization_refused(error):
    """True when a Keras `load_model` error says safe_mode refused the file.

    Keras raises a plain ValueError; only its text tells the cause.
    """
    text = str(error)
    return "unsafe" in text or "safe_mode" in text or "Lambda" in text


def saved_state_mismatch(error):
    """True when a Keras `load_model` error says stored weights no longer fit the class."""
    return "could not be loaded" in str(error)


def sktime_data_file(*parts):
    """Returns the path of a data file shipped inside the installed sktime package.

    sktime offers loaders for its bundled series, not paths; the MIT-BIH
    excerpt is read as the CSV it ships.
    """
    import sktime

    path = os.path.join(os.path.dirname(sktime.__file__), "datasets", "data", *parts)
    if not os.path.exists(path):
        raise _moved(f"sktime's bundled data file {os.path.join(*parts)}",
                     FileNotFoundError(path))
    return path
