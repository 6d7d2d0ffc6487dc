"""`NoiseScheduler`: the DDPM/DDIM noise schedule and sampling steps, numpy only, no weights.

Kept apart from the denoiser network the way diffusers splits a scheduler
from a UNet: the schedule says how data is noised and how a prediction
turns into the next, less noisy state; the network only predicts. This
module imports numpy alone, so the TF-free sampler (`export.sampler`) runs
the very same loop as `DiffusionPrior.sample` with a different denoiser.
"""

import math
import numbers

import numpy as np

SCHEDULES = ("cosine", "linear")
PREDICTIONS = ("epsilon", "v")


class NoiseScheduler:
    """DDPM forward process and DDIM/DDPM reverse steps on float arrays.

    The forward process noises clean data `x0` to step `t` (0-based, `t <
    train_steps`): `x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps`. The
    reverse step from `t` to an earlier `t_prev` is DDIM's update with
    stochasticity `eta` (`eta=0`: deterministic DDIM; `eta=1` with every
    step: DDPM's ancestral sampler).

    Args:
        train_steps: int. Number of noise levels T used in training.
            Defaults to `1000`.
        schedule: str. `"cosine"` (Nichol & Dhariwal) or `"linear"` betas
            (Ho et al., 1e-4 to 0.02). Defaults to `"cosine"`.
        prediction: str. What the denoiser predicts: `"epsilon"` (the
            noise) or `"v"` (`sqrt(abar) eps - sqrt(1 - abar) x0`).
            Defaults to `"v"`.

    Example:
    >>> scheduler = NoiseScheduler(train_steps=1000)
    >>> x_t = scheduler.add_noise(x0, noise, t)
    >>> z = scheduler.sample(denoise, (16, 8), seed=0, steps=50)

    Reference:
    - Ho et al., "Denoising Diffusion Probabilistic Models", NeurIPS 2020.
    - Song et al., "Denoising Diffusion Implicit Models", ICLR 2021.
    - Nichol & Dhariwal, "Improved Denoising Diffusion Probabilistic
      Models", ICML 2021 (cosine schedule).
    - Salimans & Ho, "Progressive Distillation for Fast Sampling of
      Diffusion Models", ICLR 2022 (v-prediction).
    """

    def __init__(self, train_steps=1000, schedule="cosine", prediction="v"):
        if (isinstance(train_steps, bool) or not isinstance(train_steps, numbers.Integral)
                or train_steps < 2):
            raise ValueError(f"`train_steps` must be an integer >= 2. "
                             f"Received: train_steps={train_steps!r}")
        if schedule not in SCHEDULES:
            raise ValueError(f"`schedule` must be one of {list(SCHEDULES)}. "
                             f"Received: schedule={schedule!r}")
        if prediction not in PREDICTIONS:
            raise ValueError(f"`prediction` must be one of {list(PREDICTIONS)}. "
                             f"Received: prediction={prediction!r}")
        self.train_steps = int(train_steps)
        self.schedule = schedule
        self.prediction = prediction
        self.betas = _betas(self.train_steps, schedule)
        # float64 bookkeeping; arrays handed to networks are float32.
        self.alphas_cumprod = np.cumprod(1.0 - self.betas)

    def get_config(self):
        return {"train_steps": self.train_steps, "schedule": self.schedule,
                "prediction": self.prediction}

    def __repr__(self):
        return (f"NoiseScheduler(train_steps={self.train_steps}, schedule={self.schedule!r}, "
                f"prediction={self.prediction!r})")

    # ------------------------------------------------------------ training

    def signal_and_noise_scales(self):
        """Returns float32 arrays `(sqrt(abar_t), sqrt(1 - abar_t))`, shape `(train_steps,)`."""
        return (np.sqrt(self.alphas_cumprod).astype(np.float32),
                np.sqrt(1.0 - self.alphas_cumprod).astype(np.float32))

    def add_noise(self, x0, noise, t):
        """Returns `x_t` for clean `x0`, standard-normal `noise` and integer steps `t`."""
        signal, sigma = self._scales(t, np.ndim(x0))
        return (signal * x0 + sigma * noise).astype(np.float32)

    def target(self, x0, noise, t):
        """Returns what the denoiser is trained to predict at `t` (noise, or v)."""
        if self.prediction == "epsilon":
            return np.asarray(noise, np.float32)
        signal, sigma = self._scales(t, np.ndim(x0))
        return (signal * noise - sigma * x0).astype(np.float32)

    def _scales(self, t, ndim):
        t = np.asarray(t, np.int64)
        shape = t.shape + (1,) * (ndim - t.ndim)
        abar = self.alphas_cumprod[t].reshape(shape)
        return np.sqrt(abar), np.sqrt(1.0 - abar)

    # ------------------------------------------------------------ sampling

    def timesteps(self, steps):
        """Returns the `steps` training steps visited by the sampler, from T-1 down to 0.

        Evenly spaced and always ending at 0 ("trailing" spacing), so that a
        few-step sampler starts from pure noise and ends on clean data.
        """
        if (isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1
                or steps > self.train_steps):
            raise ValueError(f"`steps` must be an integer in [1, {self.train_steps}]. "
                             f"Received: steps={steps!r}")
        return np.round(np.linspace(self.train_steps - 1, 0, int(steps))).astype(np.int64)

    def predicted_clean(self, model_output, x_t, t):
        """Returns `(x0_hat, eps_hat)` from the network output at step `t`."""
        signal, sigma = self._scales(t, np.ndim(x_t))
        model_output = np.asarray(model_output, np.float64)
        if self.prediction == "epsilon":
            eps = model_output
            x0 = (x_t - sigma * eps) / signal
        else:
            x0 = signal * x_t - sigma * model_output
            eps = sigma * x_t + signal * model_output
        return x0, eps

    def step(self, model_output, t, t_prev, x_t, eta=0.0, noise=None):
        """One reverse step from `t` to `t_prev` (`-1` means the clean end).

        Args:
            model_output: array. The denoiser's prediction at `(x_t, t)`.
            t: int. Current step.
            t_prev: int. Next (earlier) step, or -1 for the final clean output.
            x_t: array. Current state.
            eta: float in [0, 1]. DDIM stochasticity.
            noise: array or None. Standard-normal noise, needed when `eta > 0`.

        Returns:
            `(x_prev, x0_hat)`: the new state and the current clean estimate.
        """
        x_t = np.asarray(x_t, np.float64)
        batch_t = np.full((len(x_t),), t)
        x0, eps = self.predicted_clean(model_output, x_t, batch_t)
        if t_prev < 0:
            return x0.astype(np.float32), x0.astype(np.float32)
        abar_t, abar_prev = self.alphas_cumprod[t], self.alphas_cumprod[t_prev]
        sigma = eta * math.sqrt((1.0 - abar_prev) / (1.0 - abar_t) * (1.0 - abar_t / abar_prev))
        direction = math.sqrt(max(1.0 - abar_prev - sigma**2, 0.0)) * eps
        x_prev = math.sqrt(abar_prev) * x0 + direction
        if sigma > 0:
            if noise is None:
                raise ValueError("`step` with eta > 0 needs `noise`. Received: noise=None")
            x_prev = x_prev + sigma * np.asarray(noise, np.float64)
        return x_prev.astype(np.float32), x0.astype(np.float32)

    def sample(self, denoise, shape, seed=None, steps=50, eta=0.0, trajectory=False):
        """Runs the reverse process from Gaussian noise.

        The noise comes from `numpy.random.default_rng(seed)`: the initial
        state first, then one draw per step when `eta > 0`. Any runtime that
        computes the same denoiser therefore gives the same samples.

        Args:
            denoise: callable `(x_t float32 (batch, ...), t float32 (batch,)) -> prediction`.
            shape: tuple. Shape of the batch to draw, `(n, ...)`.
            seed: int or None. Same seed, same samples.
            steps: int. Number of denoising steps (network calls).
            eta: float in [0, 1]. 0 is deterministic DDIM. Defaults to `0.0`.
            trajectory: bool. Also return the clean estimate after each step.

        Returns:
            float32 array of `shape`; with `trajectory=True`, `(samples,
            states)` where `states` is `(steps, n, ...)` of the clean
            estimates `x0_hat` after each step.
        """
        if isinstance(eta, bool) or not isinstance(eta, numbers.Real) or not 0.0 <= eta <= 1.0:
            raise ValueError(f"`eta` must be a number in [0, 1]. Received: eta={eta!r}")
        times = self.timesteps(steps)
        rng = np.random.default_rng(seed)
        x = rng.standard_normal(shape).astype(np.float32)
        states = []
        for i, t in enumerate(times):
            t_prev = int(times[i + 1]) if i + 1 < len(times) else -1
            output = denoise(x, np.full((shape[0],), float(t), np.float32))
            noise = (rng.standard_normal(shape).astype(np.float32)
                     if eta > 0 and t_prev >= 0 else None)
            x, x0 = self.step(np.asarray(output), int(t), t_prev, x, eta=eta, noise=noise)
            if trajectory:
                states.append(x0)
        return (x, np.stack(states)) if trajectory else x


def _betas(train_steps, schedule):
    if schedule == "linear":
        # Ho et al.'s range, rescaled so that other step counts keep the same total noise.
        scale = 1000.0 / train_steps
        return np.linspace(scale * 1e-4, scale * 0.02, train_steps, dtype=np.float64)
    offset = 0.008
    steps = np.arange(train_steps + 1, dtype=np.float64) / train_steps
    abar = np.cos((steps + offset) / (1.0 + offset) * math.pi / 2.0) ** 2
    return np.clip(1.0 - abar[1:] / abar[:-1], 0.0, 0.999)
