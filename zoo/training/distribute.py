"""Distribution strategies and mixed precision for `fit` with the zoo's train step.

The train step in `zoo.models.base` divides each replica's mean loss by the number
of replicas, so under any of these strategies an update equals the
single-device update on the same global batch.

Example:
>>> strategy = zoo.distribute.strategy("mirrored")
>>> with strategy.scope():
...     m = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=16)
...     m.compile(optimizer="adam")
>>> m.fit(x, batch_size=256, epochs=10)   # 256 is the global batch
"""

import json
import os

from zoo import checks

STRATEGIES = ("default", "mirrored", "multiworker")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


def strategy(name="default", devices=None):
    """Returns a `tf.distribute.Strategy`.

    Args:
        name: str. `"default"` (one device), `"mirrored"` (every local GPU, or
            the given devices, in sync) or `"multiworker"` (synchronous across
            the hosts named in the `TF_CONFIG` environment variable).
        devices: list of str or None. Mirrored only: devices such as
            `["/cpu:0", "/cpu:1"]`. Defaults to every local GPU (or the CPU).

    Returns:
        The strategy; build and compile the model inside `strategy.scope()`.
    """
    checks.choice("strategy", name, STRATEGIES)
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices)
    config = os.environ.get("TF_CONFIG")
    if not config:
        raise ValueError("The multiworker strategy needs the TF_CONFIG environment variable "
                         "(cluster and task). Received: TF_CONFIG unset")
    try:
        json.loads(config)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON: {error}") from None
    return tf.distribute.MultiWorkerMirroredStrategy()


def logical_cpus(count):
    """Splits the CPU into `count` logical devices, e.g. to test mirrored training.

    Must run before TensorFlow executes its first op.

    Returns:
        The logical device names, e.g. `["/cpu:0", "/cpu:1"]`.
    """
    count = checks.positive_int("count", count)
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError:
        existing = len(tf.config.list_logical_devices("CPU"))
        if existing != count:
            raise ValueError(f"TensorFlow has already started with {existing} logical CPU "
                             f"device(s); call logical_cpus({count}) before any TF op.") from None
    return [f"/cpu:{i}" for i in range(count)]


def set_precision(policy):
    """Sets Keras' global dtype policy: `"float32"`, `"mixed_float16"` or `"mixed_bfloat16"`.

    Under a mixed policy layers compute in 16 bits and keep float32
    variables; the zoo's loss terms are computed in float32.
    """
    checks.choice("precision", policy, PRECISIONS)
    import keras

    keras.mixed_precision.set_global_policy(policy)
    return policy
