"""Every private or version-dependent access in zoo/compat.py, against the installed stack.

When an upgrade moves one of them, the test of that access fails and names it.
"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import compat


def _tiny_model():
    return zoo.build("ae", input_shape=(8, 8, 1), latent_dim=2, backbone="mlp",
                     hidden_units=(4,))


def test_flatten_layers_reaches_nested_layers():
    model = _tiny_model()
    layers = compat.flatten_layers(model)
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    # Encoder and decoder are nested models: their Dense layers are found inside.
    assert len(dense) >= 4


def _converter():
    function = tf.function(lambda x: tf.matmul(x, tf.ones((4, 3))),
                           input_signature=[tf.TensorSpec((1, 4), tf.float32)])
    return tf.lite.TFLiteConverter.from_concrete_functions(
        [function.get_concrete_function()], function)


def test_per_channel_dense_flag_exists_and_is_set():
    converter = _converter()
    compat.disable_per_channel_dense_quantization(converter)
    assert converter._experimental_disable_per_channel_quantization_for_dense_layers is True


def test_litert_ops_lists_the_operators(tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    path = tmp_path / "m.tflite"
    path.write_bytes(_converter().convert())
    ops = compat.litert_ops(Interpreter(model_path=str(path)))
    assert {op["op_name"] for op in ops} & {"FULLY_CONNECTED", "BATCH_MATMUL"}


def test_quantization_debugger_api_is_present():
    assert hasattr(tf.lite.experimental, "QuantizationDebugger")
    assert hasattr(tf.lite.experimental, "QuantizationDebugOptions")


def test_keras_error_texts_are_recognised(tmp_path):
    inputs = keras.Input((2,))
    unsafe = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    path = tmp_path / "lambda.keras"
    unsafe.save(path)
    with pytest.raises(ValueError) as error:
        keras.models.load_model(path, safe_mode=True)
    assert compat.unsafe_deserialization_refused(error.value)
    assert not compat.saved_state_mismatch(error.value)


def test_saved_state_mismatch_text(tmp_path):
    """A .keras file whose weights no longer fit the class gives Keras' 'could not be loaded'."""
    model = _tiny_model()
    path = tmp_path / "m.keras"
    model.save(path)
    import zipfile

    damaged = tmp_path / "damaged.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "config.json":
                data = data.replace(b'"hidden_units": [4]', b'"hidden_units": [5]')
            target.writestr(item, data)
    with pytest.raises(ValueError) as error:
        keras.models.load_model(damaged, safe_mode=True)
    assert compat.saved_state_mismatch(error.value), str(error.value)[:300]


def test_sktime_ships_the_mitdb_csv():
    path = compat.sktime_data_file("mitdb", "mitdb.csv")
    assert os.path.getsize(path) > 10_000
    with pytest.raises(compat.CompatibilityError, match="sktime"):
        compat.sktime_data_file("no_such_folder", "missing.csv")
    assert np.isfinite(zoo.datasets.load("ecg_mitdb", "test")[0]).all()
