"""Sparse autoencoder: a penalty that keeps most code units near zero."""

import keras
import tensorflow as tf

from zoo import checks
from zoo.models.base import Autoencoder
from zoo.models.registry import register_variant

SPARSITIES = ("kl", "l1")
# Keeps log() finite when a unit's batch-mean activation reaches 0 or 1.
_EPSILON = 1e-6


@register_variant("sparse_ae")
@keras.saving.register_keras_serializable(package="aezoo")
class SparseAutoencoder(Autoencoder):
    """Autoencoder whose code is pushed to be sparse; works over- or undercomplete.

    Two penalties on the code `h`:
    - `"l1"`: `h = relu(encoder(x))` and the penalty is `sum_j |h_j|` per
      example. The ReLU gives exact zeros; a linear code under L1 would
      only shrink while the decoder grows to compensate.
    - `"kl"`: `h = sigmoid(encoder(x))`, so each unit's activation lies in
      (0, 1); with `rho_j` the batch-mean activation of unit `j`, the
      penalty is `sum_j KL(target_rate || rho_j)` between Bernoullis.

    `encode` gives the activated code `h`, which `decode` takes.

    Args:
        sparsity: str. `"l1"` or `"kl"`. Defaults to `"l1"`.
        sparsity_weight: float >= 0. Weight of the penalty. Defaults to `1e-2`.
        target_rate: float in (0, 1). Target mean activation for `"kl"`.
            Defaults to `0.05`.
        **kwargs: backbone and common options, see `zoo.build`.

    Example:
    >>> m = zoo.build("sparse_ae", input_shape=(28, 28, 1), latent_dim=256,
    ...               sparsity="kl", target_rate=0.05, sparsity_weight=1.0)

    Reference:
    - Ng, "Sparse autoencoder", CS294A lecture notes, 2011.
    - Makhzani & Frey, "k-Sparse Autoencoders", ICLR 2014.
    """

    loss_names = ("loss", "reconstruction", "sparsity")
    carried_metrics = ("code_sparsity",)

    def __init__(self, *args, sparsity="l1", sparsity_weight=1e-2, target_rate=0.05, **kwargs):
        checks.choice("sparsity", sparsity, SPARSITIES)
        sparsity_weight = checks.number_in_range("sparsity_weight", sparsity_weight, 0.0)
        target_rate = checks.number_in_range("target_rate", target_rate)
        if not 0.0 < target_rate < 1.0:
            raise ValueError(
                f"`target_rate` must be in (0, 1). Received: target_rate={target_rate}"
            )
        super().__init__(*args, **kwargs)
        self.sparsity = sparsity
        self.sparsity_weight = sparsity_weight
        self.target_rate = target_rate

    def code(self, x, training=False):
        """The activated code: ReLU for `"l1"`, sigmoid for `"kl"`."""
        raw = self.encoder(x, training=training)
        return tf.nn.relu(raw) if self.sparsity == "l1" else tf.sigmoid(raw)

    def sparsity_penalty(self, h):
        """Per-batch penalty (per example for L1, averaged over the batch)."""
        if self.sparsity == "l1":
            return tf.reduce_mean(tf.reduce_sum(tf.abs(h), axis=-1))
        rate = tf.clip_by_value(tf.reduce_mean(h, axis=0), _EPSILON, 1.0 - _EPSILON)
        target = tf.constant(self.target_rate, h.dtype)
        kl = target * tf.math.log(target / rate) + (1.0 - target) * tf.math.log(
            (1.0 - target) / (1.0 - rate)
        )
        return tf.reduce_sum(kl)

    def loss_terms(self, x, target, training=False):
        h = self.code(x, training=training)
        outputs = self.decoder(h, training=training)
        reconstruction = tf.reduce_mean(self.reconstruction_error(target, outputs))
        penalty = self.sparsity_penalty(h)
        loss = reconstruction + self.sparsity_weight * penalty
        return {"loss": loss, "reconstruction": reconstruction, "sparsity": penalty}

    def encode_tensor(self, x):
        return self.code(x, training=False)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "sparsity": self.sparsity,
                "sparsity_weight": self.sparsity_weight,
                "target_rate": self.target_rate,
            }
        )
        return config
