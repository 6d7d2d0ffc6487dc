"""`Autoencoder`: the base `keras.Model` that owns the one training step."""

import numbers

import keras
import numpy as np
import tensorflow as tf

from zoo import checks, compat
from zoo.models import execution, registry
from zoo.priors import LATENT_PRIORS, latent

COMMON_LOSSES = ("mse", "bce")


def sum_over_data(values):
    """Sums every axis but the batch axis: per-example totals."""
    return tf.reduce_sum(tf.reshape(values, (tf.shape(values)[0], -1)), axis=1)


def float32_outputs(network):
    """Under mixed precision, returns `network` with its outputs cast to float32.

    Layers then compute in 16 bits while every loss term, distribution and
    codebook distance is computed in float32. Under float32 the network is
    returned unchanged.
    """
    if keras.config.dtype_policy().compute_dtype == "float32":
        return network
    outputs = keras.tree.map_structure(
        lambda t: keras.layers.Activation("linear", dtype="float32")(t), network.outputs
    )
    outputs = outputs[0] if len(outputs) == 1 else outputs
    return keras.Model(network.inputs, outputs, name=network.name)


@keras.saving.register_keras_serializable(package="aezoo")
class Autoencoder(keras.Model):
    """Base class of every aezoo model: an encoder, a decoder and an objective.

    Subclasses (variants) supply `loss_terms` and, where needed,
    `after_train_step`, `encode_tensor` and `decode_tensor`. They never write
    a training loop: `train_step` and `test_step` live here.

    Reductions: each loss term is summed over the data dimensions and
    averaged over the batch, so values are per-example squared error or nats,
    comparable across batch sizes and replicas.

    Args:
        input_shape: tuple of ints. Shape of one example, without the batch axis.
        latent_dim: int. Size of the latent code.
        backbone: str. Network family from `zoo.list_backbones()`. Defaults
            to `"mlp"`.
        loss: str. Reconstruction loss of deterministic autoencoders, `"mse"`
            (linear output) or `"bce"` (sigmoid output, data in [0, 1]).
            Defaults to `"mse"`.
        dropout: float. Dropout rate after each hidden layer. Defaults to `0.0`.
        kernel_l2: float. L2 weight decay on every kernel. Defaults to `0.0`.
        latent_prior: dict or None. A learned prior over the latent vectors,
            `{"kind": "diffusion", **DiffusionPrior options}`; `fit_prior`
            sets it, and a reloaded model rebuilds it from here. Defaults to
            `None`.
        **kwargs: backbone options (e.g. `hidden_units`, `filters`) and
            `keras.Model` arguments (`name`, `dtype`).

    Example:
    >>> m = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=16, backbone="conv")
    >>> m.compile(optimizer="adam")
    >>> m.fit(x_train, epochs=10, validation_data=(x_test,))
    >>> z = m.encode(x_test)
    """

    variant_name = None
    loss_names = ("loss", "reconstruction")
    # What the model can do, read by evaluation, cards and the trainer instead of
    # hasattr or variant names (see `zoo.models.CAPABILITIES`).
    capabilities = frozenset()
    # Metric families only this objective carries, computed by `zoo.evaluation`
    # (see `zoo.evaluation.suite.CARRIED`).
    carried_metrics = ()

    def __init__(
        self,
        input_shape,
        latent_dim,
        backbone="mlp",
        loss="mse",
        dropout=0.0,
        kernel_l2=0.0,
        latent_prior=None,
        **kwargs,
    ):
        data_shape = checks.shape_tuple("input_shape", input_shape)
        latent_dim = checks.positive_int("latent_dim", latent_dim)
        network = registry.backbone(backbone)
        checks.choice("loss", loss, COMMON_LOSSES)
        dropout = checks.number_in_range("dropout", dropout, 0.0, 1.0)
        if dropout >= 1.0:
            raise ValueError(f"`dropout` must be in [0, 1). Received: dropout={dropout}")
        kernel_l2 = checks.number_in_range("kernel_l2", kernel_l2, 0.0)
        latent.check_config(latent_prior)
        options = self._backbone_options(network, kwargs)
        options = network.check_options(data_shape, {**network.options, **options})
        super().__init__(**kwargs)

        self.data_shape = data_shape
        self.latent_dim = latent_dim
        self.backbone = backbone
        self.loss_name = loss
        self.dropout = dropout
        self.kernel_l2 = kernel_l2
        self.backbone_options = options
        self.encoder, self.decoder = map(float32_outputs, self.build_networks(network))
        # Keras refuses new state once built: every tracker is made here.
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names()}
        self.latent_prior = None
        if latent_prior is not None:
            self._attach_latent_prior(latent.from_config(self.latent_dim, latent_prior))
        # Sub-networks are built above, so a reloaded model restores every weight.
        self.built = True

    @staticmethod
    def _backbone_options(network, kwargs):
        owners = registry.backbone_option_owners()
        options = {}
        for key in list(kwargs):
            if key in network.options:
                options[key] = kwargs.pop(key)
            elif key in owners:
                raise ValueError(
                    f"Option `{key}` belongs to the {owners[key]!r} backbone, not "
                    f"{network.name!r}. Received: {key}={kwargs[key]!r}"
                )
        return options

    # ----------------------------------------------------------- hooks

    def build_networks(self, network):
        """Returns `(encoder, decoder)` built by the backbone `network`.

        The default is the vector pair: `(batch,) + data_shape -> (batch,
        encoder_output_dim())` and `(batch, latent_dim) -> data`. A variant
        that needs another shape of code (e.g. the VQ-VAE's grid) overrides it.
        """
        encoder = network.encoder(
            self.data_shape, self.encoder_output_dim(), self.backbone_options, self.dropout,
            self.kernel_l2,
        )
        decoder = network.decoder(
            self.latent_dim, self.data_shape, self.backbone_options, self.dropout, self.kernel_l2
        )
        return encoder, decoder

    def encoder_output_dim(self):
        """Width of the encoder's output; 2 * latent_dim for a Gaussian posterior."""
        return self.latent_dim

    def metric_names(self):
        """Names of the values shown in `fit` history; "loss" first."""
        return self.loss_names

    def loss_terms(self, x, target, training=False):
        """Returns a dict of scalar loss terms; "loss" is the total to minimize."""
        raise NotImplementedError

    def after_train_step(self, x, terms):
        """Runs after each gradient update (e.g. EMA codebook updates)."""

    # ------------------------------------------------- tensor functions

    def reconstruction_mean(self, outputs):
        """Maps the decoder's raw outputs to the mean reconstruction."""
        return tf.sigmoid(outputs) if self.loss_name == "bce" else outputs

    def reconstruction_error(self, target, outputs):
        """Per-example reconstruction loss from the decoder's raw outputs."""
        if self.loss_name == "bce":
            per_value = tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=outputs)
        else:
            per_value = tf.square(target - outputs)
        return sum_over_data(per_value)

    def encode_tensor(self, x):
        """Deterministic latent code of a float32 tensor batch (graph-safe)."""
        return self.encoder(x, training=False)

    def decode_tensor(self, z):
        """Mean reconstruction of a latent batch (graph-safe)."""
        return self.reconstruction_mean(self.decoder(z, training=False))

    def reconstruct_tensor(self, x):
        """`decode_tensor(encode_tensor(x))`."""
        return self.decode_tensor(self.encode_tensor(x))

    def score_tensor(self, x):
        """Per-example anomaly score: summed squared error of the reconstruction."""
        return sum_over_data(tf.square(x - self.reconstruct_tensor(x)))

    # ---------------------------------------------------- public API

    def call(self, inputs, training=False):
        return self.reconstruct_tensor(inputs)

    # Numpy in, numpy out, `batch_size` examples at a time; a tf.Tensor or tf.Variable
    # in, a tensor out that a GradientTape differentiates (`zoo.models.execution`).

    def encode(self, x, batch_size=execution.INFERENCE_BATCH_SIZE):
        """Returns the deterministic latent code of `x`, shape `(batch,) + latent_shape()`."""
        return execution.batched(self.encode_tensor, x, self.data_shape, "encode", "x", batch_size)

    def decode(self, z, batch_size=execution.INFERENCE_BATCH_SIZE):
        """Returns the mean reconstruction for latent codes `z`."""
        return execution.batched(self.decode_tensor, z, self.latent_shape(), "decode", "z",
                                 batch_size)

    def reconstruct(self, x, batch_size=execution.INFERENCE_BATCH_SIZE):
        """Returns `decode(encode(x))`, the same as `model(x)` at inference."""
        return execution.batched(self.reconstruct_tensor, x, self.data_shape, "reconstruct", "x",
                                 batch_size)

    def score(self, x, batch_size=execution.INFERENCE_BATCH_SIZE):
        """Returns the per-example anomaly score of `x`, shape `(batch,)`."""
        return execution.batched(self.score_tensor, x, self.data_shape, "score", "x", batch_size)

    def latent_shape(self):
        """Shape of one latent code, without the batch axis."""
        return (self.latent_dim,)

    # --------------------------------------------------- learned prior

    def _attach_latent_prior(self, prior):
        if self.latent_prior is not None:
            # Keras keeps tracking a replaced sub-layer: drop it, so saving sees one prior.
            compat.untrack_layer(self, self.latent_prior)
        self.latent_prior = prior
        self.capabilities = type(self).capabilities | {"samples"}

    @property
    def prior_kind(self):
        """The learned prior `sample` draws through (`"diffusion"`), or None."""
        return None if self.latent_prior is None else "diffusion"

    def fit_prior(self, x, kind="diffusion", epochs=100, batch_size=128, learning_rate=1e-3,
                  seed=0, verbose=0, **options):
        """Fits a learned prior over the latents of `x`; the autoencoder stays frozen.

        `kind="diffusion"`: a `zoo.priors.diffusion.DiffusionPrior` over
        `encode(x)`, replacing any earlier prior and saved with the model.

        Args:
            x: array `(n,) + input_shape`. Training data.
            kind: str. `"diffusion"`. Defaults to `"diffusion"`.
            epochs: int. Passes over the latents. Defaults to `100`.
            batch_size: int. Latents per step. Defaults to `128`.
            learning_rate: float. Initial Adam rate (cosine decay). Defaults to `1e-3`.
            seed: int. Seed of the shuffling and of the training noise.
            verbose: int. 1 prints each epoch's loss.
            **options: `DiffusionPrior` options (`width`, `blocks`,
                `train_steps`, `schedule`, `prediction`).

        Returns:
            dict: `{"prior_loss": [mean denoising loss of each epoch]}`.
        """
        checks.choice("kind", kind, LATENT_PRIORS)
        x = checks.batch_array(x, self.data_shape, "fit_prior")
        prior = latent.from_config(self.latent_dim, {"kind": kind, "seed": seed, **options})
        latents = np.concatenate([np.asarray(self.encode_tensor(x[i: i + 256]))
                                  for i in range(0, len(x), 256)])
        history = prior.fit_latents(latents, epochs, batch_size, learning_rate, seed, verbose)
        self._attach_latent_prior(prior)
        return {"prior_loss": history}

    def sample(self, n, seed=None, steps=50, eta=0.0):
        """Returns `n` generated examples: latents from the learned prior, decoded.

        Args:
            n: int. Number of samples.
            seed: int or None. Same seed, same samples.
            steps: int. Denoising steps of the diffusion prior. Defaults to `50`.
            eta: float in [0, 1]. DDIM stochasticity, 0 deterministic.
        """
        if self.latent_prior is None:
            raise ValueError(f"This {type(self).__name__} has no prior to sample through: "
                             "call `fit_prior(x, kind='diffusion')` first. Received: "
                             "latent_prior=None")
        return self.decode_tensor(self.latent_prior.sample(n, seed=seed, steps=steps, eta=eta))

    # -------------------------------------------------------- training

    @property
    def trainable_variables(self):
        # A learned prior trains in `fit_prior`, not in `fit`.
        variables = super().trainable_variables
        prior = getattr(self, "latent_prior", None)
        if prior is None:
            return variables
        excluded = {id(v) for v in prior.trainable_variables}
        return [v for v in variables if id(v) not in excluded]

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, optimizer="rmsprop", steps_per_execution="auto", jit_compile="auto",
                **kwargs):
        """`keras.Model.compile`; `"auto"` lets aezoo choose `steps_per_execution` (<= 32)
        and XLA per `fit` (epoch and run length, backbone): see `zoo.models.execution`."""
        steps, jit, self._auto_steps, self._auto_jit_compile = \
            execution.resolve_compile_options(steps_per_execution, jit_compile)
        super().compile(optimizer=optimizer, steps_per_execution=steps, jit_compile=jit, **kwargs)

    def get_compile_config(self):
        config = super().get_compile_config()  # "auto" stays "auto" in a saved model
        for key, auto in (("steps_per_execution", "_auto_steps"), ("jit_compile",
                                                                    "_auto_jit_compile")):
            if config and getattr(self, auto, False):
                config[key] = execution.AUTO
        return config

    def compile_from_config(self, config):
        # Keras skips an overridden `compile` on reload; do what it would have done.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.optimizer is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    def _step_terms(self, data, training):
        x, target, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is not None:
            raise ValueError("aezoo models do not take `sample_weight`. Received: sample_weight")
        target = x if target is None else target
        terms = dict(self.loss_terms(x, target, training=training))
        if self.losses:
            terms["loss"] = terms["loss"] + tf.add_n(self.losses)
        return x, terms

    def _tracked_results(self, terms):
        for name, tracker in self.trackers.items():
            if name in terms:
                tracker.update_state(terms[name])
        results = {name: tracker.result() for name, tracker in self.trackers.items()}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras 3 reduces multi-worker step outputs with reduce(MEAN, axis=0),
            # which fails on scalars: give each value a length-1 axis to reduce.
            results = {name: tf.reshape(value, (1,)) for name, value in results.items()}
        return results

    def train_step(self, data):
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            x, terms = self._step_terms(data, training=True)
            # Keras sums replica gradients: divide so the update equals the
            # single-device update on the global batch.
            scaled = tf.cast(terms["loss"], tf.float32) / replicas
            if self.optimizer is not None and hasattr(self.optimizer, "scale_loss"):
                scaled = self.optimizer.scale_loss(scaled)
        gradients = tape.gradient(scaled, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables, strict=True))
        self.after_train_step(x, terms)
        return self._tracked_results(terms)

    def test_step(self, data):
        _, terms = self._step_terms(data, training=False)
        return self._tracked_results(terms)

    def fit(self, x=None, y=None, validation_data=None, **kwargs):
        """`keras.Model.fit`, with the data and arguments checked against the model first."""
        self._check_fit_arguments(kwargs)
        self._check_fit_data(x, y, "fit")
        if validation_data is not None:
            vx, vy = (tuple(validation_data) + (None,))[:2] if isinstance(
                validation_data, tuple) else (validation_data, None)
            self._check_fit_data(vx, vy, "fit (validation_data)")
        if isinstance(x, (np.ndarray, list)):
            x = checks.batch_array(x, self.data_shape, "fit")
        if y is not None and not isinstance(y, tf.data.Dataset):
            y = checks.batch_array(y, self.data_shape, "fit", "y")
        x, y, validation_data, kwargs = execution.reshuffled_each_epoch(x, y, validation_data,
                                                                        kwargs)
        execution.choose_execution(self, x, kwargs)
        return super().fit(x, y, validation_data=validation_data, **kwargs)

    @staticmethod
    def _check_fit_arguments(kwargs):
        for name in ("sample_weight", "class_weight"):
            if kwargs.get(name) is not None:
                raise ValueError(f"aezoo models do not take `{name}`: every example counts "
                                 f"once in the loss. Received: {name}")
        if kwargs.get("batch_size") is not None:
            checks.positive_int("batch_size", kwargs["batch_size"])
        epochs = kwargs.get("epochs", 1)
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
            raise ValueError(
                f"`epochs` must be a non-negative integer. Received: epochs={epochs!r}")

    def _check_fit_data(self, x, y, where):
        if x is None:
            raise ValueError(f"{where} needs training data. Received: x=None")
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            spec = spec[0] if isinstance(spec, tuple) else spec
            if not isinstance(spec, tf.TensorSpec):
                raise ValueError(
                    f"{where} expects a dataset of tensors or (x, target) tuples. "
                    f"Received: element_spec={x.element_spec}"
                )
            if not (spec.dtype.is_floating or spec.dtype.is_integer or spec.dtype.is_bool):
                raise TypeError(f"{where} expects a dataset of numeric tensors. "
                                f"Received: dtype={spec.dtype.name}")
            if spec.shape.rank is not None and tuple(spec.shape[1:]) != self.data_shape:
                raise ValueError(
                    f"{where} expects dataset batches of shape (batch, "
                    f"{', '.join(map(str, self.data_shape))}). Received: {tuple(spec.shape)}"
                )
            return
        if isinstance(x, keras.utils.PyDataset):
            return
        checks.batch_array(x, self.data_shape, where)
        if y is not None and not isinstance(y, tf.data.Dataset):
            checks.batch_array(y, self.data_shape, where, "y")

    # ---------------------------------------------------------- config

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "input_shape": self.data_shape,
                "latent_dim": self.latent_dim,
                "backbone": self.backbone,
                "loss": self.loss_name,
                "dropout": self.dropout,
                "kernel_l2": self.kernel_l2,
                "latent_prior": latent.config_of(self.latent_prior),
                **self.backbone_options,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, value in config.items():
            if isinstance(value, list):
                config[key] = tuple(value)
        return cls(**config)
