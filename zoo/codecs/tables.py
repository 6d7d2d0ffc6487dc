"""Per-channel probability tables and the entropy coder (numpy and constriction only).

`EntropyTables` is what both ends of a codec share: for each latent channel,
the integer range its quantized values are clipped to and the probability
of each integer in it. The encoder and the decoder build the same
`constriction` models from the same float64 tables, so they agree bit for
bit whatever computed the latents (Keras, ONNX Runtime or LiteRT).
"""

import numpy as np

MAX_SYMBOLS = 1 << 24


def payload_of(coder):
    """The bytes of an ANS coder's words, trailing zero bytes dropped (decode_payload restores)."""
    return coder.get_compressed().astype("<u4").tobytes().rstrip(b"\x00")


def decode_payload(payload, read, what):
    """Runs `read(coder)` on an ANS decoder over `payload` (from `payload_of`).

    Raises:
        ValueError: one for any corrupt payload: a trailing zero byte (never
            written), a decoder failure, or data left after every `what` is read.
    """
    import constriction

    if payload[-1:] == b"\x00":
        raise ValueError("Corrupt payload: it ends with a zero byte, which the encoder "
                         "never writes")
    words = np.frombuffer(payload + b"\x00" * (-len(payload) % 4), dtype="<u4")
    try:
        coder = constriction.stream.stack.AnsCoder(words.astype(np.uint32))
        read(coder)
        rest = not coder.is_empty()
    except Exception as error:  # constriction raises its own types on bad words
        raise ValueError(f"Corrupt payload: the entropy decoder failed "
                         f"({type(error).__name__}: {error})") from None
    if rest:
        raise ValueError(f"Corrupt payload: data left over after decoding every {what} "
                         f"(truncated, padded or not this codec's)")


class EntropyTables:
    """Per-channel categorical tables over clipped integers, and ANS coding under them.

    Args:
        offsets: int array `(C,)`. The smallest integer each channel codes.
        pmfs: float array `(C, K)`. Probabilities of `offset + k`, rows padded with zeros.
        sizes: int array `(C,)`. Number of integers each channel codes (<= K).

    Example:
    >>> tables = EntropyTables.from_arrays(np.load("tables.npz"))
    >>> payload = tables.encode(q)            # q: int array (n, C)
    >>> np.array_equal(tables.decode(payload, n=len(q)), tables.clip(q))
    True

    Reference:
    - Bamler, "Understanding Entropy Coding With Asymmetric Numeral Systems
      (ANS): a Statistician's Perspective", 2022 (the `constriction` library).
    """

    def __init__(self, offsets, pmfs, sizes):
        self.offsets = np.asarray(offsets, np.int64)
        self.pmfs = np.asarray(pmfs, np.float64)
        self.sizes = np.asarray(sizes, np.int64)
        self.channels = len(self.offsets)
        self._models = None

    def arrays(self):
        """The tables as a dict of arrays (for `np.savez`)."""
        return {"offsets": self.offsets, "pmfs": self.pmfs, "sizes": self.sizes}

    @classmethod
    def from_arrays(cls, arrays):
        """Tables from `arrays()` output (a dict or an `np.load` result)."""
        return cls(arrays["offsets"], arrays["pmfs"], arrays["sizes"])

    def models(self):
        """One `constriction` categorical per channel (None for a one-value channel)."""
        if self._models is None:
            import constriction

            self._models = [
                None if size <= 1 else constriction.stream.model.Categorical(
                    pmf[:size] / pmf[:size].sum(), perfect=False)
                for pmf, size in zip(self.pmfs, self.sizes, strict=False)]
        return self._models

    def clip(self, q):
        """Integers `(n, C)` clipped to each channel's table range."""
        return np.clip(q, self.offsets, self.offsets + self.sizes - 1).astype(np.int64)

    def bits(self, q):
        """Ideal code length in bits of integers `(n, C)` under the tables."""
        symbols = self.clip(q) - self.offsets
        p = np.take_along_axis(self.pmfs, symbols.T, axis=1)
        return float(-np.log2(np.maximum(p, 1e-12)).sum())

    def _index(self, q, index):
        q = np.asarray(q, np.int64)
        if index is None:
            if q.ndim != 2 or q.shape[1] != self.channels:
                raise ValueError(f"Expected integers (n, {self.channels}). Received: shape "
                                 f"{q.shape}")
            index = np.broadcast_to(np.arange(self.channels), q.shape)
        return q.reshape(-1), np.asarray(index, np.int64).reshape(-1)

    def encode(self, q, index=None):
        """ANS-codes integers, table by table; returns bytes.

        Args:
            q: int array. `(n, C)` (column c under table c), or any shape with `index`.
            index: int array or None. The table of each value of `q` (same size).

        Returns:
            bytes (trailing zero bytes dropped).
        """
        import constriction

        q, index = self._index(q, index)
        symbols = (np.clip(q, self.offsets[index], self.offsets[index] + self.sizes[index] - 1)
                   - self.offsets[index]).astype(np.int32)
        coder = constriction.stream.stack.AnsCoder()
        models = self.models()
        order = np.argsort(index, kind="stable")
        bounds = np.searchsorted(index[order], np.arange(self.channels + 1))
        for t in reversed(range(self.channels)):
            if models[t] is not None and bounds[t + 1] > bounds[t]:
                coder.encode_reverse(np.ascontiguousarray(symbols[order[bounds[t]:bounds[t + 1]]]),
                                     models[t])
        return payload_of(coder)

    def decode(self, payload, n=None, index=None):
        """Integers from `encode` output: `(n, C)`, or flat in the order of `index`.

        Raises:
            ValueError: a corrupt payload (the decoder fails or data is left over).
        """

        if index is None:
            if n * self.channels > MAX_SYMBOLS:
                raise ValueError(f"Refusing to decode {n * self.channels:,} symbols: at most "
                                 f"{MAX_SYMBOLS:,}. Received: a header claiming {n} positions")
            index = np.broadcast_to(np.arange(self.channels), (n, self.channels))
        shape = np.shape(index)
        index = np.asarray(index, np.int64).reshape(-1)
        if len(index) > MAX_SYMBOLS:
            raise ValueError(f"Refusing to decode {len(index):,} symbols: at most "
                             f"{MAX_SYMBOLS:,}")
        symbols = np.zeros(len(index), np.int64)
        models = self.models()
        order = np.argsort(index, kind="stable")
        bounds = np.searchsorted(index[order], np.arange(self.channels + 1))

        def read(coder):
            for t in range(self.channels):
                count = int(bounds[t + 1] - bounds[t])
                if models[t] is not None and count:
                    symbols[order[bounds[t]:bounds[t + 1]]] = coder.decode(models[t], count)

        decode_payload(payload, read, "latent")
        return (symbols + self.offsets[index]).reshape(shape)

    @classmethod
    def from_pmfs(cls, grid, pmfs, tail_mass=1e-6):
        """Tables from probabilities over a shared integer grid, tails cut.

        Args:
            grid: int array `(G,)`. Consecutive integers.
            pmfs: float array `(C, G)`. Probability of each grid integer per channel.
            tail_mass: float. Probability mass cut on each side; it is added to
                the edge integers (values beyond are clipped to them).

        Returns:
            `EntropyTables`.
        """
        pmfs = np.maximum(np.asarray(pmfs, np.float64), 0.0)
        pmfs = pmfs / pmfs.sum(axis=1, keepdims=True)
        offsets, rows = [], []
        for pmf in pmfs:
            cdf = np.cumsum(pmf)
            lo = int(np.searchsorted(cdf, tail_mass))
            hi = int(np.searchsorted(cdf, 1.0 - tail_mass))
            hi = min(max(hi, lo), len(pmf) - 1)
            row = pmf[lo:hi + 1].copy()
            row[0] += pmf[:lo].sum()
            row[-1] += pmf[hi + 1:].sum()
            offsets.append(int(grid[lo]))
            rows.append(row)
        width = max(len(r) for r in rows)
        table = np.zeros((len(rows), width))
        for i, row in enumerate(rows):
            table[i, :len(row)] = row
        return cls(offsets, table, [len(r) for r in rows])
