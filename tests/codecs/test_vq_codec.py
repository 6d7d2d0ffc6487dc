"""The VQ codec: codes under the Transformer code prior, its numpy prior, what it refuses.

What every codec does (round trips, exports, bad bitstreams) runs for it through the
`preset_codec` fixture; this file holds what only the VQ family has.
"""

import json
import shutil

import numpy as np
import pytest

import zoo
import zoo.codecs
from zoo.codecs.transformer_prior import TransformerPrior
from zoo.codecs.vq_codec import VQCodec


@pytest.fixture(scope="module")
def vq():
    return zoo.codecs.load("vq_mnist")


def test_numpy_prior_matches_the_keras_prior(vq, digits):
    codes = vq.model.codes(digits[:8]).numpy().reshape(8, -1)
    keras_logits = vq.model.code_prior(codes.reshape((8,) + vq.grid), training=False)
    keras_logits = np.asarray(keras_logits).reshape(8, vq.prior.length, -1)
    np.testing.assert_allclose(vq.prior.logits(codes), keras_logits, atol=1e-4)


def test_codes_cost_their_prior_length_far_below_uniform(vq, digits):
    codes = np.concatenate([vq.codes(x) for x in digits])
    ideal = vq.prior.bits(codes) / 8
    payload = np.array([len(vq.compress(x)) - 8 for x in digits])  # 8 header bytes
    # ANS: within a 32-bit word of the ideal length; the prior at least 40% below the
    # 49 x 6 bits (36.75 bytes) of uniform codes, which is what bits_per_image counted.
    assert np.all(payload <= ideal + 4) and np.all(payload >= ideal - 1), (payload, ideal)
    uniform = vq.prior.length * np.log2(vq.prior.num_embeddings) / 8
    assert payload.mean() < 0.6 * uniform, payload.mean()


def test_decoded_codes_are_the_encoded_codes(vq, digits):
    # The decoded image is the VQ-VAE's own reconstruction: the codes came back exactly.
    for x in digits[:5]:
        restored = vq.decompress(vq.compress(x))
        expected = np.clip(np.asarray(vq.model.reconstruct(x[None]))[0], 0, 1)  # codec clips
        np.testing.assert_allclose(restored, expected, atol=1e-5)
    grids = np.concatenate([vq.codes(x) for x in digits[:6]])
    assert np.array_equal(vq.prior.decode(vq.prior.encode(grids), len(grids)), grids)


def test_prior_weights_round_trip_through_arrays(vq, digits):
    copy = TransformerPrior({k: v.astype(np.float32) for k, v in vq.prior.arrays.items()})
    grids = np.concatenate([vq.codes(x) for x in digits[:3]])
    assert copy.encode(grids) == vq.prior.encode(grids)


def test_saved_codec_of_an_own_model_and_a_pinned_model(vq, digits, tmp_path):
    own = VQCodec.from_model(vq.model, "my_vq")
    own.save(str(tmp_path / "own"))
    assert (tmp_path / "own" / "model.keras").exists()
    loaded = zoo.codecs.load(str(tmp_path / "own"))
    assert loaded.compress(digits[0]) == own.compress(digits[0])
    # A folder naming a preset pins its sha256: another model behind the name is refused.
    shutil.copytree(tmp_path / "own", tmp_path / "pinned")
    config = json.loads((tmp_path / "pinned" / "codec.json").read_text())
    (tmp_path / "pinned" / "model.keras").unlink()
    config.update(model="vq_vae_conv_mnist", model_sha256="0" * 64)
    (tmp_path / "pinned" / "codec.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="sha256"):
        zoo.codecs.load(str(tmp_path / "pinned"))


def test_models_without_codes_or_transformer_prior_are_refused():
    with pytest.raises(ValueError, match="integer codes"):
        VQCodec.from_model(zoo.load("ae_conv_mnist"), "ae")
    pixelcnn = zoo.build("vq_vae", backbone="conv", input_shape=(28, 28, 1), latent_dim=8,
                         filters=(8, 16), num_embeddings=16)
    with pytest.raises(ValueError, match="Transformer code prior"):
        VQCodec.from_model(pixelcnn, "pixelcnn")
