"""A VQ-VAE's causal Transformer code prior evaluated in numpy float64, for entropy coding.

Encoder and decoder must build the same probability tables bit for bit, or
the decoder reads garbage. Keras (oneDNN) and ONNX Runtime agree only to
about 1e-6, so the code prior is not run by either: its weights are copied
into numpy and evaluated in float64, position by position with cached keys
and values, by the same code on both ends (`conditionals`); the logits are
rounded to a 1/256 grid (so a last-bit difference between BLAS builds moves
no table) and the tables handed to constriction.

The network is `zoo.priors.transformer.build_code_transformer`: embedded
codes shifted right behind a start token plus learned positions, pre-norm
blocks of causal multi-head attention and a GELU MLP, a final layer norm
and a Dense to logits. `TransformerPrior.from_network` copies its weights;
tests check the logits against Keras.
"""

import numpy as np
from scipy.special import erf

from zoo.codecs.tables import decode_payload, payload_of

# Logits are rounded to multiples of this before the softmax (see above).
LOGIT_STEP = 1.0 / 256
# Keras' LayerNormalization default.
EPSILON = 1e-3


def _layer_norm(x, gamma, beta):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + EPSILON) * gamma + beta


def _gelu(x):
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class TransformerPrior:
    """p(code_i | codes before i) of a causal Transformer code prior, in numpy float64.

    Args:
        arrays: dict of float arrays: `tokens (K+1, D)`, `positions (L, D)`,
            per block `b{i}/...` the attention and MLP weights, `norm/gamma`,
            `norm/beta`, `logits/kernel (D, K)`, `logits/bias (K,)`.

    Example:
    >>> prior = TransformerPrior.from_network(zoo.load("vq_vae_conv_mnist").code_prior)
    >>> payload = prior.encode(codes)               # codes: int (n, 49)
    >>> np.array_equal(prior.decode(payload, n=len(codes)), codes)
    True

    Reference:
    - Vaswani et al., "Attention Is All You Need", NeurIPS 2017.
    """

    def __init__(self, arrays):
        self.arrays = {k: np.asarray(v, np.float64) for k, v in dict(arrays).items()}
        self.num_embeddings = self.arrays["logits/bias"].shape[0]
        self.length = self.arrays["positions"].shape[0]
        blocks = sum(1 for k in self.arrays if k.endswith("/query/kernel"))
        self._blocks = [self._block_weights(i) for i in range(blocks)]

    @classmethod
    def from_network(cls, network):
        """Copies the weights of a `build_code_transformer` network."""
        embedding = network.get_layer("embedding")
        arrays = {"tokens": embedding.tokens.embeddings.numpy(),
                  "positions": embedding.positions.numpy()}
        i = 0
        while any(layer.name == f"block_{i}" for layer in network.layers):
            block = network.get_layer(f"block_{i}")
            attention = block.attention
            for part, dense in (("query", attention._query_dense), ("key", attention._key_dense),
                                ("value", attention._value_dense),
                                ("output", attention._output_dense)):
                arrays[f"b{i}/{part}/kernel"] = dense.kernel.numpy()
                arrays[f"b{i}/{part}/bias"] = dense.bias.numpy()
            for part, layer in (("norm_1", block.norm_1), ("norm_2", block.norm_2)):
                arrays[f"b{i}/{part}/gamma"] = layer.gamma.numpy()
                arrays[f"b{i}/{part}/beta"] = layer.beta.numpy()
            for part, layer in (("hidden", block.hidden), ("mlp_out", block.output_dense)):
                arrays[f"b{i}/{part}/kernel"] = layer.kernel.numpy()
                arrays[f"b{i}/{part}/bias"] = layer.bias.numpy()
            i += 1
        norm = network.get_layer("output_norm")
        logits = network.get_layer("logits")
        arrays.update({"norm/gamma": norm.gamma.numpy(), "norm/beta": norm.beta.numpy(),
                       "logits/kernel": logits.kernel.numpy(), "logits/bias": logits.bias.numpy()})
        return cls(arrays)

    def _block_weights(self, i):
        w = {k.split("/", 1)[1]: v for k, v in self.arrays.items() if k.startswith(f"b{i}/")}
        d, heads, width = w["query/kernel"].shape
        qkv = np.concatenate([w[f"{p}/kernel"].reshape(d, heads * width)
                              for p in ("query", "key", "value")], axis=1)
        bias = np.concatenate([w[f"{p}/bias"].reshape(-1) for p in ("query", "key", "value")])
        return (heads, width, qkv, bias, w["output/kernel"].reshape(heads * width, d),
                w["output/bias"], w["norm_1/gamma"], w["norm_1/beta"], w["norm_2/gamma"],
                w["norm_2/beta"], w["hidden/kernel"], w["hidden/bias"], w["mlp_out/kernel"],
                w["mlp_out/bias"])

    def _block(self, weights, x, cache):
        """One block on the newest position `x (n, 1, D)`; `cache` holds earlier keys/values."""
        (heads, width, qkv, qkv_bias, out, out_bias, g1, b1, g2, b2, hidden, hidden_bias,
         mlp_out, mlp_bias) = weights
        n = len(x)
        h = _layer_norm(x, g1, b1) @ qkv + qkv_bias
        q, k, v = (h[..., j * heads * width:(j + 1) * heads * width]
                   .reshape(n, 1, heads, width).transpose(0, 2, 1, 3) for j in range(3))
        cache.append((k, v))
        keys = np.concatenate([c[0] for c in cache], axis=2)
        values = np.concatenate([c[1] for c in cache], axis=2)
        scores = (q / np.sqrt(width)) @ keys.transpose(0, 1, 3, 2)
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights /= weights.sum(axis=-1, keepdims=True)
        attended = (weights @ values).transpose(0, 2, 1, 3).reshape(n, 1, heads * width)
        x = x + attended @ out + out_bias
        h = _gelu(_layer_norm(x, g2, b2) @ hidden + hidden_bias)
        return x + h @ mlp_out + mlp_bias

    def conditionals(self, n):
        """Generator of position-by-position logits for `n` grids.

        Send it the codes of position i (int `(n,)`) to get the logits of
        position i + 1: each step attends to the cached keys and values of
        earlier positions (causal attention), so encoder and decoder run the
        very same arithmetic in the same order.

        Example:
        >>> steps = prior.conditionals(1)
        >>> logits = next(steps)                  # position 0: (1, K)
        >>> logits = steps.send(np.array([12]))   # position 1, given code 12 at 0
        """
        caches = [[] for _ in self._blocks]
        previous = np.full(n, self.num_embeddings)
        for i in range(self.length):
            x = (self.arrays["tokens"][previous] + self.arrays["positions"][i])[:, None]
            for weights, cache in zip(self._blocks, caches, strict=True):
                x = self._block(weights, x, cache)
            x = _layer_norm(x[:, 0], self.arrays["norm/gamma"], self.arrays["norm/beta"])
            previous = np.asarray((yield x @ self.arrays["logits/kernel"]
                                   + self.arrays["logits/bias"]), np.int64)

    def logits(self, codes):
        """float64 logits `(n, L, K)` of integer codes `(n, L)`: position i sees codes < i."""
        codes = np.asarray(codes, np.int64)
        steps = self.conditionals(len(codes))
        out = [next(steps)] + [steps.send(codes[:, i]) for i in range(self.length - 1)]
        return np.stack(out, axis=1)

    @staticmethod
    def pmfs(logits):
        """The coding tables: softmax of the logits rounded to multiples of `LOGIT_STEP`."""
        logits = np.round(logits / LOGIT_STEP) * LOGIT_STEP
        p = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return p / p.sum(axis=-1, keepdims=True)

    def bits(self, codes):
        """Ideal code length in bits of each grid `(n, L)` under the prior (the tables used)."""
        codes = np.asarray(codes, np.int64)
        p = np.take_along_axis(self.pmfs(self.logits(codes)), codes[..., None], axis=-1)
        return -np.log2(p[..., 0]).sum(axis=1)

    def encode(self, codes):
        """ANS-codes integer code grids `(n, L)`, position by position; returns bytes."""
        import constriction

        codes = np.asarray(codes, np.int64)
        # Position-major, as `decode` reads them: position i of every grid, then i + 1.
        pmfs = self.pmfs(self.logits(codes)).transpose(1, 0, 2)
        coder = constriction.stream.stack.AnsCoder()
        family = constriction.stream.model.Categorical(perfect=False)
        coder.encode_reverse(codes.T.reshape(-1).astype(np.int32), family,
                             pmfs.reshape(-1, self.num_embeddings))
        return payload_of(coder)

    def decode(self, payload, n):
        """Code grids `(n, L)` from `encode` output.

        Raises:
            ValueError: a corrupt payload (the decoder fails or data is left over).
        """
        import constriction

        codes = np.zeros((n, self.length), np.int64)

        def read(coder):
            family = constriction.stream.model.Categorical(perfect=False)
            steps = self.conditionals(n)
            logits = next(steps)
            for i in range(self.length):
                codes[:, i] = coder.decode(family, self.pmfs(logits))
                if i + 1 < self.length:
                    logits = steps.send(codes[:, i])

        decode_payload(payload, read, "code")
        return codes
