"""Generalized divisive normalization (GDN) and its inverse, channels last."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="aezoo")
class GDN(keras.layers.Layer):
    """`y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2)` over the last axis (or its inverse).

    Works on any rank (images `(B, H, W, C)`, audio `(B, T, C)`): the sum runs
    over channels at each position, so it exports as a MatMul to ONNX and LiteRT.

    Args:
        inverse: bool. IGDN, `y_i = x_i * sqrt(...)`, for synthesis transforms.
            Defaults to `False`.

    Reference:
    - Balle, Laparra and Simoncelli, "Density Modeling of Images using a
      Generalized Normalization Transformation", ICLR 2016.
    """

    def __init__(self, inverse=False, **kwargs):
        super().__init__(**kwargs)
        self.inverse = bool(inverse)

    def build(self, input_shape):
        c = int(input_shape[-1])
        # softplus reparameterization: beta = 1, gamma = 0.1 * I at initialization.
        self.beta = self.add_weight(shape=(c,), name="beta",
                                    initializer=keras.initializers.Constant(np.log(np.e - 1)))
        gamma = np.full((c, c), -8.0, np.float32)
        np.fill_diagonal(gamma, np.log(np.expm1(0.1)))
        self.gamma = self.add_weight(shape=(c, c), name="gamma",
                                     initializer=keras.initializers.Constant(gamma))

    def call(self, x):
        beta = ops.softplus(self.beta) + 1e-6
        gamma = ops.softplus(self.gamma)
        norm = ops.matmul(ops.square(x), gamma) + beta
        return x * ops.sqrt(norm) if self.inverse else x * ops.rsqrt(norm)

    def get_config(self):
        return {**super().get_config(), "inverse": self.inverse}
