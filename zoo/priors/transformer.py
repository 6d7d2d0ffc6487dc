"""A causal Transformer prior over VQ-VAE codes, beside the PixelCNN (`zoo.priors.pixelcnn`).

Same contract as the PixelCNN: integer codes `(batch,) + positions` in,
logits `(batch,) + positions + (K,)` out, where the logits at a position
depend only on the codes before it in raster order. The grid is read as a
sequence, shifted right behind a start token and run through blocks of
causal `keras.layers.MultiHeadAttention`. Keras 3 layers only; TFP appears
only on the output (`tfd.Categorical(logits=...)`) in the model that owns
the network.
"""

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="aezoo")
class CodeSequenceEmbedding(keras.layers.Layer):
    """Embeds a code sequence shifted right behind a start token, plus learned positions.

    Input `(batch, length)` integer codes in `[0, num_embeddings)`; output
    `(batch, length, dim)` where position `i` carries code `i - 1` (the
    start token, id `num_embeddings`, at position 0) and position `i`'s
    embedding. With a causal mask on top, position `i` then predicts code
    `i` from codes `< i` only.

    Args:
        num_embeddings: int. Codebook size K.
        length: int. Sequence length (positions in the grid).
        dim: int. Embedding size.
    """

    def __init__(self, num_embeddings, length, dim, **kwargs):
        super().__init__(**kwargs)
        self.num_embeddings = num_embeddings
        self.length = length
        self.dim = dim
        self.tokens = keras.layers.Embedding(num_embeddings + 1, dim, name="tokens")

    def build(self, input_shape):
        self.tokens.build((None, self.length))
        self.positions = self.add_weight(
            shape=(self.length, self.dim), name="positions",
            initializer=keras.initializers.RandomNormal(stddev=0.02))

    def call(self, codes):
        codes = tf.cast(codes, tf.int32)
        start = tf.fill((tf.shape(codes)[0], 1), self.num_embeddings)
        shifted = tf.concat([start, codes[:, :-1]], axis=1)
        return self.tokens(shifted) + self.positions[None]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.length, self.dim)

    def get_config(self):
        config = super().get_config()
        config.update({"num_embeddings": self.num_embeddings, "length": self.length,
                       "dim": self.dim})
        return config


@keras.saving.register_keras_serializable(package="aezoo")
class CausalTransformerBlock(keras.layers.Layer):
    """Pre-norm Transformer block with causal self-attention: x + MHA(LN x), then x + MLP(LN x).

    Args:
        dim: int. Model width.
        heads: int. Attention heads.
        mlp_units: int. Hidden units of the feed-forward layer.
        dropout: float. Dropout on attention weights and the MLP output.

    Reference:
    - Vaswani et al., "Attention Is All You Need", NeurIPS 2017.
    """

    def __init__(self, dim, heads, mlp_units, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.heads = heads
        self.mlp_units = mlp_units
        self.dropout = dropout
        self.norm_1 = keras.layers.LayerNormalization(name="norm_1")
        self.attention = keras.layers.MultiHeadAttention(
            heads, dim // heads, dropout=dropout, name="attention")
        self.norm_2 = keras.layers.LayerNormalization(name="norm_2")
        self.hidden = keras.layers.Dense(mlp_units, activation="gelu", name="hidden")
        self.output_dense = keras.layers.Dense(dim, name="output_dense")
        self.output_dropout = keras.layers.Dropout(dropout)

    def build(self, input_shape):
        self.norm_1.build(input_shape)
        self.attention.build(input_shape, input_shape)
        self.norm_2.build(input_shape)
        self.hidden.build(input_shape)
        self.output_dense.build(tuple(input_shape[:-1]) + (self.mlp_units,))

    def call(self, x, training=False):
        h = self.norm_1(x)
        x = x + self.attention(h, h, use_causal_mask=True, training=training)
        h = self.hidden(self.norm_2(x))
        return x + self.output_dropout(self.output_dense(h), training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"dim": self.dim, "heads": self.heads, "mlp_units": self.mlp_units,
                       "dropout": self.dropout})
        return config


def build_code_transformer(positions, num_embeddings, dim=64, heads=4, layers=2, dropout=0.1):
    """Returns a causal Transformer: integer codes `(batch,) + positions` -> logits `(..., K)`.

    Args:
        positions: tuple of ints. The code grid without the code axis.
        num_embeddings: int. Codebook size K.
        dim: int. Model width (divisible by `heads`). Defaults to `64`.
        heads: int. Attention heads. Defaults to `4`.
        layers: int. Transformer blocks. Defaults to `2`.
        dropout: float. Dropout rate in training. Defaults to `0.1`.

    Example:
    >>> prior = build_code_transformer((7, 7), 64)
    >>> prior(np.zeros((2, 7, 7), "int32")).shape
    TensorShape([2, 7, 7, 64])

    Reference:
    - Esser et al., "Taming Transformers for High-Resolution Image
      Synthesis" (VQGAN), CVPR 2021.
    - Razavi et al., "Generating Diverse High-Fidelity Images with VQ-VAE-2",
      NeurIPS 2019.
    """
    positions = tuple(int(p) for p in positions)
    if dim % heads:
        raise ValueError(f"`dim` must be divisible by `heads`. Received: dim={dim}, "
                         f"heads={heads}")
    length = int(np.prod(positions))
    inputs = keras.Input(shape=positions, dtype="int32", name="codes")
    sequence = keras.layers.Reshape((length,))(inputs)
    h = CodeSequenceEmbedding(num_embeddings, length, dim, name="embedding")(sequence)
    for i in range(layers):
        h = CausalTransformerBlock(dim, heads, 4 * dim, dropout, name=f"block_{i}")(h)
    h = keras.layers.LayerNormalization(name="output_norm")(h)
    logits = keras.layers.Dense(num_embeddings, name="logits")(h)
    logits = keras.layers.Reshape(positions + (num_embeddings,))(logits)
    return keras.Model(inputs, logits, name="code_transformer")
