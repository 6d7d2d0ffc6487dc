"""`DiffusionPrior`: a latent diffusion prior, a denoiser network fitted on a frozen AE's latents.

The noise schedule and the sampling loop live in `zoo.priors.scheduler`
(numpy, no weights); this module holds only the network and its training
step, written like the zoo's `Autoencoder.train_step` (one GradientTape
step, per-example sums averaged over the batch).
"""

import math

import keras
import numpy as np
import tensorflow as tf

from zoo import checks
from zoo.priors.fitting import shuffled_epochs
from zoo.priors.scheduler import PREDICTIONS, SCHEDULES, NoiseScheduler


@keras.saving.register_keras_serializable(package="aezoo")
class SinusoidalEmbedding(keras.layers.Layer):
    """Maps a float step `t` `(batch,)` to `[sin(t f_k), cos(t f_k)]`, `(batch, dim)`.

    Frequencies `f_k = max_period^(-k / (dim / 2))`, as in the Transformer's
    position encoding and DDPM's time embedding. Builtin ops only (ONNX,
    LiteRT).

    Args:
        dim: int. Even embedding size.
        max_period: float. Longest period. Defaults to `10000.0`.
    """

    def __init__(self, dim, max_period=10000.0, **kwargs):
        super().__init__(**kwargs)
        if dim % 2:
            raise ValueError(f"`dim` must be even. Received: dim={dim}")
        self.dim = dim
        self.max_period = max_period
        half = dim // 2
        self.frequencies = np.exp(
            -math.log(max_period) * np.arange(half, dtype=np.float64) / half).astype(np.float32)

    def call(self, t):
        angles = tf.cast(t, tf.float32)[:, None] * tf.constant(self.frequencies)[None, :]
        return tf.concat([tf.sin(angles), tf.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        config = super().get_config()
        config.update({"dim": self.dim, "max_period": self.max_period})
        return config


def build_denoiser(latent_dim, width=256, blocks=3, time_dim=128):
    """Returns the residual MLP denoiser `[z_t (batch, d), t (batch,)] -> prediction (batch, d)`.

    Each block: LayerNorm, SiLU, Dense, plus a per-block projection of the
    time embedding, LayerNorm, SiLU, Dense, added back to the stream. The
    output layer starts at zero, so the untrained network predicts 0.

    Args:
        latent_dim: int. Size of the latent vectors.
        width: int. Units of every hidden layer.
        blocks: int. Residual blocks.
        time_dim: int. Size of the sinusoidal time embedding.
    """
    z_t = keras.Input(shape=(latent_dim,), name="z_t")
    t = keras.Input(shape=(), name="t")
    embedding = SinusoidalEmbedding(time_dim, name="time_embedding")(t)
    embedding = keras.layers.Dense(width, activation="silu", name="time_dense_1")(embedding)
    embedding = keras.layers.Dense(width, name="time_dense_2")(embedding)
    h = keras.layers.Dense(width, name="input_dense")(z_t)
    for i in range(blocks):
        r = keras.layers.LayerNormalization(name=f"block_{i}_norm_1")(h)
        r = keras.layers.Dense(width, name=f"block_{i}_dense_1")(keras.activations.silu(r))
        r = r + keras.layers.Dense(width, name=f"block_{i}_time")(keras.activations.silu(
            embedding))
        r = keras.layers.LayerNormalization(name=f"block_{i}_norm_2")(r)
        r = keras.layers.Dense(width, name=f"block_{i}_dense_2")(keras.activations.silu(r))
        h = h + r
    h = keras.activations.silu(keras.layers.LayerNormalization(name="output_norm")(h))
    outputs = keras.layers.Dense(latent_dim, kernel_initializer="zeros", name="prediction")(h)
    return keras.Model([z_t, t], outputs, name="denoiser")


@keras.saving.register_keras_serializable(package="aezoo")
class DiffusionPrior(keras.Model):
    """Latent diffusion prior: a DDPM-trained denoiser over standardized latent vectors.

    The autoencoder stays frozen: `fit` sees only its latent codes, which
    `adapt` standardizes per dimension (mean 0, variance 1; diffusion's
    noise levels assume unit-scale data). Training follows DDPM: draw a
    step `t` and Gaussian noise per example, noise the latent, regress the
    scheduler's target (noise or v) with the squared error summed over
    latent dimensions and averaged over the batch. `sample` runs the
    scheduler's DDIM loop from seeded numpy noise and maps the result back
    to the latent scale.

    Args:
        latent_dim: int. Size of the latent vectors.
        width: int. Hidden units of the denoiser. Defaults to `256`.
        blocks: int. Residual blocks of the denoiser. Defaults to `3`.
        train_steps: int. Noise levels T. Defaults to `1000`.
        schedule: str. `"cosine"` or `"linear"`. Defaults to `"cosine"`.
        prediction: str. `"v"` or `"epsilon"`. Defaults to `"v"`.
        seed: int. Seed of the training noise. Defaults to `0`.
        **kwargs: `keras.Model` arguments (`name`).

    Example:
    >>> prior = DiffusionPrior(latent_dim=16)
    >>> prior.adapt(latents)
    >>> prior.compile(optimizer="adam")
    >>> prior.fit(latents, epochs=100, batch_size=128)
    >>> z = prior.sample(64, seed=0, steps=50)

    Reference:
    - Rombach et al., "High-Resolution Image Synthesis with Latent
      Diffusion Models", CVPR 2022.
    - Ho et al., "Denoising Diffusion Probabilistic Models", NeurIPS 2020.
    """

    def __init__(self, latent_dim, width=256, blocks=3, train_steps=1000, schedule="cosine",
                 prediction="v", seed=0, **kwargs):
        latent_dim = checks.positive_int("latent_dim", latent_dim)
        width = checks.positive_int("width", width)
        blocks = checks.positive_int("blocks", blocks)
        checks.choice("schedule", schedule, SCHEDULES)
        checks.choice("prediction", prediction, PREDICTIONS)
        seed = checks.seed("seed", seed)
        scheduler = NoiseScheduler(train_steps, schedule, prediction)
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.width = width
        self.blocks = blocks
        self.seed = seed
        self.scheduler = scheduler
        self.denoiser = build_denoiser(latent_dim, width, blocks)
        self.latent_mean = self.add_weight(shape=(latent_dim,), initializer="zeros",
                                           trainable=False, name="latent_mean")
        self.latent_scale = self.add_weight(shape=(latent_dim,), initializer="ones",
                                            trainable=False, name="latent_scale")
        self.seed_generator = keras.random.SeedGenerator(seed or 0, name="noise_seed")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        signal, sigma = scheduler.signal_and_noise_scales()
        self._signal, self._sigma = signal, sigma
        self._denoise_function = None
        self.built = True

    @property
    def train_steps(self):
        return self.scheduler.train_steps

    # ------------------------------------------------------------ training

    def adapt(self, latents):
        """Sets the per-dimension mean and scale from the latents the prior is fitted on."""
        latents = checks.batch_array(latents, (self.latent_dim,), "adapt", "latents")
        latents = np.asarray(latents, np.float64)
        self.latent_mean.assign(latents.mean(axis=0).astype(np.float32))
        self.latent_scale.assign(np.maximum(latents.std(axis=0), 1e-6).astype(np.float32))

    def standardize(self, z):
        return (z - self.latent_mean) / self.latent_scale

    def loss_terms(self, z, training=False):
        """Returns `{"loss": ...}`: DDPM's denoising loss at random steps and noise."""
        x0 = self.standardize(tf.cast(z, tf.float32))
        batch = tf.shape(x0)[0]
        t = keras.random.randint((batch,), 0, self.train_steps, seed=self.seed_generator)
        t = tf.cast(t, tf.int32)
        noise = keras.random.normal(tf.shape(x0), seed=self.seed_generator)
        signal = tf.gather(tf.constant(self._signal), t)[:, None]
        sigma = tf.gather(tf.constant(self._sigma), t)[:, None]
        x_t = signal * x0 + sigma * noise
        target = noise if self.scheduler.prediction == "epsilon" else signal * noise - sigma * x0
        prediction = self.denoiser([x_t, tf.cast(t, tf.float32)], training=training)
        loss = tf.reduce_mean(tf.reduce_sum(tf.square(prediction - target), axis=-1))
        return {"loss": loss}

    def gradient_step(self, z, optimizer):
        """One GradientTape step of the denoising loss on raw latents `z`; returns the loss."""
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            loss = self.loss_terms(z, training=True)["loss"]
            # Keras sums replica gradients: divide so the update equals one device's.
            scaled = loss / replicas
        variables = self.denoiser.trainable_variables
        gradients = tape.gradient(scaled, variables)
        optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return loss

    def train_step(self, data):
        z, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        self.loss_tracker.update_state(self.gradient_step(z, self.optimizer))
        return {"loss": self.loss_tracker.result()}

    def fit_latents(self, latents, epochs=100, batch_size=128, learning_rate=1e-3, seed=0,
                    verbose=0):
        """Standardizes on `latents` (`adapt`), then trains the denoiser on them.

        Adam with a cosine decay to 5% over the run; the optimizer is local,
        so the prior saved inside a model carries no optimizer state.

        Args:
            latents: array `(n, latent_dim)`. Latents of the training data.
            epochs: int. Passes over the latents (each draws fresh steps and noise).
            batch_size: int. Latents per step.
            learning_rate: float. Initial Adam learning rate.
            seed: int. Shuffling seed.
            verbose: int. 1 prints the loss of each epoch.

        Returns:
            list of float: the mean loss of each epoch.
        """
        epochs = checks.positive_int("epochs", epochs)
        batch_size = checks.positive_int("batch_size", batch_size)
        learning_rate = checks.number_in_range("learning_rate", learning_rate, 0.0,
                                               low_open=True)
        seed = checks.seed("seed", seed) or 0
        latents = np.asarray(
            checks.batch_array(latents, (self.latent_dim,), "fit_latents", "latents"))
        self.adapt(latents)
        per_epoch = -(-len(latents) // batch_size)
        optimizer = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(
            learning_rate, per_epoch * epochs, alpha=0.05))
        optimizer.build(self.denoiser.trainable_variables)
        step = tf.function(lambda z: self.gradient_step(z, optimizer), reduce_retracing=True)
        return shuffled_epochs(step, latents, epochs, batch_size, seed, verbose)

    def test_step(self, data):
        z, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        self.loss_tracker.update_state(self.loss_terms(z)["loss"])
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, inputs, training=False):
        z_t, t = inputs
        return self.denoiser([z_t, t], training=training)

    # ------------------------------------------------------------ sampling

    def denoise_tensor(self, z_t, t):
        """The network's prediction for standardized `z_t` at float steps `t` (graph-safe)."""
        return self.denoiser([z_t, t], training=False)

    def _denoise_numpy(self, z_t, t):
        if self._denoise_function is None:
            self._denoise_function = tf.function(self.denoise_tensor, reduce_retracing=True)
        return self._denoise_function(tf.constant(z_t), tf.constant(t)).numpy()

    def sample(self, n, seed=None, steps=50, eta=0.0, trajectory=False):
        """Draws `n` latent vectors with the DDIM sampler.

        Args:
            n: int. Number of latents.
            seed: int or None. Same seed, same latents (numpy noise).
            steps: int. Denoising steps (network calls), 1 to `train_steps`.
                Defaults to `50`.
            eta: float in [0, 1]. DDIM stochasticity; 0 is deterministic.
            trajectory: bool. Also return the clean estimates after each
                step, `(steps, n, latent_dim)`, on the latent scale.

        Returns:
            float32 array `(n, latent_dim)`, or `(latents, states)`.
        """
        n = checks.positive_int("n", n)
        seed = checks.seed("seed", seed)
        result = self.scheduler.sample(self._denoise_numpy, (n, self.latent_dim), seed=seed,
                                       steps=steps, eta=eta, trajectory=trajectory)
        mean = np.asarray(self.latent_mean.numpy())
        scale = np.asarray(self.latent_scale.numpy())
        if trajectory:
            latents, states = result
            return latents * scale + mean, (states * scale + mean).astype(np.float32)
        return (result * scale + mean).astype(np.float32)

    def options(self):
        """The constructor arguments (no Keras ones): what an owner model saves in its config."""
        return {"width": self.width, "blocks": self.blocks,
                "train_steps": self.scheduler.train_steps, "schedule": self.scheduler.schedule,
                "prediction": self.scheduler.prediction, "seed": self.seed}

    def get_config(self):
        config = super().get_config()
        config.update({
            "latent_dim": self.latent_dim,
            "width": self.width,
            "blocks": self.blocks,
            "train_steps": self.scheduler.train_steps,
            "schedule": self.scheduler.schedule,
            "prediction": self.scheduler.prediction,
            "seed": self.seed,
        })
        return config
