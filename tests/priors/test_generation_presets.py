"""The generative presets sample through their learned priors, reproducibly and well."""

import numpy as np
import pytest

import zoo
from zoo import evaluation

MANIFEST = zoo.list_presets()


@pytest.mark.skipif("ldm_conv_mnist" not in MANIFEST, reason="ldm preset not trained")
def test_latent_diffusion_preset_beats_the_vae_prior_on_fid():
    ldm = zoo.load("ldm_conv_mnist")
    assert ldm.prior_kind == "diffusion" == zoo.preset_info("ldm_conv_mnist")["prior"]
    np.testing.assert_array_equal(np.asarray(ldm.sample(4, seed=7, steps=10)),
                                  np.asarray(ldm.sample(4, seed=7, steps=10)))
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    classifier = evaluation.default_mnist_classifier()
    ldm_fid = evaluation.mnist_classifier_fid(np.asarray(ldm.sample(300, seed=0, steps=25)),
                                              x_test, classifier)
    vae_fid = evaluation.mnist_classifier_fid(
        np.asarray(zoo.load("vae_conv_mnist").sample(300, seed=0)), x_test, classifier)
    # 300 samples: real train images score 4.8 to 9.3 here (small-sample bias).
    assert ldm_fid < 12.0
    assert ldm_fid < 0.5 * vae_fid


@pytest.mark.skipif("vq_vae_conv_mnist" not in MANIFEST, reason="vq preset not trained")
def test_vq_preset_names_its_code_prior():
    model = zoo.load("vq_vae_conv_mnist")
    assert model.prior_kind == zoo.preset_info("vq_vae_conv_mnist")["prior"]
    assert model.prior_kind in ("pixelcnn", "transformer")
