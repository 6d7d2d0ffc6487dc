"""One worker of a 2-worker MultiWorkerMirroredStrategy run on localhost.

Usage: TF_CONFIG=... python tests/training/multiworker_run.py OUT.npz
Each worker trains the same `ae` for one epoch on the same global batches
(Keras shards them between the workers); every worker saves its final
weights, and a single-device run of the same epoch goes to OUT.single.npz
when this is worker 0, for comparison.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402
from zoo import distribute  # noqa: E402


def build(x):
    keras.utils.set_random_seed(0)
    model = zoo.build("ae", input_shape=x.shape[1:], latent_dim=4, hidden_units=(32,))
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    return model


def main(out):
    x = zoo.datasets.load("digits", "train")[0][:512]
    strategy = distribute.strategy("multiworker")
    with strategy.scope():
        model = build(x)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    data = tf.data.Dataset.from_tensor_slices(x).batch(64).with_options(options)
    history = model.fit(data, epochs=1, verbose=0).history
    np.savez(out, *model.get_weights())
    task = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    if task == 0:
        single = build(x)
        single.fit(x, batch_size=64, epochs=1, shuffle=False, verbose=0)
        np.savez(out.replace(".npz", ".single.npz"), *single.get_weights())
    print(json.dumps({"task": task, "replicas": strategy.num_replicas_in_sync,
                      "loss": history["loss"][-1]}))


if __name__ == "__main__":
    main(sys.argv[1])
