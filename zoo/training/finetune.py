"""Fine-tuning helpers: freeze or unfreeze a model's encoder, check data, fit.

A loaded preset is a plain Keras model: `compile` and `fit` work as usual.
These helpers add the common moves of transfer learning: keep the encoder
fixed (train the decoder only) and check the new data's shape before any
training starts.

Example:
>>> import zoo
>>> from zoo.training import finetune
>>> m = zoo.load("ae_conv_mnist")
>>> x, _ = zoo.datasets.load("mnist5k", "train")
>>> finetune.freeze_encoder(m)
>>> history = finetune.finetune(m, 1.0 - x, epochs=3)
"""

from zoo import checks


def _encoder(model):
    encoder = getattr(model, "encoder", None)
    if encoder is None:
        raise ValueError("freeze_encoder / unfreeze_encoder need an aezoo autoencoder with an "
                         f"`encoder` sub-network. Received: {type(model).__name__}")
    return encoder


def freeze_encoder(model):
    """Makes the encoder's weights non-trainable; the decoder keeps training.

    Takes effect at the next `compile` (Keras captures the trainable
    variables when it compiles); `finetune` compiles for you.

    Args:
        model: an aezoo autoencoder (e.g. from `zoo.load`).

    Returns:
        The same model, for chaining.

    Example:
    >>> m = freeze_encoder(zoo.load("ae_conv_mnist"))
    >>> m.compile(optimizer="adam"); m.fit(x_new, epochs=2)
    """
    _encoder(model).trainable = False
    return model


def unfreeze_encoder(model):
    """Makes the encoder's weights trainable again (recompile afterwards).

    Args:
        model: an aezoo autoencoder.

    Returns:
        The same model, for chaining.
    """
    _encoder(model).trainable = True
    return model


def is_encoder_frozen(model):
    """True when no encoder weight is trainable."""
    return not _encoder(model).trainable_weights


def check_data(model, x, where="finetune"):
    """Returns `x` as float32 if its examples match the model's input shape; raises otherwise.

    Args:
        model: the model to fine-tune.
        x: array `(n,) + input_shape`.
        where: str. Name for the message.

    Returns:
        A float32 numpy array.
    """
    shape = getattr(model, "data_shape", None)
    if shape is None:
        shape = tuple(model.input_shape[1:])
    try:
        return checks.batch_array(x, tuple(shape), where)
    except ValueError as error:
        raise ValueError(f"{error}. Fine-tuning data must match the model's input shape "
                         f"{tuple(shape)}: resize or reshape it first.") from None


def finetune(model, x, epochs=3, learning_rate=3e-4, batch_size=64, freeze=False,
             validation_data=None, verbose=0, callbacks=None):
    """Fine-tunes an autoencoder on new data; the data is checked before training.

    Args:
        model: an aezoo autoencoder, e.g. `zoo.load("ae_conv_mnist")`.
        x: array `(n,) + input_shape`. New-domain examples (targets = inputs).
        epochs: int. Defaults to `3`.
        learning_rate: float. Adam learning rate; smaller than from scratch
            keeps what the preset learnt. Defaults to `3e-4`.
        batch_size: int. Defaults to `64`.
        freeze: bool. Keep the encoder fixed and train the decoder only.
            Defaults to `False` (the encoder is unfrozen).
        validation_data: array or None. Held-out new-domain examples.
        verbose: int. Keras `fit` verbosity. Defaults to `0`.
        callbacks: list or None. Keras callbacks.

    Returns:
        The Keras `History`.

    Example:
    >>> m = zoo.load("ae_conv_mnist")
    >>> finetune(m, 1.0 - x_train, epochs=2, freeze=True)
    """
    import keras

    epochs = checks.positive_int("epochs", epochs)
    batch_size = checks.positive_int("batch_size", batch_size)
    learning_rate = checks.number_in_range("learning_rate", learning_rate, 0.0, low_open=True)
    x = check_data(model, x)
    validation = None
    if validation_data is not None:
        validation = (check_data(model, validation_data, "finetune (validation_data)"),)
    (freeze_encoder if freeze else unfreeze_encoder)(model)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model.fit(x, epochs=epochs, batch_size=batch_size, validation_data=validation,
                     verbose=verbose, callbacks=callbacks)


def to_mnist_frame(x):
    """Upsamples small square images to MNIST's framing: a 20x20 digit centred in 28x28.

    Turns scikit-learn's 8x8 `digits` into a shifted domain for a 28x28
    preset: other writers, other scanner, blurrier strokes.

    Args:
        x: array `(n, h, w, 1)` in [0, 1].

    Returns:
        float32 array `(n, 28, 28, 1)` in [0, 1].

    Example:
    >>> x, _ = zoo.datasets.load("digits", "train")
    >>> to_mnist_frame(x).shape
    (1437, 28, 28, 1)
    """
    import numpy as np
    import tensorflow as tf

    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 4 or x.shape[-1] != 1:
        raise ValueError(f"to_mnist_frame expects images (n, height, width, 1). "
                         f"Received: shape={x.shape}")
    resized = tf.image.resize(x, (20, 20), method="bilinear").numpy()
    return np.clip(np.pad(resized, ((0, 0), (4, 4), (4, 4), (0, 0))), 0.0, 1.0).astype(
        np.float32)
