"""The exported ONNX models in a real browser equal Keras (`make test-browser`).

Serves the built site (`make docs`) from 127.0.0.1, drives Debian's chromium
with playwright-core (`tests/docs_web/browser_driver.mjs`), and checks:

- the parity page: every ONNX endpoint of every exported preset, run by
  onnxruntime-web on the reference batches that `export.export_model` wrote
  (`reference.npz`, batches 16, 1 and 7), within the artifact's ONNX
  tolerance (1e-5; 1e-4 recurrent) of the Keras outputs stored there;
- the demo page: a digit drawn with the mouse, then a walk over the latent
  plane; the browser's code, reconstruction, score and decodings are
  recomputed with the Keras preset on the same inputs;
- screenshots, saved to `build/test-browser/`.
"""

import base64
import functools
import http.server
import json
import os
import pathlib
import shutil
import subprocess
import threading

import numpy as np
import pytest

pytestmark = pytest.mark.site

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
MODELS = SITE / "demo" / "models"
SCREENSHOTS = ROOT / "build" / "test-browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ONNX_TOLERANCE = 1e-5


def scaled_error(got, expected):
    """The export's parity measure: max|got - expected| / max(1, max|expected|)."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    return float(np.max(np.abs(got - expected))) / max(1.0, float(np.max(np.abs(expected))))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript",
                      ".js": "text/javascript", ".onnx": "application/octet-stream"}

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser_run():
    for needed, how in ((MODELS / "models.json", "make docs"),
                        (ROOT / "node_modules" / "playwright-core", "npm install --ignore-scripts"),
                        (pathlib.Path(CHROMIUM), "apt-get install chromium")):
        if not needed.exists():
            pytest.fail(f"{needed} is missing: run `{how}` first")
    node = shutil.which("node")
    assert node, "node is not on PATH"
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result = subprocess.run([node, str(ROOT / "tests" / "docs_web" / "browser_driver.mjs"),
                                 url, str(SCREENSHOTS)], cwd=ROOT, capture_output=True,
                                text=True, timeout=420)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(result.stdout.strip())
    with open(SCREENSHOTS / "results.json") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def index():
    with open(MODELS / "models.json") as f:
        return json.load(f)


def _decode(entry):
    return np.frombuffer(base64.b64decode(entry["data"]), dtype=np.dtype(entry["dtype"])
                         .newbyteorder("<")).reshape(entry["dims"])


def test_pages_load_without_errors(browser_run):
    assert browser_run["pageErrors"] == []
    assert browser_run["console"] == []
    assert browser_run["failedRequests"] == []
    assert browser_run["parity"]["error"] is None
    assert browser_run["demoError"] is None
    assert browser_run["katexNodes"] > 10  # math typeset offline by the vendored KaTeX


def test_every_onnx_output_in_the_browser_equals_keras(browser_run, index):
    results = {(r["preset"], r["endpoint"], r["label"], r["output"]): r
               for r in browser_run["parity"]["results"]}
    checked, worst = 0, {}
    for preset in index["presets"]:
        folder = MODELS / preset["name"]
        with np.load(folder / "reference.npz") as stored:
            reference = {k: stored[k] for k in stored.files}
        for artifact in preset["artifacts"]:
            # The tolerance the export itself applied to this ONNX file.
            assert artifact["tolerance"] == (1e-4 if preset["recurrent"] else ONNX_TOLERANCE)
            for label in preset["check_batches"]:
                for output in artifact["outputs"]:
                    name = output["name"]
                    result = results.get((preset["name"], artifact["endpoint"], label, name))
                    assert result is not None and not result.get("missing"), \
                        (preset["name"], artifact["endpoint"], label, name)
                    key = f"{artifact['endpoint']}/{name}"
                    expected = reference[key if label == "batch16" else f"{key}@{label}"]
                    got = _decode(result)
                    assert got.shape == expected.shape
                    if np.issubdtype(expected.dtype, np.integer):
                        assert np.array_equal(got, expected), (preset["name"], key, label)
                    else:
                        error = scaled_error(got, expected)
                        assert error <= artifact["tolerance"], (preset["name"], key, label, error)
                        worst[preset["name"]] = max(worst.get(preset["name"], 0.0), error)
                    assert result["passed"]  # the page's own verdict agrees
                    checked += 1
    print(f"{checked} outputs of {len(index['presets'])} presets; worst scaled error per "
          f"preset: { {k: f'{v:.1e}' for k, v in worst.items()} }")
    for failed in index["export_failed"]:
        print(f"not in the browser: {failed['name']}: {failed['reason']}")
    # Every autoencoder preset is either checked here or was refused by export_model itself.
    with open(ROOT / "saved_models" / "manifest.json") as f:
        manifest = json.load(f)["presets"]
    autoencoders = {name for name, entry in manifest.items() if entry.get("latent_dim")}
    covered = {p["name"] for p in index["presets"]} | {f["name"] for f in index["export_failed"]}
    assert autoencoders <= covered
    assert all("failed its checks" in f["reason"] for f in index["export_failed"])
    assert len(index["presets"]) >= 8
    assert checked >= 8 * 4 * 3


def test_the_demo_equals_keras_on_a_drawn_digit_and_the_latent_walk(browser_run):
    import zoo

    drawn = browser_run["drawn"]
    x = np.asarray(drawn["input"], np.float32).reshape(1, 28, 28, 1)
    assert x.sum() > 30 and (x > 0.5).sum() > 30  # the mouse strokes made ink
    model = zoo.load(drawn["preset"])
    z = np.asarray(drawn["encode"]["z"]["data"]).reshape(drawn["encode"]["z"]["dims"])
    reconstruction = np.asarray(drawn["reconstruct"]["data"]).reshape(drawn["reconstruct"]["dims"])
    errors = {"encode": scaled_error(z, model.encode(x)),
              "reconstruct": scaled_error(reconstruction, model.reconstruct(x)),
              "score": scaled_error(drawn["score"]["data"], model.score(x))}

    grid = browser_run["demoLoad"]["grid"]
    assert grid["preset"] == drawn["preset"] and grid["dims"][0] == 81
    codes = np.asarray(grid["z"], np.float32).reshape(grid["dims"])
    decoded = np.asarray(grid["reconstruction"]["data"]).reshape(grid["reconstruction"]["dims"])
    errors["decode (9x9 grid)"] = scaled_error(decoded, model.decode(codes))
    assert np.std(decoded.reshape(81, -1).mean(axis=1)) > 0.001  # the grid is not one image

    walk = browser_run["walk"]
    code = np.asarray(walk["z"], np.float32).reshape(walk["dims"])
    assert np.linalg.norm(code - codes.mean(axis=0)) > 0.1  # the mouse moved off the centre
    decoded = np.asarray(walk["reconstruction"]["data"]).reshape(walk["reconstruction"]["dims"])
    errors["decode (walk)"] = scaled_error(decoded, model.decode(code))
    print(f"demo ({drawn['preset']}), browser vs Keras, scaled error: "
          f"{ {k: f'{v:.1e}' for k, v in errors.items()} }")
    assert max(errors.values()) <= ONNX_TOLERANCE, errors


@pytest.mark.parametrize("name", ["parity.png", "demo_test_digit.png", "demo_drawn.png",
                                  "demo_page.png", "elbo_page.png", "gallery_page.png",
                                  "notebook_page.png"])
def test_screenshots_are_saved_and_show_something(browser_run, name):
    from PIL import Image

    path = SCREENSHOTS / name
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("L"), np.float32)
    assert min(pixels.shape) >= 200
    assert pixels.std() > 10, f"{path} is (nearly) blank"
