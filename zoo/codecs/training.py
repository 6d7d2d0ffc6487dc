"""Rate-distortion training of a factorized-prior codec: `train_codec`.

Loss per batch: `rate + lmbda * distortion`, the rate in bits per pixel (or
per sample) of the noisy latents under the learned density (uniform-noise
relaxation), the distortion on the synthesis of the rounded latents
(straight-through gradient). Images: MSE. Audio: waveform MSE plus a
multi-resolution STFT loss, optionally a log-mel loss (`mel_weight`, the
mel-spectrogram L1 of HiFi-GAN and EnCodec, closer to what PESQ hears) and a
random gain per crop (`gain_db`); with `target_bps` the rate above the target
is penalized tenfold, which holds the bitrate under it, and the rate below it
is weighted by `rate_weight` (default 0.1).
"""

import numpy as np

from zoo.codecs.factorized import FactorizedCodec, build_networks

STFT_SIZES = (256, 512, 1024)
MEL_BINS = 64


def _stft_loss(tf, x, x_hat):
    total = 0.0
    for n in STFT_SIZES:
        s = tf.abs(tf.signal.stft(x, n, n // 4, n))
        s_hat = tf.abs(tf.signal.stft(x_hat, n, n // 4, n))
        convergence = tf.norm(s - s_hat) / (tf.norm(s) + 1e-7)
        log_mag = tf.reduce_mean(tf.abs(tf.math.log(s + 1e-5) - tf.math.log(s_hat + 1e-5)))
        total += convergence + log_mag
    return total / len(STFT_SIZES)


def _mel_loss(tf, x, x_hat, sample_rate):
    total = 0.0
    for n in STFT_SIZES:
        mel = tf.signal.linear_to_mel_weight_matrix(MEL_BINS, n // 2 + 1, sample_rate, 0.0,
                                                    sample_rate / 2)
        s = tf.abs(tf.signal.stft(x, n, n // 4, n)) @ mel
        s_hat = tf.abs(tf.signal.stft(x_hat, n, n // 4, n)) @ mel
        total += tf.reduce_mean(tf.abs(tf.math.log(s + 1e-5) - tf.math.log(s_hat + 1e-5)))
    return total / len(STFT_SIZES)


def _crops(rng, x, batch_size, crop, gain_db=0.0):
    """Random batch: images as they are; waveforms `(n, T)` cropped to `crop` samples.

    With `gain_db`, each crop is scaled by a gain drawn uniformly within +-gain_db dB.
    """
    index = rng.integers(0, len(x), batch_size)
    if x.ndim == 4 or crop is None:
        return x[index]
    start = rng.integers(0, x.shape[1] - crop + 1, batch_size)
    batch = np.stack([x[i, s:s + crop] for i, s in zip(index, start, strict=False)])
    if gain_db:
        batch *= 10 ** (rng.uniform(-gain_db, gain_db, (batch_size, 1)) / 20)
    return batch[..., None].astype(np.float32)


def train_codec(config, x, steps=2000, batch_size=32, learning_rate=1e-3, seed=0, crop=None,
                initial=None, log_every=200, log=print, max_seconds=None):
    """Trains a factorized-prior codec and returns it with its entropy tables.

    Args:
        config: dict. Codec config: `name`, `domain`, `channels`,
            `sample_rate`, `transform` (options of `zoo.codecs.transforms`),
            `lmbda`, optional `target_bps`, `stft_weight`, `mel_weight`,
            `gain_db`, `rate_weight`, `density`, `radius`.
        x: float32 array. Images `(n, H, W, C)` in [0, 1], or waveforms `(n, T)`.
        steps: int. Optimizer steps.
        batch_size: int. Examples per step.
        learning_rate: float. Adam learning rate (cosine-decayed to 5%).
        seed: int. Seed of the initialization and the batches.
        crop: int or None. Audio crop length in samples.
        initial: `FactorizedCodec` or None. Start from its weights (a warm start).
        log_every: int. Steps between log lines.
        log: callable. Receives each log line.
        max_seconds: float or None. Stop early after this many seconds.

    Returns:
        `FactorizedCodec`.

    Example:
    >>> codec = train_codec({"name": "tiny", "domain": "image", "channels": 1,
    ...                      "transform": {"kind": "image", "filters": 8,
    ...                                    "latent_channels": 4}, "lmbda": 100.0}, x)
    """
    import time

    import keras
    import tensorflow as tf

    start = time.time()
    keras.utils.set_random_seed(seed)
    config = dict(config)
    analysis, synthesis, density, stride = build_networks(config)
    config["stride"] = stride
    if initial is not None:
        for new, old in ((analysis, initial.analysis_model),
                         (synthesis, initial.synthesis_model), (density, initial.density)):
            new.set_weights(old.get_weights())
    audio = config["domain"] == "audio"
    period = config.get("period", 1)
    if period > 1 and x.shape[1] != period * stride:
        raise ValueError(f"A codec with period {period} trains on {period * stride}-pixel "
                         f"images. Received: shape {x.shape[1:]}")
    lmbda = float(config["lmbda"])
    target = config.get("target_bps")
    target = None if target is None else target / config["sample_rate"]
    stft_weight = float(config.get("stft_weight", 1.0))
    rate_weight = float(config.get("rate_weight", 0.1))
    mel_weight = float(config.get("mel_weight", 0.0))
    gain_db = float(config.get("gain_db", 0.0))
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.05)
    optimizer = keras.optimizers.Adam(schedule)
    variables = (analysis.trainable_variables + synthesis.trainable_variables
                 + density.trainable_variables)

    @tf.function(reduce_retracing=True)
    def step(batch):
        with tf.GradientTape() as tape:
            y = analysis(batch, training=True)
            noisy = y + tf.random.uniform(tf.shape(y), -0.5, 0.5)
            elements = tf.cast(tf.reduce_prod(tf.shape(batch)[1:]), tf.float32)
            if period > 1:  # one table per latent position (i mod p, j mod p) and channel
                noisy = tf.reshape(noisy, (tf.shape(noisy)[0], -1))
            rate = tf.reduce_mean(density.bits(noisy)) / elements
            y_hat = y + tf.stop_gradient(tf.round(y) - y)
            x_hat = synthesis(y_hat, training=True)
            mse = tf.reduce_mean(tf.square(batch - x_hat))
            distortion = mse
            if audio:
                distortion = mse + stft_weight * _stft_loss(tf, batch[..., 0], x_hat[..., 0])
                if mel_weight:
                    distortion += mel_weight * _mel_loss(tf, batch[..., 0], x_hat[..., 0],
                                                         config["sample_rate"])
            loss = rate + lmbda * distortion
            if target is not None:
                loss = (lmbda * distortion + 10.0 * tf.nn.relu(rate - target)
                        + rate_weight * rate)
        grads = tape.gradient(loss, variables)
        grads, _ = tf.clip_by_global_norm(grads, 5.0)
        optimizer.apply_gradients(zip(grads, variables, strict=False))
        return loss, rate, mse

    rng = np.random.default_rng(seed)
    x = np.asarray(x, np.float32)
    totals = np.zeros(3)
    for i in range(1, steps + 1):
        batch = tf.constant(_crops(rng, x, batch_size, crop, gain_db))
        totals += [float(v) for v in step(batch)]
        if log_every and i % log_every == 0:
            loss, rate, mse = totals / log_every
            per = "sample" if audio else "pixel"
            log(f"step {i}/{steps}: loss {loss:.4f}, rate {rate:.4f} bits/{per}, "
                f"mse {mse:.6f} ({time.time() - start:.0f} s)")
            totals[:] = 0
        if max_seconds is not None and time.time() - start > max_seconds:
            log(f"stopped at step {i}/{steps}: {max_seconds:.0f} s budget spent")
            config["steps_run"] = i
            break
    return FactorizedCodec(config, analysis, synthesis, density)
