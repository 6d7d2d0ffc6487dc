"""`TransformCodec`: analysis transform, rounding, entropy tables, synthesis transform.

The coding pipeline in numpy: it knows nothing about how the transforms run.
`zoo.codecs.factorized.FactorizedCodec` hands it Keras models;
`export.codecs.load_codec` hands it ONNX Runtime or LiteRT sessions. Both
round the same way and code under the same `EntropyTables`, so they write
the same bytes.
"""

import json
import numbers
import os

import numpy as np

from zoo.codecs import bitstream

DOMAINS = ("image", "audio")
# Largest example a header may claim: a 1024x1024 image, one minute of audio.
MAX_PIXELS = 1 << 20
MAX_SECONDS = 60


def read_config(folder, name="codec.json"):
    """The `codec.json` of a codec folder, as a dict; one ValueError if it cannot be read."""
    path = os.path.join(folder, name)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not a readable codec config: {error}") from None


class TransformCodec:
    """A learned transform codec over one example at a time.

    Args:
        name: str. The codec's name (written into each header as its id).
        domain: str. `"image"` or `"audio"`.
        channels: int. Image channels (1 for audio).
        stride: int. Total downsampling of the analysis transform per axis.
        tables: `zoo.codecs.tables.EntropyTables` or None. The latents' tables (None for
            a subclass that codes its latents itself, e.g. under an autoregressive prior).
        analysis: callable. float32 `(1, *padded_shape)` -> latents `(1, ..., M)`.
        synthesis: callable. float32 latents `(1, ..., M)` -> `(1, *padded_shape)`.
        sample_rate: int or None. Audio sampling rate in Hz.
        known: dict or None. Codec id -> name of the other codecs (error messages).
        period: int. Images: latent positions `(i mod period, j mod period)` have their
            own tables (`tables.channels == period**2 * M`); 1 shares one table per channel.
        tile: int or None. Images: code `tile x tile` tiles independently (the image is
            padded to whole tiles, the tiles go through the transforms as one batch, and
            their latents share one bitstream). None transforms the whole image at once.

    Example:
    >>> data = codec.compress(image)          # bytes
    >>> restored = codec.decompress(data)     # (H, W, C) float32 in [0, 1]
    """

    def __init__(self, name, domain, channels, stride, tables, analysis, synthesis,
                 sample_rate=None, known=None, period=1, tile=None):
        if domain not in DOMAINS:
            raise ValueError(f"`domain` must be one of {DOMAINS}. Received: domain={domain!r}")
        self.name = name
        self.domain = domain
        self.channels = int(channels)
        self.stride = int(stride)
        self.tables = tables
        self.sample_rate = None if sample_rate is None else int(sample_rate)
        self.known = dict(known or {})
        self.period = int(period) if domain == "image" else 1
        self.tile = int(tile) if tile and domain == "image" else None
        self.latent_channels = None if tables is None else tables.channels // self.period ** 2
        self._analysis = analysis
        self._synthesis = synthesis

    def __repr__(self):
        rate = f", {self.sample_rate} Hz" if self.sample_rate else ""
        return f"<{type(self).__name__} {self.name!r} ({self.domain}{rate})>"

    @property
    def max_elements(self):
        """Largest number of pixels (images) or samples (audio) one bitstream may hold."""
        if self.domain == "image":
            return MAX_PIXELS * self.channels
        return MAX_SECONDS * (self.sample_rate or 16000)

    def _checked(self, x):
        if self.domain == "image":
            expected = f"an image (H, W, {self.channels}) of floats in [0, 1]"
        else:
            expected = f"a mono waveform (samples,) of floats in [-1, 1] at {self.sample_rate} Hz"
        if isinstance(x, (numbers.Number, str, bytes)) or x is None:
            raise ValueError(f"{self.name} compresses {expected}. Received: {x!r:.60}")
        try:
            x = np.asarray(x)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{self.name} compresses {expected}. Received: an object numpy "
                             f"cannot convert ({error})") from None
        ndim = 3 if self.domain == "image" else 1
        bad_shape = x.ndim != ndim or 0 in x.shape
        if self.domain == "image" and not bad_shape:
            bad_shape = x.shape[-1] != self.channels
        if bad_shape or x.dtype.kind not in "fiu":
            raise ValueError(f"{self.name} compresses {expected}. Received: shape={x.shape}, "
                             f"dtype={x.dtype}")
        if x.size > self.max_elements:
            raise ValueError(f"{self.name} compresses at most {self.max_elements:,} elements. "
                             f"Received: shape={x.shape}")
        x = x.astype(np.float32)
        if not np.isfinite(x).all():
            raise ValueError(f"{self.name} compresses {expected}. Received: NaN or inf values")
        low = 0.0 if self.domain == "image" else -1.0
        if x.min() < low - 1e-6 or x.max() > 1.0 + 1e-6:
            raise ValueError(f"{self.name} compresses {expected}. Received: values in "
                             f"[{x.min():.4g}, {x.max():.4g}]")
        return np.clip(x, low, 1.0)

    def _blocks(self, x):
        """The transform's input batch for one checked example, and its latent grid."""
        if self.domain == "audio":
            x = np.pad(x, (0, -len(x) % self.stride), mode="edge")
            return x[None, :, None], (len(x) // self.stride,)
        if self.tile is None:
            pad = [(0, -d % self.stride) for d in x.shape[:-1]] + [(0, 0)]
            x = np.pad(x, pad, mode="edge")
            return x[None], (x.shape[0] // self.stride, x.shape[1] // self.stride)
        t = self.tile
        x = np.pad(x, [(0, -x.shape[0] % t), (0, -x.shape[1] % t), (0, 0)], mode="edge")
        rows, cols = x.shape[0] // t, x.shape[1] // t
        tiles = x.reshape(rows, t, cols, t, -1).transpose(0, 2, 1, 3, 4).reshape(-1, t, t,
                                                                                  x.shape[-1])
        return tiles, (t // self.stride, t // self.stride)

    def _assemble(self, blocks, shape):
        if self.domain == "audio":
            return np.clip(blocks[0, :shape[0], 0], -1.0, 1.0)
        if self.tile is not None:
            t = self.tile
            rows, cols = -(-shape[0] // t), -(-shape[1] // t)
            blocks = blocks.reshape(rows, cols, t, t, -1).transpose(0, 2, 1, 3, 4)
            blocks = blocks.reshape(1, rows * t, cols * t, -1)
        return np.clip(blocks[0, :shape[0], :shape[1]], 0.0, 1.0)

    def latents(self, x):
        """Quantized latents of one example: an int array `(blocks, ..., M)`."""
        blocks, _ = self._blocks(self._checked(x))
        return np.round(np.asarray(self._analysis(blocks), np.float32)).astype(np.int64)

    def table_index(self, grid):
        """The table of each latent of a latent grid `grid + (M,)` (an int array)."""
        m = self.latent_channels
        if self.domain == "audio":
            return np.broadcast_to(np.arange(m), tuple(grid) + (m,))
        p = self.period
        rows = (np.arange(grid[0]) % p)[:, None, None] * p
        cols = (np.arange(grid[1]) % p)[None, :, None]
        return (rows + cols) * m + np.arange(m)[None, None, :]

    def compress(self, x):
        """Compresses one example into bytes (header, then ANS-coded latents)."""
        x = self._checked(x)
        blocks, _ = self._blocks(x)
        q = np.round(np.asarray(self._analysis(blocks), np.float32)).astype(np.int64)
        index = np.broadcast_to(self.table_index(q.shape[1:-1]), q.shape)
        return bitstream.pack(self.name, x.shape, self.tables.encode(q, index))

    def _layout(self, shape):
        """`(blocks, latent grid)` a decoded example of `shape` has."""
        if self.domain == "audio":
            return 1, (-(-shape[0] // self.stride),)
        if self.tile is None:
            return 1, tuple(-(-d // self.stride) for d in shape[:-1])
        t = self.tile
        return (-(-shape[0] // t)) * (-(-shape[1] // t)), (t // self.stride, t // self.stride)

    def decompress(self, data):
        """The example a bitstream holds: `(H, W, C)` in [0, 1] or `(samples,)` in [-1, 1].

        Raises:
            ValueError: a truncated, corrupt or foreign bitstream, a newer
                format version, or a header claiming too large a shape.
        """
        ndim = 3 if self.domain == "image" else 1
        shape, payload = bitstream.parse(data, self.name, ndim, self.max_elements, self.known)
        if self.domain == "image" and shape[-1] != self.channels:
            raise ValueError(f"Header claims {shape[-1]} channels: codec {self.name!r} codes "
                             f"{self.channels}. Received: shape {shape}")
        n, grid = self._layout(shape)
        full = (n,) + grid + (self.latent_channels,)
        index = np.broadcast_to(self.table_index(grid), full)
        q = self.tables.decode(payload, index=index)
        return self._assemble(np.asarray(self._synthesis(q.astype(np.float32)), np.float32),
                              shape)

    def bits_per_second(self, n_bytes, samples):
        """Bitrate of `n_bytes` for `samples` audio samples."""
        return 8.0 * n_bytes * self.sample_rate / samples
