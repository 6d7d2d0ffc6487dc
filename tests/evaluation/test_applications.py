"""Applications end to end on real data, with tiny epochs; each beats or matches its baseline."""

import numpy as np
import pytest

import zoo
from zoo import applications


def test_one_class_split_holds_out_the_anomaly_digits():
    x_train, x_test, labels = applications.one_class_split((3, 8))
    _, y_train = zoo.datasets.load("mnist5k", "train")
    _, y_test = zoo.datasets.load("mnist5k", "test")
    assert len(x_train) == int(np.isin(y_train, (3, 8), invert=True).sum())
    np.testing.assert_array_equal(labels, np.isin(y_test, (3, 8)))
    assert len(x_test) == 1000
    for bad in (12, (), (-1,), 2.5):
        with pytest.raises(ValueError, match="anomaly_digits"):
            applications.one_class_split(bad)


def test_ecg_autoencoder_beats_pca(tmp_path):
    result = applications.ecg_anomaly_detection(backbone="mlp", epochs=8, out_dir=tmp_path)
    assert result["anomalous_windows"] > 0
    assert result["ae"]["auroc"] > result["pca"]["auroc"] + 0.1
    assert (tmp_path / "ecg_roc.png").exists()


def test_denoising_gains_psnr():
    result = applications.denoising(backbone="mlp", epochs=3, noise_level=0.4)
    assert result["psnr_gain"] > 3.0
    assert result["denoised_psnr"] > result["noisy_psnr"]


def test_feature_extraction_with_few_labels():
    result = applications.feature_extraction(latent_dim=32, epochs=3, labels_per_class=30)
    assert result["labelled_examples"] == 300
    for key in ("ae_probe_accuracy", "pca_probe_accuracy", "pixel_probe_accuracy"):
        assert 0.5 < result[key] <= 1.0, key


def test_dimensionality_reduction_trustworthiness(tmp_path):
    result = applications.dimensionality_reduction(latent_dim=2, epochs=3, out_dir=tmp_path)
    assert 0.5 < result["pca_trustworthiness"] <= 1.0
    assert result["ae_trustworthiness"] > result["pca_trustworthiness"]
    assert (tmp_path / "latent_map.png").exists()


@pytest.mark.slow
def test_compression_counts_bits():
    result = applications.compression(num_embeddings=32, latent_dim=8, epochs=2)
    assert result["positions"] == 49
    assert result["bits_per_image"] == pytest.approx(49 * 5)
    assert result["entropy_bits_per_image"] <= result["bits_per_image"] + 1e-9
    assert result["compression_ratio"] == pytest.approx(6272 / 245)
    assert result["mse"] < 0.06


@pytest.mark.slow
def test_generation_fid_above_the_real_data_floor():
    result = applications.generation(epochs=5, prior_epochs=2, n_samples=300)
    assert 0 <= result["train_fid"] < result["vae_fid"]
    assert result["train_fid"] < result["vq_vae_fid"]
