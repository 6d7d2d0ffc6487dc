"""The project's small MNIST classifier, whose features define `mnist_classifier_fid`.

A seeded Keras CNN trained on mnist5k train in well under a minute on two
CPU cores (94% test accuracy after the default 4 epochs). Its penultimate
layer (`"features"`, 64 units) is the feature space of the Fréchet distance
in `zoo.evaluation.mnist_classifier_fid`; it is not Inception, so its FID
values compare only within aezoo.

Example:
>>> from zoo.models import classifier
>>> clf = classifier.train_mnist_classifier(epochs=3)
>>> classifier.classifier_features(clf, x_test).shape
(1000, 64)
"""

import numpy as np

from zoo import checks
from zoo.models.registry import register_model_kind

FEATURE_LAYER = "features"
INPUT_SHAPE = (28, 28, 1)


def build_mnist_classifier(feature_units=64, num_classes=10):
    """Returns an untrained small CNN for 28x28x1 digits (logits out).

    Args:
        feature_units: int. Width of the penultimate `"features"` layer.
            Defaults to `64`.
        num_classes: int. Defaults to `10`.
    """
    import keras

    inputs = keras.Input(INPUT_SHAPE, name="image")
    h = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(inputs)
    h = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(feature_units, activation="relu", name=FEATURE_LAYER)(h)
    outputs = keras.layers.Dense(num_classes, name="logits")(h)
    return keras.Model(inputs, outputs, name="mnist_classifier")


@register_model_kind("classifier")
class ClassifierKind:
    """How the trainer builds and fits the MNIST classifier (`aezoo train classifier`)."""

    supervised = True
    uses_backbone = False
    data = "mnist5k"
    backbone_label = "cnn"
    capabilities = frozenset({"classifies"})

    def build(self, input_shape, latent_dim, backbone, options):
        if options:
            raise ValueError(f"The classifier takes no options. Received: {sorted(options)}")
        return build_mnist_classifier()

    def compile(self, model, optimizer):
        import keras

        model.compile(optimizer=optimizer,
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])


def train_mnist_classifier(epochs=4, seed=0, x=None, y=None, batch_size=64, verbose=0):
    """Returns the MNIST classifier trained on mnist5k train (or on `x`, `y`).

    Args:
        epochs: int. Passes over the data. Defaults to `4` (94% on
            mnist5k test, a few seconds of CPU time).
        seed: int. Seeds weights and shuffling. Defaults to `0`.
        x: array `(n, 28, 28, 1)` in [0, 1] or None for mnist5k train.
        y: int array `(n,)` or None.
        batch_size: int. Defaults to `64`.
        verbose: int. Keras `fit` verbosity. Defaults to `0`.

    Returns:
        A compiled, trained `keras.Model` with a `"features"` layer.
    """
    import keras

    from zoo import datasets

    epochs = checks.positive_int("epochs", epochs)
    if x is None:
        x, y = datasets.load("mnist5k", "train")
    x = checks.batch_array(x, INPUT_SHAPE, "train_mnist_classifier")
    keras.utils.set_random_seed(seed)
    model = build_mnist_classifier()
    model.compile(optimizer=keras.optimizers.Adam(2e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, np.asarray(y), epochs=epochs, batch_size=batch_size, verbose=verbose)
    return model


def classifier_accuracy(classifier, x, y, batch_size=256):
    """Returns the fraction of `x` the classifier labels as `y`."""
    x = checks.batch_array(x, INPUT_SHAPE, "classifier_accuracy")
    batch_size = checks.positive_int("batch_size", batch_size)
    logits = np.concatenate([np.asarray(classifier(x[i:i + batch_size], training=False))
                             for i in range(0, len(x), batch_size)])
    return float(np.mean(np.argmax(logits, axis=-1) == np.asarray(y)))


def feature_model(classifier):
    """Returns a model mapping images to the classifier's `"features"` layer output."""
    import keras

    try:
        layer = classifier.get_layer(FEATURE_LAYER)
    except ValueError:
        raise ValueError(f"The classifier needs a layer named {FEATURE_LAYER!r} (see "
                         f"build_mnist_classifier). Received: layers "
                         f"{[lay.name for lay in classifier.layers]}") from None
    inputs = classifier.inputs
    # A single input, not a one-element list: calling with a tensor then matches its structure.
    return keras.Model(inputs[0] if len(inputs) == 1 else inputs, layer.output)


def classifier_features(classifier, images, batch_size=256):
    """Returns the penultimate-layer features of `images`, shape `(n, feature_units)`.

    Args:
        classifier: keras.Model from `train_mnist_classifier` (or the preset).
        images: array `(n, 28, 28, 1)` in [0, 1].
        batch_size: int. Images per forward pass.
    """
    images = checks.batch_array(images, INPUT_SHAPE, "classifier_features")
    batch_size = checks.positive_int("batch_size", batch_size)
    extractor = feature_model(classifier)
    # Direct calls, not `predict`: a fresh feature model per call would retrace `predict`.
    return np.concatenate([
        np.asarray(extractor(images[i:i + batch_size], training=False))
        for i in range(0, len(images), batch_size)
    ])
