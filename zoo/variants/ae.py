"""The plain autoencoder: reconstruction only."""

import keras
import tensorflow as tf

from zoo.models.base import Autoencoder
from zoo.models.registry import register_variant


@register_variant("ae")
@keras.saving.register_keras_serializable(package="aezoo")
class AE(Autoencoder):
    """Plain autoencoder, undercomplete (`latent_dim` < input size) or overcomplete.

    Minimizes the per-example reconstruction loss (`loss="mse"` or `"bce"`).
    With a linear MLP (`hidden_units=()` or `activation="linear"`) and MSE,
    the optimum spans the same subspace as PCA with `latent_dim` components.

    Args:
        **kwargs: backbone and common options, see `zoo.build` and `Autoencoder`.

    Example:
    >>> m = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=16, backbone="conv")
    >>> m.compile(optimizer="adam")
    >>> m.fit(x_train, epochs=30, batch_size=128)

    Reference:
    - Hinton & Salakhutdinov, "Reducing the Dimensionality of Data with
      Neural Networks", Science 2006.
    """

    loss_names = ("loss", "reconstruction")

    def loss_terms(self, x, target, training=False):
        outputs = self.decoder(self.encoder(x, training=training), training=training)
        reconstruction = tf.reduce_mean(self.reconstruction_error(target, outputs))
        return {"loss": reconstruction, "reconstruction": reconstruction}
