"""The preset folder format: what `save_preset` writes and what reading it checks."""

import json
import os

import numpy as np
import pytest

import zoo
from zoo.hub import folder as preset_folder


@pytest.fixture(scope="module")
def saved(tmp_path_factory, digits):
    """`(model, folder, preset)` of a tiny trained AE saved with save_preset."""
    model = zoo.build("vae", input_shape=(8, 8, 1), latent_dim=3, backbone="mlp",
                      hidden_units=(16,))
    model.compile(optimizer="adam")
    model.fit(digits[0][:256], epochs=1, batch_size=64, verbose=0)
    folder = tmp_path_factory.mktemp("presets") / "tiny_vae"
    preset = preset_folder.save_preset(model, folder, dataset="digits",
                                       metrics={"mse": 0.05})
    return model, folder, preset


def test_save_preset_writes_a_self_contained_checked_folder(saved, digits):
    model, folder, preset = saved
    assert sorted(os.listdir(folder)) == ["card.md", "figure.png", "model.keras", "preset.json"]
    on_disk = json.loads((folder / "preset.json").read_text())
    assert on_disk["name"] == "tiny_vae" and on_disk["variant"] == "vae"
    assert on_disk["backbone"] == "mlp" and on_disk["input_shape"] == [8, 8, 1]
    assert on_disk["latent_shape"] == [3] and on_disk["metrics"] == {"mse": 0.05}
    for name, entry in on_disk["files"].items():
        assert entry["bytes"] == os.path.getsize(folder / name)
        assert entry["sha256"] == preset_folder.sha256_file(folder / name)
    assert preset["sha256"] == preset_folder.sha256_file(folder / "preset.json")
    card = (folder / "card.md").read_text()
    assert "# tiny_vae" in card and "figure.png" in card and "| mse | 0.05 |" in card
    assert (folder / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    x = digits[1][:8]
    loaded = preset_folder.load_folder(folder, sha256=preset["sha256"])
    np.testing.assert_array_equal(np.asarray(loaded.encode(x)), np.asarray(model.encode(x)))


def test_existing_folder_is_refused_without_overwrite(saved):
    model, folder, _ = saved
    before = (folder / "preset.json").read_bytes()
    with pytest.raises(FileExistsError, match="overwrite"):
        preset_folder.save_preset(model, folder)
    assert (folder / "preset.json").read_bytes() == before


def test_a_changed_file_is_refused_naming_it_and_both_hashes(saved, tmp_path):
    _, folder, preset = saved
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in os.listdir(folder):
        (copy / name).write_bytes((folder / name).read_bytes())
    (copy / "card.md").write_text((copy / "card.md").read_text().replace("tiny", "tinY"))
    with pytest.raises(ValueError, match="card.md") as info:
        preset_folder.read_preset(copy)
    assert preset["files"]["card.md"]["sha256"] in str(info.value)
    assert preset_folder.sha256_file(copy / "card.md") in str(info.value)


@pytest.mark.parametrize("change,fragment", [
    (lambda p: p.pop("files"), "lacks required fields ['files']"),
    (lambda p: p.pop("latent_shape"), "lacks required fields ['latent_shape']"),
    (lambda p: p.update(input_shape="28x28"), "`input_shape` must be list"),
    (lambda p: p.update(format="other"), "not an aezoo preset"),
    (lambda p: p["files"].update({"../evil.py": {"sha256": "0" * 64, "bytes": 1}}), "'..'"),
    (lambda p: p["files"].update({"/etc/passwd": {"sha256": "0" * 64, "bytes": 1}}), "absolute"),
    (lambda p: p["files"].update({"sub/x.bin": {"sha256": "0" * 64, "bytes": 1}}), "plain name"),
    (lambda p: p["files"]["card.md"].update(sha256="abc"), "64 hexadecimal digits"),
    (lambda p: p["files"]["card.md"].update(bytes=-1), "bytes must be an integer"),
    (lambda p: p["files"].pop("model.keras"), "does not list model.keras"),
])
def test_parse_preset_refuses_bad_metadata(saved, change, fragment):
    _, folder, _ = saved
    preset = json.loads((folder / "preset.json").read_text())
    change(preset)
    with pytest.raises(ValueError) as info:
        preset_folder.parse_preset(json.dumps(preset).encode(), "x/preset.json")
    assert fragment in str(info.value) and "x/preset.json" in str(info.value)


def test_keras_model_needs_variant_and_backbone(tmp_path):
    import keras

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match="variant="):
        preset_folder.save_preset(model, tmp_path / "plain")
    assert not (tmp_path / "plain").exists()
    data = np.random.default_rng(0).random((4, 4), dtype=np.float32)
    preset = preset_folder.save_preset(model, tmp_path / "plain", variant="classifier",
                                       backbone="dense", data=data)
    assert preset["input_shape"] == [4] and preset["latent_shape"] == [2]
