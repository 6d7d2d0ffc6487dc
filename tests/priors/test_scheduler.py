"""NoiseScheduler: the DDPM/DDIM arithmetic, checked against closed-form denoisers (numpy only)."""

import numpy as np
import pytest

from zoo.priors.scheduler import NoiseScheduler


def optimal_prediction(scheduler, x_t, t, mean, std):
    """Exact network output for data ~ N(mean, std^2): E[x0 | x_t] turned into eps or v."""
    abar = scheduler.alphas_cumprod[t.astype(int)][:, None]
    signal, sigma = np.sqrt(abar), np.sqrt(1.0 - abar)
    x0 = mean + signal * std**2 / (signal**2 * std**2 + sigma**2) * (x_t - signal * mean)
    eps = (x_t - signal * x0) / sigma
    return eps if scheduler.prediction == "epsilon" else signal * eps - sigma * x0


@pytest.mark.parametrize("prediction", ["epsilon", "v"])
@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_exact_denoiser_of_a_point_mass_lands_on_it(prediction, schedule):
    scheduler = NoiseScheduler(1000, schedule, prediction)
    point = np.array([0.7, -1.3, 2.0])

    def denoise(x_t, t):
        return optimal_prediction(scheduler, x_t, t, point, 0.0)

    for steps in (1, 7, 50):
        samples = scheduler.sample(denoise, (5, 3), seed=0, steps=steps)
        np.testing.assert_allclose(samples, np.broadcast_to(point, (5, 3)), atol=1e-4)


@pytest.mark.parametrize("prediction", ["epsilon", "v"])
def test_ddim_with_exact_denoiser_maps_noise_to_the_data_gaussian(prediction):
    scheduler = NoiseScheduler(1000, "cosine", prediction)
    mean, std = np.array([1.5, -2.0]), np.array([0.5, 2.0])

    def denoise(x_t, t):
        return optimal_prediction(scheduler, x_t, t, mean, std)

    for eta in (0.0, 1.0):
        samples = scheduler.sample(denoise, (20000, 2), seed=1, steps=100, eta=eta)
        np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.05)
        np.testing.assert_allclose(samples.std(axis=0), std, rtol=0.05)
    # A denoiser that always predicts 0 noise does not: the check can fail.
    wrong = scheduler.sample(lambda x, t: np.zeros_like(x), (2000, 2), seed=1, steps=50)
    assert np.abs(wrong.std(axis=0) - std).max() > 0.2


def test_add_noise_and_target_follow_the_schedule():
    scheduler = NoiseScheduler(1000, "cosine", "v")
    rng = np.random.default_rng(0)
    x0, noise = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    early = scheduler.add_noise(x0, noise, np.zeros(4, int))
    late = scheduler.add_noise(x0, noise, np.full(4, 999))
    np.testing.assert_allclose(early, x0, atol=0.05)
    np.testing.assert_allclose(late, noise, atol=0.05)
    assert np.abs(late - x0).max() > 0.5
    # v-target and x_t give back x0: x0 = signal * x_t - sigma * v.
    t = np.array([10, 200, 500, 900])
    x_t = scheduler.add_noise(x0, noise, t)
    recovered, eps = scheduler.predicted_clean(scheduler.target(x0, noise, t), x_t, t)
    np.testing.assert_allclose(recovered, x0, atol=1e-5)
    np.testing.assert_allclose(eps, noise, atol=1e-5)
    assert np.all(np.diff(scheduler.alphas_cumprod) < 0)


def test_timesteps_and_seeds():
    scheduler = NoiseScheduler(1000)
    times = scheduler.timesteps(10)
    assert times[0] == 999 and times[-1] == 0 and len(times) == 10
    assert np.all(np.diff(times) < 0)
    assert list(scheduler.timesteps(1)) == [999]

    def denoise(x_t, t):
        return 0.5 * x_t

    a = scheduler.sample(denoise, (3, 2), seed=4, steps=5, eta=0.5)
    b = scheduler.sample(denoise, (3, 2), seed=4, steps=5, eta=0.5)
    c = scheduler.sample(denoise, (3, 2), seed=5, steps=5, eta=0.5)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    final, states = scheduler.sample(denoise, (3, 2), seed=4, steps=5, eta=0.5, trajectory=True)
    assert states.shape == (5, 3, 2)
    np.testing.assert_array_equal(final, a)


@pytest.mark.parametrize("kwargs, match", [
    ({"train_steps": 1}, "train_steps"),
    ({"schedule": "sigmoid"}, "schedule"),
    ({"prediction": "x0"}, "prediction"),
])
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NoiseScheduler(**kwargs)


def test_bad_sampling_arguments():
    scheduler = NoiseScheduler(100)
    with pytest.raises(ValueError, match="steps"):
        scheduler.timesteps(0)
    with pytest.raises(ValueError, match="steps"):
        scheduler.timesteps(101)
    with pytest.raises(ValueError, match="eta"):
        scheduler.sample(lambda x, t: x, (2, 2), eta=2.0)
