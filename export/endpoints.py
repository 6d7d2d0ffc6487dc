"""Plain-tensor endpoint functions of a model, the only view export has of it.

Each endpoint takes one named float32 tensor and returns a dict of named
tensors (DESIGN §5):

| endpoint      | input | outputs                                      |
|---------------|-------|----------------------------------------------|
| `encode`      | `x`   | `z` (float32); VQ-VAE also `codes` (int32)   |
| `decode`      | `z`   | `reconstruction`                             |
| `reconstruct` | `x`   | `reconstruction`                             |
| `score`       | `x`   | `score`, shape `(batch,)`                    |

The functions call the model's graph-safe tensor methods, which run every
layer with `training=False` (Keras' export does not force it), sample
nothing and hold no TFP object.
"""

from export.common import ENDPOINTS

INPUT_NAMES = {"encode": "x", "decode": "z", "reconstruct": "x", "score": "x"}


def recurrent(model):
    """True when the model holds an RNN layer (LiteRT then needs a static batch)."""
    import keras

    from zoo import compat

    return any(isinstance(layer, keras.layers.RNN) for layer in compat.flatten_layers(model))


def input_shape(model, endpoint):
    """Shape of one example of an endpoint's input, without the batch axis."""
    shape = model.latent_shape() if INPUT_NAMES[endpoint] == "z" else model.data_shape
    return tuple(int(d) for d in shape)


def input_signature(model, endpoint, batch_size=None):
    """The named `tf.TensorSpec` list of an endpoint: `[TensorSpec((batch,) + shape)]`."""
    import tensorflow as tf

    name = INPUT_NAMES[endpoint]
    return [tf.TensorSpec((batch_size,) + input_shape(model, endpoint), tf.float32, name=name)]


def endpoint_function(model, endpoint):
    """Returns `fn(tensor) -> {output name: tensor}` for one endpoint.

    Args:
        model: `zoo.models.base.Autoencoder`. The model to export.
        endpoint: str. One of `"encode"`, `"decode"`, `"reconstruct"`, `"score"`.

    Returns:
        A Python function of one float32 tensor (wrap it in `tf.function`
        with `input_signature(model, endpoint)`).

    Example:
    >>> fn = endpoint_function(model, "encode")
    >>> fn(tf.zeros((2, 28, 28, 1)))["z"].shape
    TensorShape([2, 16])
    """
    import tensorflow as tf

    from zoo import models

    if endpoint == "encode":
        has_codes = models.has_capability(model, "discrete_codes")

        def encode(x):
            outputs = {"z": tf.identity(model.encode_tensor(x), name="z")}
            if has_codes:
                codes = tf.cast(model.codes_tensor(x), tf.int32)
                outputs["codes"] = tf.identity(codes, name="codes")
            return outputs

        return encode
    if endpoint == "decode":

        def decode(z):
            return {"reconstruction": tf.identity(model.decode_tensor(z), name="reconstruction")}

        return decode
    if endpoint == "reconstruct":

        def reconstruct(x):
            reconstruction = model.reconstruct_tensor(x)
            return {"reconstruction": tf.identity(reconstruction, name="reconstruction")}

        return reconstruct
    if endpoint == "score":

        def score(x):
            return {"score": tf.identity(model.score_tensor(x), name="score")}

        return score
    raise ValueError(f"Unknown endpoint. Expected one of {list(ENDPOINTS)}. "
                     f"Received: endpoint={endpoint!r}")


def traced(model, endpoint, batch_size=None):
    """`tf.function` of an endpoint with its named input signature."""
    import tensorflow as tf

    return tf.function(endpoint_function(model, endpoint),
                       input_signature=input_signature(model, endpoint, batch_size),
                       autograph=False)
