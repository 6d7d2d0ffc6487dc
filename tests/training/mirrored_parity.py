"""Trains each named variant one epoch on one device and under MirroredStrategy.

Run in a fresh process (the CPU is split into 2 logical devices before TF
starts): `python tests/training/mirrored_parity.py ae sparse_ae ...`. Prints one JSON
line: {variant: {"max_weight_diff": ..., "losses": [...]}}.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from zoo import distribute  # noqa: E402

DEVICES = distribute.logical_cpus(2)

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402

OPTIONS = {"vq_vae": {"ema": True}}


def build(variant, x):
    keras.utils.set_random_seed(0)
    model = zoo.build(variant, input_shape=x.shape[1:], latent_dim=4, backbone="mlp",
                      hidden_units=(32,), **OPTIONS.get(variant, {}))
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    return model


def trained(variant, x, initial, strategy):
    with strategy.scope():
        model = build(variant, x)
        model.set_weights(initial)
    history = model.fit(x, batch_size=64, epochs=1, shuffle=False, verbose=0).history
    return model, history


def main(variants):
    x = zoo.datasets.load("digits", "train")[0][:512]
    results = {}
    # One strategy for the process: a second MirroredStrategy reuses collective keys.
    mirrored_strategy = tf.distribute.MirroredStrategy(DEVICES)
    for variant in variants:
        initial = build(variant, x).get_weights()
        single, h1 = trained(variant, x, initial, tf.distribute.get_strategy())
        mirrored, h2 = trained(variant, x, initial, mirrored_strategy)
        diffs = [float(np.max(np.abs(a - b))) if a.size else 0.0
                 for a, b in zip(single.get_weights(), mirrored.get_weights(), strict=True)]
        moved = max(float(np.max(np.abs(a - b))) if a.size else 0.0
                    for a, b in zip(single.get_weights(), initial, strict=True))
        results[variant] = {"max_weight_diff": max(diffs), "max_update": moved,
                            "loss_single": h1["loss"][-1], "loss_mirrored": h2["loss"][-1]}
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
