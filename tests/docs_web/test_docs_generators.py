"""The page generators of scripts/build_docs.py, on the repository's real inputs.

Fast (no TensorFlow, no mkdocs): the gallery from saved_models/, the
benchmark pages from bench/results/, the browser's copy of an export's
reference arrays, and the demo's latent plane.
"""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build_docs():
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "scripts" / "build_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gallery_has_a_page_with_figure_and_card_for_every_preset(build_docs, tmp_path):
    names = build_docs.write_gallery(ROOT / "saved_models", tmp_path)
    with open(ROOT / "saved_models" / "manifest.json") as f:
        presets = json.load(f)["presets"]
    assert sorted(names) == sorted(presets)
    index = (tmp_path / "index.md").read_text()
    for name, entry in presets.items():
        assert f"[**{name}**]({name}/index.md)" in index
        page = (tmp_path / name / "index.md").read_text()
        assert page.startswith(f"# {name}\n")
        assert entry["recipe"] in page  # the card's recipe, verbatim
        assert "![" in page and "(figure.png)" in page
        assert (tmp_path / name / "figure.png").read_bytes() == \
            (ROOT / "saved_models" / name / "figure.png").read_bytes()


def test_gallery_refuses_a_preset_without_a_card(build_docs, tmp_path):
    saved = tmp_path / "saved_models"
    (saved / "lonely").mkdir(parents=True)
    (saved / "manifest.json").write_text(json.dumps({"presets": {"lonely": {"variant": "ae"}}}))
    with pytest.raises(ValueError, match="'lonely' has no card.md"):
        build_docs.write_gallery(saved, tmp_path / "out")


def test_headline_picks_the_first_metrics_in_order(build_docs):
    metrics = {"mse": 0.0104, "ratio_to_pca": 0.386, "linear_probe_accuracy": 0.924,
               "psnr": 19.8}
    assert build_docs.headline(metrics) == ["MSE/pixel 0.0104", "0.39x PCA", "linear probe 0.924"]
    assert build_docs.headline({"n_test": 1000}) == []


def test_bench_pages_cover_every_result_with_its_json(build_docs, tmp_path):
    names = build_docs.write_bench_pages(ROOT / "bench" / "results", tmp_path)
    results = sorted(p.stem for p in (ROOT / "bench" / "results").glob("*.md"))
    assert names == results
    index = (tmp_path / "index.md").read_text()
    for name in results:
        assert f"]({name}.md)" in index
        page = (tmp_path / f"{name}.md").read_text()
        assert page.startswith((ROOT / "bench" / "results" / f"{name}.md").read_text().rstrip())
        if (ROOT / "bench" / "results" / f"{name}.json").is_file():
            assert f"]({name}.json)" in page
    for extra in (ROOT / "bench" / "results").iterdir():  # JSON, figures a page may link
        if extra.suffix != ".md":
            assert (tmp_path / extra.name).read_bytes() == extra.read_bytes()


def test_reference_arrays_reach_the_browser_bit_for_bit(build_docs, tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"data": rng.random((16, 5, 3, 1), dtype=np.float32),
              "encode/codes": rng.integers(0, 64, (16, 7, 7), dtype=np.int64),
              "score/score@batch7": rng.random(7, dtype=np.float32),
              "odd": rng.random(3, dtype=np.float32)}
    np.savez(tmp_path / "reference.npz", **arrays)
    index = build_docs.reference_to_browser(tmp_path / "reference.npz", tmp_path)
    assert json.loads((tmp_path / "reference.json").read_text()) == index
    blob = (tmp_path / "reference.bin").read_bytes()
    for key, array in arrays.items():
        entry = index["entries"][key]
        assert entry["offset"] % 8 == 0  # a JS typed array needs an aligned offset
        dtype = np.dtype(entry["dtype"]).newbyteorder("<")
        got = np.frombuffer(blob, dtype, count=array.size, offset=entry["offset"])
        assert np.array_equal(got.reshape(entry["shape"]), array), key


def test_latent_plane_follows_the_two_principal_directions(build_docs):
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((8, 8)))[0]
    codes = (rng.standard_normal((2000, 1)) * 3.0 * basis[:, 0]
             + rng.standard_normal((2000, 1)) * 1.0 * basis[:, 1]
             + rng.standard_normal((2000, 8)) * 0.05 + 4.0)
    plane = build_docs.latent_plane(codes, spread=2.5)
    np.testing.assert_allclose(plane["mean"], codes.mean(axis=0))
    axes = np.asarray(plane["axes"])
    assert abs(axes[0] @ basis[:, 0]) > 0.999 and abs(axes[1] @ basis[:, 1]) > 0.999
    np.testing.assert_allclose(plane["extent"], [7.5, 2.5], rtol=0.06)
