"""Contractive autoencoder: penalize the encoder's sensitivity to its input."""

import keras
import tensorflow as tf

from zoo import checks
from zoo.models.base import Autoencoder, sum_over_data
from zoo.models.registry import register_variant

CODE_ACTIVATIONS = ("linear", "sigmoid")


@register_variant("contractive_ae")
@keras.saving.register_keras_serializable(package="aezoo")
class ContractiveAutoencoder(Autoencoder):
    """Autoencoder whose encoder is penalized for sensitivity to its input.

    Loss per example: reconstruction + `contractive_weight * ||J(x)||_F^2`,
    with `J = dh/dx` the Jacobian of the code `h` (after `code_activation`)
    with respect to the input. The norm is exact for any backbone, from
    `tf.GradientTape.batch_jacobian`. For a one-layer sigmoid encoder
    (`backbone="mlp"`, `hidden_units=()`, `code_activation="sigmoid"`, as in
    Rifai et al.) the closed form `sum_j (h_j (1 - h_j))^2 ||W_j||^2` is used
    instead: same value, one forward pass.

    `encode` gives the activated code `h`, which `decode` takes.

    Args:
        contractive_weight: float >= 0. Weight of the squared Frobenius norm
            of the encoder Jacobian. Defaults to `1e-2`.
        code_activation: str. `"sigmoid"` (Rifai et al.) or `"linear"`.
            Defaults to `"sigmoid"`.
        **kwargs: backbone and common options, see `zoo.build`.

    Example:
    >>> m = zoo.build("contractive_ae", input_shape=(28, 28, 1), latent_dim=16,
    ...               hidden_units=(), contractive_weight=0.1)
    >>> m.jacobian_norm(x_test)    # per-example ||J||_F^2

    Reference:
    - Rifai et al., "Contractive Auto-Encoders: Explicit Invariance During
      Feature Extraction", ICML 2011.
    """

    loss_names = ("loss", "reconstruction", "contraction")
    carried_metrics = ("jacobian_norm",)

    def __init__(self, *args, contractive_weight=1e-2, code_activation="sigmoid", **kwargs):
        contractive_weight = checks.number_in_range("contractive_weight", contractive_weight, 0.0)
        checks.choice("code_activation", code_activation, CODE_ACTIVATIONS)
        super().__init__(*args, **kwargs)
        self.contractive_weight = contractive_weight
        self.code_activation = code_activation

    @property
    def has_closed_form(self):
        """True for a one-layer sigmoid encoder, where `||J||_F^2` has a closed form."""
        return (
            self.backbone == "mlp"
            and self.backbone_options["hidden_units"] == ()
            and self.code_activation == "sigmoid"
        )

    def code(self, x, training=False):
        """The activated code `h`."""
        raw = self.encoder(x, training=training)
        return tf.sigmoid(raw) if self.code_activation == "sigmoid" else raw

    def _exact_norm(self, x, training):
        # Vectorizing (pfor) through an RNN's while loop takes ~30 s to trace;
        # a loop over the latent units traces in a few seconds.
        vectorize = self.backbone != "recurrent"
        with tf.GradientTape(persistent=not vectorize) as tape:
            tape.watch(x)
            h = self.code(x, training=training)
        # Examples are independent (no batch statistics), so the batch Jacobian is exact.
        jacobian = tape.batch_jacobian(h, x, experimental_use_pfor=vectorize)
        return h, sum_over_data(tf.square(jacobian))

    def _closed_form_norm(self, x, training):
        h = self.code(x, training=training)
        kernel = self.encoder.layers[-1].kernel  # (input size, latent_dim)
        row_norms = tf.reduce_sum(tf.square(kernel), axis=0)
        return h, tf.reduce_sum(tf.square(h * (1.0 - h)) * row_norms, axis=-1)

    def code_and_jacobian_norm(self, x, training=False, exact=None):
        """Returns `(h, ||dh/dx||_F^2 per example)`; `exact=None`: closed form where valid."""
        x = tf.convert_to_tensor(x, tf.float32)
        if exact is False and not self.has_closed_form:
            raise ValueError(
                "The closed-form Jacobian norm needs backbone='mlp', hidden_units=() and "
                f"code_activation='sigmoid'. Received: backbone={self.backbone!r}, "
                f"code_activation={self.code_activation!r}"
            )
        if exact is None:
            exact = not self.has_closed_form
        return self._exact_norm(x, training) if exact else self._closed_form_norm(x, training)

    def jacobian_norm(self, x, exact=None):
        """Returns the squared Frobenius norm of the encoder Jacobian per example, `(batch,)`.

        Args:
            x: array `(batch,) + input_shape`.
            exact: bool or None. True forces `batch_jacobian`, False forces
                the closed form (one-layer sigmoid encoder only). Defaults to
                the closed form where it applies.
        """
        x = checks.batch_array(x, self.data_shape, "jacobian_norm")
        return self.code_and_jacobian_norm(x, exact=exact)[1]

    def loss_terms(self, x, target, training=False):
        h, norms = self.code_and_jacobian_norm(x, training=training)
        outputs = self.decoder(h, training=training)
        reconstruction = tf.reduce_mean(self.reconstruction_error(target, outputs))
        contraction = tf.reduce_mean(norms)
        loss = reconstruction + self.contractive_weight * contraction
        return {"loss": loss, "reconstruction": reconstruction, "contraction": contraction}

    def encode_tensor(self, x):
        return self.code(x, training=False)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"contractive_weight": self.contractive_weight, "code_activation": self.code_activation}
        )
        return config
