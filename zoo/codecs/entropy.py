"""`FactorizedDensity`: the learned per-channel density of the latents (an entropy bottleneck).

Training sees `likelihood(y + noise)`, the probability mass of the unit
interval around each noisy latent (the uniform-noise relaxation of
rounding). After training, `tables()` evaluates the same density at the
integers and returns the `EntropyTables` that both ends of the codec share.
"""

import keras
import numpy as np
from keras import ops

from zoo.codecs.tables import EntropyTables


@keras.saving.register_keras_serializable(package="aezoo")
class FactorizedDensity(keras.layers.Layer):
    """A learned, flexible, univariate density per latent channel.

    The cumulative of each channel is a small monotone network
    (softplus-positive matrices, tanh nonlinearities) of the scalar input.

    Args:
        channels: int. Latent channels.
        filters: tuple of int. Hidden widths of the cumulative network.
            Defaults to `(3, 3, 3)`.
        init_scale: float. Initial spread of the densities. Defaults to `10.0`.

    Reference:
    - Balle, Minnen, Singh, Hwang and Johnston, "Variational image compression
      with a scale hyperprior", ICLR 2018 (appendix 6.1).
    """

    def __init__(self, channels, filters=(3, 3, 3), init_scale=10.0, **kwargs):
        super().__init__(**kwargs)
        self.channels = int(channels)
        self.filters = tuple(int(f) for f in filters)
        self.init_scale = float(init_scale)
        widths = (1,) + self.filters + (1,)
        scale = self.init_scale ** (1.0 / (len(self.filters) + 1))
        self.matrices, self.biases, self.factors = [], [], []
        for i in range(len(self.filters) + 1):
            init = np.log(np.expm1(1.0 / scale / widths[i + 1]))
            self.matrices.append(self.add_weight(
                shape=(self.channels, widths[i + 1], widths[i]), name=f"matrix_{i}",
                initializer=keras.initializers.Constant(init)))
            self.biases.append(self.add_weight(
                shape=(self.channels, widths[i + 1], 1), name=f"bias_{i}",
                initializer=keras.initializers.RandomUniform(-0.5, 0.5, seed=i)))
            if i < len(self.filters):
                self.factors.append(self.add_weight(
                    shape=(self.channels, widths[i + 1], 1), name=f"factor_{i}",
                    initializer="zeros"))

    def _logits_cumulative(self, v):
        # v: (C, 1, N) -> (C, 1, N)
        for i, matrix in enumerate(self.matrices):
            v = ops.matmul(ops.softplus(matrix), v) + self.biases[i]
            if i < len(self.factors):
                v = v + ops.tanh(self.factors[i]) * ops.tanh(v)
        return v

    def likelihood(self, y):
        """Probability mass of `[y - 0.5, y + 0.5]` per element; `y`: `(B, ..., C)`."""
        shape = ops.shape(y)
        v = ops.reshape(ops.transpose(ops.reshape(y, (-1, self.channels))), (self.channels, 1, -1))
        lower = self._logits_cumulative(v - 0.5)
        upper = self._logits_cumulative(v + 0.5)
        sign = ops.stop_gradient(-ops.sign(lower + upper))
        p = ops.abs(ops.sigmoid(sign * upper) - ops.sigmoid(sign * lower))
        p = ops.transpose(ops.reshape(p, (self.channels, -1)))
        return ops.reshape(ops.maximum(p, 1e-9), shape)

    def bits(self, y):
        """Code length in bits of each example in a batch (summed over its latents)."""
        p = self.likelihood(y)
        axes = tuple(range(1, len(y.shape)))
        return ops.sum(-ops.log(p), axis=axes) / np.log(2.0)

    def tables(self, radius=64, tail_mass=1e-6):
        """`EntropyTables` over the integers in `[-radius, radius]`, tails cut."""
        grid = np.arange(-radius, radius + 1)
        y = np.tile(grid[:, None], (1, self.channels)).astype(np.float32)
        p = ops.convert_to_numpy(self.likelihood(y)).T
        return EntropyTables.from_pmfs(grid, p, tail_mass=tail_mass)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "filters": self.filters,
                "init_scale": self.init_scale}
