"""Denoising autoencoder: reconstruct the clean input from a corrupted one."""

import keras
import tensorflow as tf

from zoo import datasets
from zoo.models.base import Autoencoder
from zoo.models.registry import register_variant


def corrupt_tensor(x, kind, level):
    """TF-op twin of `zoo.datasets.corrupt`, for the training step only (it is random)."""
    if kind == "gaussian":
        return x + level * tf.random.normal(tf.shape(x), dtype=x.dtype)
    hit = tf.random.uniform(tf.shape(x), dtype=x.dtype) < level
    if kind == "masking":
        return tf.where(hit, tf.zeros_like(x), x)
    salt = tf.random.uniform(tf.shape(x), dtype=x.dtype) < 0.5
    replacement = tf.where(salt, tf.reduce_max(x), tf.reduce_min(x))
    return tf.where(hit, replacement, x)


@register_variant("denoising_ae")
@keras.saving.register_keras_serializable(package="aezoo")
class DenoisingAutoencoder(Autoencoder):
    """Autoencoder trained to map a corrupted input back to the clean one.

    Corruption happens only in the training step (`fit`); validation,
    `encode`, `reconstruct`, `score` and every exported endpoint see the
    input as given, with no random op. The target is the clean input (or
    the `y` given to `fit`). The same corruptions are available in numpy,
    seeded, as `zoo.datasets.corrupt` (e.g. to make a noisy test set).

    Args:
        corruption: str. `"gaussian"` (additive N(0, noise_level^2)),
            `"masking"` (each value set to 0 with probability `noise_level`)
            or `"salt_pepper"` (each value set, with probability
            `noise_level`, to the batch minimum or maximum). Defaults to
            `"gaussian"`.
        noise_level: float. Standard deviation (>= 0) for `"gaussian"`; a
            probability in [0, 1] otherwise. Defaults to `0.3`.
        **kwargs: backbone and common options, see `zoo.build`.

    Example:
    >>> m = zoo.build("denoising_ae", input_shape=(28, 28, 1), latent_dim=32,
    ...               corruption="masking", noise_level=0.3)
    >>> m.compile(optimizer="adam"); m.fit(x_train, epochs=10)
    >>> clean = m.reconstruct(zoo.datasets.corrupt(x_test, "masking", 0.3, seed=0))

    Reference:
    - Vincent et al., "Extracting and Composing Robust Features with
      Denoising Autoencoders", ICML 2008.
    """

    loss_names = ("loss", "reconstruction")
    carried_metrics = ("denoising_psnr",)

    def __init__(self, *args, corruption="gaussian", noise_level=0.3, **kwargs):
        corruption, noise_level = datasets.check_corruption(corruption, noise_level)
        super().__init__(*args, **kwargs)
        self.corruption = corruption
        self.noise_level = noise_level

    def loss_terms(self, x, target, training=False):
        inputs = corrupt_tensor(x, self.corruption, self.noise_level) if training else x
        outputs = self.decoder(self.encoder(inputs, training=training), training=training)
        reconstruction = tf.reduce_mean(self.reconstruction_error(target, outputs))
        return {"loss": reconstruction, "reconstruction": reconstruction}

    def get_config(self):
        config = super().get_config()
        config.update({"corruption": self.corruption, "noise_level": self.noise_level})
        return config
