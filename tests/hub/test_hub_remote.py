"""Preset folders over HTTP: save -> serve on 127.0.0.1 -> load by URL, cached, verified.

A real `http.server` in a thread serves a folder written by `save_preset`.
The model loaded from its URL must give the same outputs as the original,
live in `AEZOO_CACHE`, load again with the server stopped, and a tampered
`model.keras` behind the URL must be refused naming sha256 with nothing kept.
"""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from hub_server import cache_files, serve

import zoo
from zoo.hub import folder as preset_folder
from zoo.hub import remote


@pytest.fixture(scope="module")
def published(tmp_path_factory, digits):
    """`(model, www root, preset dict)`: a trained tiny AE saved as `www/tiny_ae/`."""
    x_train, _ = digits
    model = zoo.build("ae", input_shape=(8, 8, 1), latent_dim=4, backbone="mlp",
                      hidden_units=(16,))
    model.compile(optimizer="adam")
    model.fit(x_train[:256], epochs=1, batch_size=64, verbose=0)
    www = tmp_path_factory.mktemp("www")
    preset = preset_folder.save_preset(model, www / "tiny_ae", recipe="tests/hub fixture",
                                       metrics={"note": 1.0})
    return model, www, preset


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv(remote.CACHE_ENV, str(path))
    return path


def test_url_round_trip_is_cached_and_loads_offline(published, cache, digits):
    model, www, preset = published
    x = digits[1][:16]
    with serve(www) as base:
        url = f"{base}/tiny_ae"
        lines = []
        loaded = remote.load_url(url, sha256=preset["sha256"], progress=lines.append)
        by_zoo_load = zoo.load(url, sha256=preset["sha256"])  # the public entry point
    np.testing.assert_array_equal(np.asarray(loaded.reconstruct(x)),
                                  np.asarray(model.reconstruct(x)))
    np.testing.assert_array_equal(np.asarray(loaded.encode(x)), np.asarray(model.encode(x)))
    np.testing.assert_array_equal(np.asarray(by_zoo_load.reconstruct(x)),
                                  np.asarray(model.reconstruct(x)))
    assert any("model.keras" in line for line in lines)  # progress was shown
    cached = remote.cache_path(url)
    assert cached.startswith(str(cache))
    assert sorted(os.listdir(cached)) == ["card.md", "figure.png", "model.keras", "preset.json"]
    assert preset_folder.sha256_file(os.path.join(cached, "model.keras")) == (
        preset["files"]["model.keras"]["sha256"])
    # The server is stopped: the same URL loads from the cache, without the network.
    again = remote.load_url(url, progress=False)
    np.testing.assert_array_equal(np.asarray(again.reconstruct(x)),
                                  np.asarray(model.reconstruct(x)))


def test_tampered_model_behind_the_url_is_refused_and_nothing_kept(published, cache,
                                                                   tmp_path):
    _, www, _ = published
    tampered = tmp_path / "www" / "tiny_ae"
    shutil.copytree(www / "tiny_ae", tampered)
    data = bytearray((tampered / "model.keras").read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped
    (tampered / "model.keras").write_bytes(bytes(data))
    with serve(tmp_path / "www") as base, pytest.raises(ValueError, match="sha256") as info:
        remote.fetch(f"{base}/tiny_ae", progress=False)
    assert "model.keras" in str(info.value) and "expected" in str(info.value)
    assert cache_files(cache) == []


def test_pinned_sha256_must_match(published, cache):
    _, www, preset = published
    wrong = "0" * 64
    with serve(www) as base, pytest.raises(ValueError, match="pinned"):
        remote.fetch(f"{base}/tiny_ae", sha256=wrong, progress=False)
    assert cache_files(cache) == []
    with serve(www) as base:
        assert remote.fetch(f"{base}/tiny_ae", sha256=preset["sha256"].upper(),
                            progress=False)["sha256"] == preset["sha256"]


def test_file_url_goes_through_the_same_checks(published, cache):
    _, www, preset = published
    url = (www / "tiny_ae").as_uri()
    fetched = remote.fetch(url + "/preset.json", progress=False)  # the folder or its preset.json
    assert fetched["folder"] == remote.cache_path(url)
    assert fetched["sha256"] == preset["sha256"]


def test_a_damaged_cache_entry_is_downloaded_again(published, cache):
    _, www, _ = published
    with serve(www) as base:
        url = f"{base}/tiny_ae"
        first = remote.fetch(url, progress=False)
        with open(os.path.join(first["folder"], "model.keras"), "r+b") as f:
            f.write(b"XX")
        second = remote.fetch(url, progress=False)
    preset_folder.read_preset(second["folder"])  # verified again: the damage is gone


def test_two_processes_loading_the_same_url_both_succeed(published, cache):
    _, www, preset = published
    code = ("import sys; from zoo.hub import remote; "
            "print(remote.fetch(sys.argv[1], progress=False)['sha256'])")
    with serve(www) as base:
        url = f"{base}/_/slow/tiny_ae"
        env = {**os.environ, remote.CACHE_ENV: str(cache)}
        processes = [subprocess.Popen([sys.executable, "-c", code, url], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(2)]
        results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], results
    assert [out.strip() for out, _ in results] == [preset["sha256"]] * 2
    # One verified entry, no temporaries left.
    assert cache_files(cache) == sorted(
        os.path.join("presets", os.path.basename(remote.cache_path(url)), name)
        for name in ("card.md", "figure.png", "model.keras", "preset.json"))
