"""Vector-quantized VAE: a codebook, a straight-through estimator, a learned prior over codes."""

import math

import keras
import numpy as np
import tensorflow as tf

from zoo import checks, compat
from zoo.models.base import Autoencoder
from zoo.models.distributions import tfd
from zoo.models.registry import register_variant
from zoo.priors import CODE_PRIORS, codes

# Laplace smoothing of the EMA cluster sizes, so an unused code never divides by zero.
_EMA_EPSILON = 1e-5


@register_variant("vq_vae")
@keras.saving.register_keras_serializable(package="aezoo")
class VQVAE(Autoencoder):
    """VQ-VAE: each code vector snaps to its nearest codebook entry.

    The encoder gives a grid of code vectors of size `latent_dim`: for
    `conv`, one per position of the downsampled feature map (e.g. `(7, 7,
    latent_dim)` for 28x28 images with two stride-2 stages); for `mlp` and
    `recurrent`, `slots` vectors `(slots, latent_dim)`. Each is replaced by
    its nearest of `num_embeddings` codebook vectors; gradients pass to the
    encoder by the straight-through estimator.

    Loss per example (sums over the grid, as every aezoo loss):
    reconstruction + `||sg(z_e) - e||^2` (codebook term, absent with
    `ema=True`, where the codebook follows exponential moving averages of
    its assigned encoder outputs instead) + `commitment_cost *
    ||z_e - sg(e)||^2`. `fit` also reports the batch `perplexity` (exp of
    the code entropy) and `codebook_usage` (fraction of codes used).

    `encode` gives the quantized grid (which `decode` takes); `codes(x)`
    the integer codes. An autoregressive prior over the code grid, a small
    PixelCNN (masked convolutions) or a causal Transformer, trained by
    `fit_prior`, lets `sample(n, seed)` generate data. Dead codes can be
    re-seeded from encoder outputs with `restart_dead_codes` (or the
    `zoo.callbacks.CodebookRestarts` callback).

    Args:
        num_embeddings: int >= 2. Codebook size. Defaults to `64`.
        commitment_cost: float >= 0. Weight of the commitment term.
            Defaults to `0.25`.
        ema: bool. Update the codebook by EMA rather than by gradients.
            Defaults to `False`.
        ema_decay: float in [0, 1). EMA decay. Defaults to `0.99`.
        slots: int. Code vectors per example for backbones without a
            spatial grid (`mlp`, `recurrent`). Defaults to `4`.
        code_prior: str. `"pixelcnn"` or `"transformer"` (causal
            `MultiHeadAttention`, 4 heads). Defaults to `"pixelcnn"`.
        prior_filters: int. Channels (PixelCNN) or width (Transformer) of
            the code prior. Defaults to `32`.
        prior_layers: int. Masked residual layers (PixelCNN) or blocks
            (Transformer) of the code prior. Defaults to `2`.
        **kwargs: backbone and common options, see `zoo.build`.

    Example:
    >>> m = zoo.build("vq_vae", input_shape=(28, 28, 1), latent_dim=16,
    ...               backbone="conv", num_embeddings=64, ema=True)
    >>> m.compile(optimizer="adam")
    >>> m.fit(x_train, epochs=10, callbacks=[zoo.callbacks.CodebookRestarts(x_train)])
    >>> m.codes(x_test).shape
    (1000, 7, 7)
    >>> m.fit_prior(x_train, kind="transformer", epochs=40, prior_filters=128)
    >>> images = m.sample(16, seed=0)

    Reference:
    - van den Oord, Vinyals & Kavukcuoglu, "Neural Discrete Representation
      Learning", NeurIPS 2017.
    - Dhariwal et al., "Jukebox" (codebook restarts), 2020.
    """

    capabilities = frozenset({"discrete_codes", "samples"})
    # The codebook initialization's StatelessShuffle has no XLA kernel on CPU.
    xla_training = False

    def __init__(self, *args, num_embeddings=64, commitment_cost=0.25, ema=False, ema_decay=0.99,
                 slots=4, code_prior="pixelcnn", prior_filters=32, prior_layers=2, **kwargs):
        if isinstance(num_embeddings, bool) or not isinstance(num_embeddings, int) or (
            num_embeddings < 2
        ):
            raise ValueError(
                "`num_embeddings` must be an integer >= 2. "
                f"Received: num_embeddings={num_embeddings!r}"
            )
        commitment_cost = checks.number_in_range("commitment_cost", commitment_cost, 0.0)
        if not isinstance(ema, bool):
            raise ValueError(f"`ema` must be True or False. Received: ema={ema!r}")
        ema_decay = checks.number_in_range("ema_decay", ema_decay, 0.0, 1.0)
        if ema_decay >= 1.0:
            raise ValueError(f"`ema_decay` must be in [0, 1). Received: ema_decay={ema_decay}")
        slots = checks.positive_int("slots", slots)
        checks.choice("code_prior", code_prior, CODE_PRIORS)
        prior_filters = checks.positive_int("prior_filters", prior_filters)
        if isinstance(prior_layers, bool) or not isinstance(prior_layers, int) or prior_layers < 0:
            raise ValueError(
                f"`prior_layers` must be an integer >= 0. Received: prior_layers={prior_layers!r}"
            )
        # Read by build_networks and metric_names during Autoencoder.__init__.
        self.num_embeddings = num_embeddings
        self.ema = ema
        self.slots = slots
        super().__init__(*args, **kwargs)
        self.commitment_cost = commitment_cost
        self.ema_decay = ema_decay
        self.prior_filters = prior_filters
        self.prior_layers = prior_layers

        code_dim = self.latent_dim
        limit = math.sqrt(3.0 / code_dim)
        # Codebook state is assigned inside replicas after an all-reduce, so
        # every replica holds the same value: keep the first.
        sync = "only_first_replica"
        self.codebook = self.add_weight(
            shape=(num_embeddings, code_dim), name="codebook", trainable=not ema,
            initializer=keras.initializers.RandomUniform(-limit, limit), aggregation=sync,
        )
        # The codebook starts from encoder outputs of the first training batch
        # (a random init far from the outputs leaves all but a few codes dead).
        self.codebook_initialized = self.add_weight(
            shape=(), name="codebook_initialized", trainable=False, initializer="zeros",
            aggregation="only_first_replica",
        )
        if ema:
            self.ema_cluster_size = self.add_weight(
                shape=(num_embeddings,), name="ema_cluster_size", trainable=False,
                initializer="ones", aggregation=sync,
            )
            self.ema_embedding_sum = self.add_weight(
                shape=(num_embeddings, code_dim), name="ema_embedding_sum", trainable=False,
                initializer="zeros", aggregation=sync,
            )
            self.ema_embedding_sum.assign(self.codebook)
        self.code_prior_kind = code_prior
        self.code_prior = codes.build_code_network(
            code_prior, self.grid[:-1], num_embeddings, prior_filters, prior_layers)

    # ------------------------------------------------------------ networks

    def build_networks(self, network):
        options = self.backbone_options
        self.grid = tuple(network.grid_shape(self.data_shape, self.latent_dim, options, self.slots))
        encoder = network.grid_encoder(
            self.data_shape, self.latent_dim, options, self.dropout, self.kernel_l2, self.slots
        )
        decoder = network.grid_decoder(
            self.grid, self.data_shape, options, self.dropout, self.kernel_l2
        )
        return encoder, decoder

    def latent_shape(self):
        """The code grid: `(h, w, latent_dim)`, `(t, latent_dim)` or `(slots, latent_dim)`."""
        return self.grid

    def metric_names(self):
        terms = ("loss", "reconstruction", "commitment")
        if not self.ema:
            terms += ("codebook",)
        return terms + ("perplexity", "codebook_usage")

    # -------------------------------------------------------- quantization

    def _nearest(self, flat):
        """Codes (int32) of the nearest codebook rows to `flat` `(n, latent_dim)`."""
        codebook = tf.convert_to_tensor(self.codebook)
        distances = (
            tf.reduce_sum(tf.square(flat), axis=1, keepdims=True)
            - 2.0 * tf.matmul(flat, codebook, transpose_b=True)
            + tf.reduce_sum(tf.square(codebook), axis=1)[None, :]
        )
        # tf.argmin, not keras.ops.argmin: ONNX and LiteRT run it (DESIGN §9).
        return tf.argmin(distances, axis=1, output_type=tf.int32)

    def _quantize(self, z_e):
        flat = tf.reshape(z_e, (-1, self.latent_dim))
        codes = self._nearest(flat)
        quantized = tf.reshape(tf.gather(self.codebook, codes), tf.shape(z_e))
        return codes, quantized

    def codes_tensor(self, x):
        """Integer codes of a float32 batch, int32 `(batch,) + grid positions` (graph-safe)."""
        z_e = self.encoder(x, training=False)
        codes, _ = self._quantize(z_e)
        return tf.reshape(codes, tf.shape(z_e)[:-1])

    def codes(self, x):
        """Returns the integer codebook index of each grid position of `x`."""
        return self.codes_tensor(checks.batch_array(x, self.data_shape, "codes"))

    def quantize_codes(self, codes):
        """Returns the codebook vectors of integer `codes`, shape `codes.shape + (latent_dim,)`."""
        return tf.gather(self.codebook, tf.convert_to_tensor(codes, tf.int32))

    def encode_tensor(self, x):
        return self._quantize(self.encoder(x, training=False))[1]

    # ------------------------------------------------------------ objective

    @property
    def trainable_variables(self):
        # The code prior trains in `fit_prior`, not in `fit`.
        prior = {id(v) for v in self.code_prior.trainable_variables}
        return [v for v in super().trainable_variables if id(v) not in prior]

    def _initialize_codebook(self, z_e):
        # No tf.cond around this: an all-reduce may not sit inside control flow
        # under tf.distribute, so the choice is made with tf.where instead.
        flat = tf.stop_gradient(tf.reshape(z_e, (-1, self.latent_dim)))
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            # Draw from the whole global batch, so that replicas start from the
            # codebook one device would pick from the same batch.
            flat = context.all_gather(flat, axis=0)
        repeats = -(-self.num_embeddings // tf.shape(flat)[0])
        # Stateless: the pick depends on the data only, the same on every replica.
        chosen = tf.random.experimental.stateless_shuffle(
            tf.tile(flat, [repeats, 1]), seed=[self.num_embeddings, self.latent_dim]
        )[: self.num_embeddings]
        fresh = self.codebook_initialized < 0.5
        self.codebook.assign(tf.where(fresh, chosen, self.codebook))
        if self.ema:
            size = self.ema_cluster_size
            self.ema_cluster_size.assign(tf.where(fresh, tf.ones_like(size), size))
            self.ema_embedding_sum.assign(tf.where(fresh, chosen, self.ema_embedding_sum))
        self.codebook_initialized.assign(1.0)

    def loss_terms(self, x, target, training=False):
        z_e = self.encoder(x, training=training)
        if training:
            self._initialize_codebook(z_e)
        codes, quantized = self._quantize(z_e)
        # Straight-through: the forward pass uses e, the gradient flows to z_e.
        z_q = z_e + tf.stop_gradient(quantized - z_e)
        outputs = self.decoder(z_q, training=training)
        reconstruction = tf.reduce_mean(self.reconstruction_error(target, outputs))
        per_example = (-1, int(np.prod(self.grid)))
        commitment = tf.reduce_mean(tf.reduce_sum(
            tf.reshape(tf.square(z_e - tf.stop_gradient(quantized)), per_example), axis=1))
        terms = {"reconstruction": reconstruction, "commitment": commitment}
        loss = reconstruction + self.commitment_cost * commitment
        if not self.ema:
            codebook = tf.reduce_mean(tf.reduce_sum(
                tf.reshape(tf.square(tf.stop_gradient(z_e) - quantized), per_example), axis=1))
            terms["codebook"] = codebook
            loss = loss + codebook
        counts = tf.reduce_sum(tf.one_hot(codes, self.num_embeddings, dtype=tf.float32), axis=0)
        probs = counts / tf.reduce_sum(counts)
        entropy = -tf.reduce_sum(tf.math.xlogy(probs, probs))
        terms["perplexity"] = tf.exp(entropy)
        terms["codebook_usage"] = tf.reduce_mean(tf.cast(counts > 0, tf.float32))
        terms["loss"] = loss
        return terms

    def after_train_step(self, x, terms):
        if not self.ema:
            return
        flat = tf.reshape(self.encoder(x, training=False), (-1, self.latent_dim))
        assign = tf.one_hot(self._nearest(flat), self.num_embeddings, dtype=flat.dtype)
        counts = tf.reduce_sum(assign, axis=0)
        sums = tf.matmul(assign, flat, transpose_a=True)
        context = tf.distribute.get_replica_context()
        if context is not None:
            # Each replica saw a slice of the global batch: sum the statistics.
            counts, sums = context.all_reduce("sum", [counts, sums])
        decay = self.ema_decay
        self.ema_cluster_size.assign(decay * self.ema_cluster_size + (1.0 - decay) * counts)
        self.ema_embedding_sum.assign(decay * self.ema_embedding_sum + (1.0 - decay) * sums)
        size = tf.convert_to_tensor(self.ema_cluster_size)
        total = tf.reduce_sum(size)
        smoothed = (size + _EMA_EPSILON) / (total + self.num_embeddings * _EMA_EPSILON) * total
        self.codebook.assign(self.ema_embedding_sum / smoothed[:, None])

    # ------------------------------------------------------ codebook upkeep

    def restart_dead_codes(self, x, min_count=1, seed=None, batch_size=256):
        """Re-seeds codes used fewer than `min_count` times on `x` with encoder outputs.

        Each dead code is replaced by a randomly chosen encoder output of
        `x` (recent encoder, current data), so it lands where the data is.

        Args:
            x: array `(n,) + input_shape`. Recent training data.
            min_count: int. Uses below which a code counts as dead.
            seed: int or None. Seed of the choice of replacements.
            batch_size: int. Examples per forward pass.

        Returns:
            int: the number of codes re-seeded.
        """
        x = checks.batch_array(x, self.data_shape, "restart_dead_codes")
        flat = np.concatenate([
            np.asarray(self.encoder(x[i: i + batch_size], training=False)).reshape(
                -1, self.latent_dim)
            for i in range(0, len(x), batch_size)
        ])
        codes = np.asarray(self._nearest(tf.constant(flat)))
        counts = np.bincount(codes, minlength=self.num_embeddings)
        dead = np.flatnonzero(counts < min_count)
        if len(dead) == 0:
            return 0
        rng = np.random.default_rng(seed)
        chosen = flat[rng.choice(len(flat), size=len(dead), replace=len(dead) > len(flat))]
        codebook = np.array(self.codebook.numpy())
        codebook[dead] = chosen
        self.codebook.assign(codebook)
        if self.ema:
            size = np.array(self.ema_cluster_size.numpy())
            sums = np.array(self.ema_embedding_sum.numpy())
            size[dead] = 1.0
            sums[dead] = chosen
            self.ema_cluster_size.assign(size)
            self.ema_embedding_sum.assign(sums)
        self.codebook_initialized.assign(1.0)
        return int(len(dead))

    # --------------------------------------------------------- code prior

    def prior_distribution(self, codes):
        """p(codes), autoregressive: `tfd.Categorical` per position, batch `codes.shape`."""
        return tfd.Categorical(logits=self.code_prior(codes, training=False))

    @property
    def prior_kind(self):
        """The code prior `sample` draws through: `"pixelcnn"` or `"transformer"`."""
        return self.code_prior_kind

    def fit_prior(self, x, kind=None, epochs=10, batch_size=64, learning_rate=1e-3, seed=0,
                  verbose=0, prior_filters=None, prior_layers=None):
        """Trains the code prior on the codes of `x` (encoder and codebook frozen).

        A `kind` or size other than the current one builds a new network in
        place of the old (saved with the model).

        Args:
            x: array `(n,) + input_shape`. Training data.
            kind: str or None. `"pixelcnn"` or `"transformer"`; None keeps
                `code_prior`.
            epochs: int. Passes over the codes.
            batch_size: int. Examples per step.
            learning_rate: float. Initial Adam rate (cosine decay to 5%).
            seed: int. Shuffling seed.
            verbose: int. 1 prints the loss of each epoch.
            prior_filters: int or None. New width; None keeps the current one.
            prior_layers: int or None. New depth; None keeps the current one.

        Returns:
            dict: `{"prior_nll": [per-epoch mean negative log-likelihood of
            the codes, nats per example]}`.
        """
        kind = self.code_prior_kind if kind is None else checks.choice("kind", kind, CODE_PRIORS)
        filters = self.prior_filters if prior_filters is None else checks.positive_int(
            "prior_filters", prior_filters)
        layers = self.prior_layers if prior_layers is None else checks.positive_int(
            "prior_layers", prior_layers)
        x = checks.batch_array(x, self.data_shape, "fit_prior")
        grids = np.concatenate([
            np.asarray(self.codes_tensor(x[i: i + 256])) for i in range(0, len(x), 256)
        ])
        if (kind, filters, layers) != (self.code_prior_kind, self.prior_filters,
                                       self.prior_layers):
            network = codes.build_code_network(kind, self.grid[:-1], self.num_embeddings,
                                               filters, layers)
            # Keras keeps tracking a replaced sub-layer: drop it, so saving sees one prior.
            compat.untrack_layer(self, self.code_prior)
            self.code_prior = network
            self.code_prior_kind, self.prior_filters, self.prior_layers = kind, filters, layers
        history = codes.fit_code_network(self.code_prior, grids, epochs, batch_size,
                                         learning_rate, seed, verbose)
        return {"prior_nll": history}

    def sample_codes(self, n, seed=None):
        """Draws `n` code grids from the prior, position by position in raster order."""
        return codes.sample_code_grid(self.code_prior, n, self.grid[:-1], seed)

    def sample(self, n, seed=None):
        """Returns `n` generated examples: codes from the learned prior, decoded.

        Train the prior first with `fit_prior`; an untrained prior gives
        uniformly random codes.
        """
        return self.decode_tensor(self.quantize_codes(self.sample_codes(n, seed)))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_embeddings": self.num_embeddings,
                "commitment_cost": self.commitment_cost,
                "ema": self.ema,
                "ema_decay": self.ema_decay,
                "slots": self.slots,
                "code_prior": self.code_prior_kind,
                "prior_filters": self.prior_filters,
                "prior_layers": self.prior_layers,
            }
        )
        return config
