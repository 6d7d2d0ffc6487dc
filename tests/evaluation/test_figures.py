"""Each figure writes a readable, non-blank PNG; bad inputs raise ValueError."""

import matplotlib.image
import numpy as np
import pytest

import zoo
from zoo.evaluation import figures


@pytest.fixture(scope="module")
def data():
    x, y = zoo.datasets.load("digits", "test")
    return x[:120], y[:120]


@pytest.fixture(scope="module")
def small_ae():
    return zoo.build("ae", input_shape=(8, 8, 1), latent_dim=4, hidden_units=(16,))


def _check_png(path, min_width=100):
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[1] >= min_width
    assert image[..., :3].std() > 0.01  # something was drawn
    return image


def test_reconstruction_and_sample_grids(tmp_path, data):
    x = data[0]
    path = figures.reconstruction_grid(tmp_path / "r.png", x[:6], 1 - x[:6], n=6, title="t")
    _check_png(path)
    _check_png(figures.sample_grid(tmp_path / "s.png", x[:10], columns=4))
    sequences = np.sin(np.linspace(0, 6, 64))[None, :, None].repeat(3, 0)
    _check_png(figures.reconstruction_grid(tmp_path / "q.png", sequences, sequences * 0.5))
    with pytest.raises(ValueError, match="one shape"):
        figures.reconstruction_grid(tmp_path / "bad.png", x[:4], x[:3])


def test_latent_map_pca_and_tsne(tmp_path, data):
    x, y = data
    _check_png(figures.latent_map(tmp_path / "m.png", x.reshape(len(x), -1), y))
    projected = figures.projected_codes(x.reshape(len(x), -1), "pca")
    assert projected.shape == (len(x), 2)
    with pytest.raises(ValueError, match="one label per code"):
        figures.latent_map(tmp_path / "bad.png", x.reshape(len(x), -1), y[:10])
    with pytest.raises(ValueError, match="method"):
        figures.projected_codes(x.reshape(len(x), -1), "isomap")


@pytest.mark.slow
def test_latent_map_umap_separates_digit_classes(tmp_path):
    x, y = zoo.datasets.load("digits", "train")
    flat = x.reshape(len(x), -1)[:400]
    points = figures.projected_codes(flat, "umap")
    assert points.shape == (len(flat), 2)
    # Same-class neighbours in the map: far above the 10% of a random layout.
    from sklearn.neighbors import KNeighborsClassifier

    accuracy = KNeighborsClassifier(5).fit(points[:300], y[:300]).score(points[300:], y[300:400])
    assert accuracy > 0.6
    _check_png(figures.latent_map(tmp_path / "u.png", flat, y[:400], methods=("pca", "umap")))


def test_interpolation_ends_are_the_reconstructions(tmp_path, data, small_ae):
    x = data[0]
    path_images = figures.interpolated_decodings(small_ae, x[0], x[1], steps=5)
    assert path_images.shape == (5, 8, 8, 1)
    ends = np.asarray(small_ae.reconstruct(x[:2]))
    np.testing.assert_allclose(path_images[[0, -1]], ends, atol=1e-5)
    _check_png(figures.interpolation_strip(tmp_path / "i.png", small_ae, x[0], x[1]))


def test_training_curves_and_anomaly_roc(tmp_path):
    history = {"loss": [3.0, 2.0, 1.5], "val_loss": [3.2, 2.4, 2.0], "kl": [1, 2, 3]}
    _check_png(figures.training_curves(tmp_path / "c.png", history))
    with pytest.raises(ValueError, match="History"):
        figures.training_curves(tmp_path / "bad.png", {})
    rng = np.random.default_rng(0)
    labels = np.r_[np.zeros(80, int), np.ones(20, int)]
    scores = rng.normal(size=100) + 2 * labels
    _check_png(figures.anomaly_roc(tmp_path / "a.png", scores, labels))
    _check_png(figures.latent_size_curve(tmp_path / "l.png", [2, 4, 8], [3, 2, 1], [4, 3, 2]))
