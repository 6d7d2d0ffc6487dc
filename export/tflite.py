"""LiteRT export: one `.tflite` per endpoint, from the SavedModel signature.

Builtin ops only: a Flex (select TF) op converts but does not run in the pip
LiteRT interpreter. Quantization modes:

- `None`: float32 weights and activations.
- `"float16"`: float16 weights, float32 compute and io.
- `"dynamic"`: int8 weights, activations quantized on the fly; float io.
- `"int8"`: int8 weights and activations calibrated on representative
  data, `TFLITE_BUILTINS_INT8` only, dense layers per-tensor. Inputs and outputs stay float32 (a
  quantize op at the input, a dequantize op at each output), so the same
  numpy code drives every mode; integer `codes` stay int32. A VQ-VAE's
  nearest-codebook search (distances and argmin) stays float32 (see
  `nearest_neighbour_nodes`), so int8 keeps 99% of the codes.

Models with LSTM/GRU layers are converted with a static batch of 1 (LiteRT
builtins cannot run their dynamic-batch TensorList ops); `export.runtime`
loops over larger batches.
"""

from export import endpoints as endpoints_module
from zoo import compat

CALIBRATION_EXAMPLES = 200


def export_tflite(saved_model_dir, filepath, endpoint, quantize=None, representative_data=None):
    """Converts one SavedModel signature to a `.tflite` file.

    Args:
        saved_model_dir: str. A SavedModel written by `export_saved_model`.
        filepath: str. The `.tflite` file to write.
        endpoint: str. Signature (endpoint) name.
        quantize: str or None. `None`, `"float16"`, `"dynamic"` or `"int8"`.
            Defaults to `None`.
        representative_data: numpy array or None. Calibration inputs of this
            endpoint (`x`, or latents `z` for `decode`); required for int8.

    Returns:
        `filepath`.

    Example:
    >>> export_tflite("out/saved_model", "out/encode.tflite", "encode")
    """
    import tensorflow as tf

    from zoo import quiet

    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir,
                                                         signature_keys=[endpoint])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "int8":
        if representative_data is None:
            raise ValueError("int8 quantization needs representative data. "
                             "Received: representative_data=None")
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        # Per-channel dense quantization stores a float scale and an int64 zero
        # point per output unit: for wide dense layers (a decoder's first layer)
        # that costs more than int8 saves. Per-tensor for dense, per-channel
        # for convolutions.
        compat.disable_per_channel_dense_quantization(converter)
        name = endpoints_module.INPUT_NAMES[endpoint]
        examples = representative_data[:CALIBRATION_EXAMPLES]

        def calibration():
            for i in range(len(examples)):
                yield {name: examples[i : i + 1]}

        converter.representative_dataset = calibration
    with quiet.silenced_stderr():
        flatbuffer = converter.convert()
    with open(filepath, "wb") as f:
        f.write(flatbuffer)
    if quantize == "int8":
        float_nodes = nearest_neighbour_nodes(filepath)
        if float_nodes:
            flatbuffer = _convert_with_float_nodes(converter, calibration, float_nodes)
            with open(filepath, "wb") as f:
                f.write(flatbuffer)
    return filepath


# Ops of a nearest-codebook search (VQ-VAE), computed by the model itself
# rather than by a layer, hence named without a layer scope.
SEARCH_OPS = ("ARG_MIN", "FULLY_CONNECTED", "SUM", "SUB", "ADD", "SQUARE", "MUL")


def nearest_neighbour_nodes(filepath):
    """Output names of the distance ops feeding an ARG_MIN outside any layer scope.

    In int8 the squared distances to the codebook share one 8-bit scale:
    codebook entries closer than a quantization step tie, and about one
    VQ code in ten flips (measured: 89% agreement on 500 MNIST digits).
    These few ops stay float32; the encoder and decoder stay int8.
    """
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(
        model_path=filepath,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    ops = compat.litert_ops(interpreter)
    if not any(op["op_name"] == "ARG_MIN" for op in ops):
        return []
    tensors = interpreter.get_tensor_details()
    names = []
    for op in ops:
        if op["op_name"] in SEARCH_OPS:
            for index in op["outputs"]:
                name = tensors[index]["name"]
                if "/" not in name:
                    names.append(name)
    return names


def _convert_with_float_nodes(converter, calibration, float_nodes):
    """Re-converts with `float_nodes` kept float (selective quantization)."""
    import tensorflow as tf

    from zoo import quiet

    # Float kernels for the kept nodes: builtins besides the int8 ones.
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8,
                                           tf.lite.OpsSet.TFLITE_BUILTINS]
    with quiet.silenced_stderr():
        return compat.quantization_debugger(converter, calibration, float_nodes)


def op_names(filepath):
    """Sorted set of the LiteRT operator names in a `.tflite` file (no delegate)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(
        model_path=filepath,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    return sorted({op["op_name"] for op in compat.litert_ops(interpreter)})


def quantization_params(filepath, endpoint):
    """Scales and zero points of a `.tflite` signature's inputs and outputs."""
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=filepath).get_signature_runner(endpoint)
    params = {}
    for side, details in (("inputs", runner.get_input_details()),
                          ("outputs", runner.get_output_details())):
        for name, detail in details.items():
            scales, zero_points = detail["quantization_parameters"]["scales"], detail[
                "quantization_parameters"]["zero_points"]
            params[f"{side}/{name}"] = {
                "dtype": str(detail["dtype"].__name__ if hasattr(detail["dtype"], "__name__")
                             else detail["dtype"]),
                "scales": [float(s) for s in scales[:8]],
                "zero_points": [int(z) for z in zero_points[:8]],
            }
    return params
