"""Shared helpers of the export formats: names, tolerances, hashes, parity.

Nothing here imports TensorFlow, so `export.runtime` and `export.verify` on
ONNX and LiteRT artifacts run where TensorFlow is not installed.

Parity is measured as the maximum absolute difference between an artifact's
output and the Keras reference, divided by `max(1, max|reference|)`: an
absolute error for outputs of magnitude up to 1 (latents, pixels), a
relative one for larger outputs (per-example scores summed over every
pixel). The manifest records both the raw maximum absolute error and this
scaled error; tolerances apply to the scaled error.
"""

import hashlib
import importlib.metadata
import json
import os
import platform

import numpy as np

FORMATS = ("saved_model", "tflite", "onnx")
ENDPOINTS = ("encode", "decode", "reconstruct", "score")
QUANTIZE_MODES = (None, "float16", "dynamic", "int8")
MANIFEST = "manifest.json"
REFERENCE = "reference.npz"
SAVED_MODEL_DIR = "saved_model"
DEFAULT_OPSET = 17

# Scaled-error tolerances (module docstring), DESIGN §5.
TOLERANCES = {
    ("saved_model", None): 1e-6,
    ("onnx", None): 1e-5,
    ("tflite", None): 1e-4,
    ("tflite", "float16"): 1e-3,
    ("tflite", "dynamic"): 1e-2,
}
ONNX_RECURRENT_TOLERANCE = 1e-4
# int8 is judged by what it does to reconstructions, not by elementwise error.
INT8_MAX_LOSS_INCREASE = 0.05
INT8_MIN_CODE_AGREEMENT = 0.95
# Batches every artifact is checked on: the whole fixed-seed batch, one
# example, and seven examples (a size no converter specializes for).
REFERENCE_BATCH = 16
CHECK_BATCHES = {"batch16": slice(0, 16), "batch1": slice(0, 1), "batch7": slice(8, 15)}

VERSION_PACKAGES = ("aezoo", "tensorflow", "keras", "tf2onnx", "onnx", "onnxruntime",
                    "ai-edge-litert", "numpy")


def check_choices(name, values, choices):
    """Returns `values` as a tuple without duplicates, or raises on an unknown one."""
    if isinstance(values, str):
        values = (values,)
    try:
        values = tuple(dict.fromkeys(values))
    except TypeError:
        raise TypeError(
            f"`{name}` must be a sequence of names from {list(choices)}. "
            f"Received: {name}={values!r}"
        ) from None
    unknown = [v for v in values if v not in choices]
    if unknown or not values:
        raise ValueError(
            f"`{name}` must be a non-empty selection of {list(choices)}. "
            f"Received: {name}={values!r}"
        )
    return values


def check_quantize(quantize):
    """Returns `quantize`, or raises if it is not a known mode."""
    if quantize not in QUANTIZE_MODES:
        raise ValueError(
            f"`quantize` must be one of {list(QUANTIZE_MODES)}. Received: quantize={quantize!r}"
        )
    return quantize


def tolerance(fmt, quantize, recurrent=False):
    """Scaled-error tolerance of a format and quantization; None for int8 (judged otherwise)."""
    if quantize == "int8":
        return None
    if fmt == "onnx" and recurrent:
        return ONNX_RECURRENT_TOLERANCE
    return TOLERANCES[(fmt, quantize if fmt == "tflite" else None)]


def sha256(path):
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_table(root, skip=(MANIFEST,)):
    """{relative path: {"sha256", "bytes"}} for every file under `root`."""
    table = {}
    for folder, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if rel in skip:
                continue
            table[rel] = {"sha256": sha256(path), "bytes": os.path.getsize(path)}
    return table


def artifact_bytes(root, artifact_file, files):
    """Total bytes of an artifact (a file, or every file of a folder)."""
    prefix = artifact_file.rstrip("/") + "/"
    return sum(v["bytes"] for k, v in files.items() if k == artifact_file or k.startswith(prefix))


def versions():
    """Installed versions of the packages an export depends on."""
    found = {"python": platform.python_version()}
    for package in VERSION_PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = None
    return found


def read_manifest(out_dir):
    """Returns the parsed `manifest.json` of an export folder."""
    path = os.path.join(out_dir, MANIFEST)
    if not os.path.isdir(out_dir):
        raise FileNotFoundError(f"No export folder at {out_dir}. Received: out_dir={out_dir!r}")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{out_dir} has no {MANIFEST}: not an aezoo export. Received: out_dir={out_dir!r}"
        )
    with open(path) as f:
        try:
            manifest = json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error}): the export is damaged; "
                             f"export again. Received: out_dir={out_dir!r}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts"), list):
        raise ValueError(f"{path} lists no artifacts: not an aezoo export manifest. "
                         f"Received: out_dir={out_dir!r}")
    return manifest


def write_json(path, payload):
    with open(path, "w") as f:
        json.dump(payload, f, indent=2, sort_keys=False)
        f.write("\n")


# ------------------------------------------------------------------ parity


def reference_key(endpoint, name, label="batch16"):
    """Key of an endpoint's input or output in `reference.npz` (Keras run at `label`'s size)."""
    return f"{endpoint}/{name}" if label == "batch16" else f"{endpoint}/{name}@{label}"


def elementwise_error(output, reference):
    """(max absolute error, scaled error) of `output` against `reference`."""
    output = np.asarray(output, np.float64)
    reference = np.asarray(reference, np.float64)
    if output.shape != reference.shape:
        return float("inf"), float("inf")
    if output.size == 0:
        return 0.0, 0.0
    max_abs = float(np.max(np.abs(output - reference)))
    return max_abs, max_abs / max(1.0, float(np.max(np.abs(reference))))


def judge_batch(artifact, outputs, reference, data, decode_fp32=None):
    """Compares one batch of an artifact's outputs with the Keras reference.

    Args:
        artifact: dict. The artifact's manifest entry.
        outputs: dict. Output name -> numpy array from the runtime.
        reference: dict. Output name -> Keras reference array (same rows).
        data: numpy array. The examples `x` behind the batch, for the
            reconstruction loss of int8 artifacts.
        decode_fp32: callable or None. Float decoder of latents, to judge an
            int8 `encode` by the reconstruction it leads to.

    Returns:
        A dict of measured errors with `"passed"`.
    """
    result = {"outputs": {}}
    passed = True
    tol = artifact["tolerance"]
    for name, expected in reference.items():
        if name not in outputs:
            result["outputs"][name] = {"missing": True}
            passed = False
            continue
        got = np.asarray(outputs[name])
        entry = {}
        if got.shape != expected.shape:
            entry["shape"] = list(got.shape)
            passed = False
        elif np.issubdtype(expected.dtype, np.integer):
            agreement = float(np.mean(got == expected)) if expected.size else 1.0
            entry["code_agreement"] = agreement
            minimum = 1.0 if tol is not None else INT8_MIN_CODE_AGREEMENT
            passed &= agreement >= minimum
        else:
            entry["max_abs_error"], entry["scaled_error"] = elementwise_error(got, expected)
            if tol is not None:
                passed &= entry["scaled_error"] <= tol
        result["outputs"][name] = entry
    if tol is None and passed:
        increase = int8_loss_increase(artifact["endpoint"], outputs, reference, data, decode_fp32)
        if increase is not None:
            result["loss_increase"] = increase
            passed &= increase <= INT8_MAX_LOSS_INCREASE
        else:
            result["loss_check"] = "skipped: no float32 decoder in the export"
    result["passed"] = bool(passed)
    return result


def _mse(a, b):
    return float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))


def int8_loss_increase(endpoint, outputs, reference, data, decode_fp32=None):
    """Relative increase of the reconstruction loss caused by an int8 artifact.

    `reconstruct` and `decode`: MSE to the data, artifact over Keras, minus 1.
    `score` (itself a reconstruction loss): |mean score ratio - 1|.
    `encode`: MSE of the float decoder's reconstruction of the artifact's
    latents over that of Keras' latents, minus 1 (None without a decoder).
    """
    if endpoint in ("reconstruct", "decode"):
        return _mse(outputs["reconstruction"], data) / max(
            _mse(reference["reconstruction"], data), 1e-12) - 1.0
    if endpoint == "score":
        return abs(float(np.mean(outputs["score"])) / max(
            float(np.mean(reference["score"])), 1e-12) - 1.0)
    if endpoint == "encode" and decode_fp32 is not None:
        return _mse(decode_fp32(np.asarray(outputs["z"], np.float32)), data) / max(
            _mse(decode_fp32(np.asarray(reference["z"], np.float32)), data), 1e-12) - 1.0
    return None


def summarize(results):
    """Worst values over a list of `judge_batch` results."""
    worst = {"passed": all(r["passed"] for r in results)}
    for r in results:
        for name, entry in r["outputs"].items():
            for key, value in entry.items():
                if key in ("max_abs_error", "scaled_error", "batch_consistency_error"):
                    slot = worst.setdefault(name, {})
                    slot[key] = max(slot.get(key, 0.0), value)
                elif key == "code_agreement":
                    slot = worst.setdefault(name, {})
                    slot[key] = min(slot.get(key, 1.0), value)
                else:
                    worst.setdefault(name, {})[key] = value
        if "loss_increase" in r:
            worst["loss_increase"] = max(worst.get("loss_increase", -np.inf), r["loss_increase"])
    return worst


def check_artifacts(out_dir, manifest, load, progress=None, decode_fp32=None):
    """Runs every artifact of an export on the stored reference batches.

    Args:
        out_dir: str. The export folder (or its temporary build folder).
        manifest: dict. The export's manifest.
        load: callable. `load(artifact) -> runtime` (see `export.runtime`).
        progress: callable or None. Receives one line per artifact.
        decode_fp32: callable or None. Float decoder for int8 `encode`
            checks; defaults to a float32 `decode` artifact of the export.

    Returns:
        {artifact id: {"batch16": ..., "batch1": ..., "batch7": ..., "worst": ...}}.
    """
    with np.load(os.path.join(out_dir, REFERENCE)) as stored:
        reference = {k: stored[k] for k in stored.files}
    data = reference["data"]
    decode_fp32 = decode_fp32 or _float_decoder(manifest, load)
    parity = {}
    for artifact in manifest["artifacts"]:
        endpoint = artifact["endpoint"]
        run = load(artifact)
        input_name = artifact["inputs"][0]["name"]
        inputs = reference[reference_key(endpoint, input_name)]
        results = {}
        whole = None
        for label, rows in CHECK_BATCHES.items():
            outputs = run.run_named(inputs[rows])
            if whole is None:
                whole = outputs
            if artifact["tolerance"] is None and label != "batch16":
                # int8 is judged once, on the whole batch (a loss ratio over one
                # example is noise); smaller batches must reproduce its rows.
                results[label] = batch_consistency(outputs, whole, rows)
                continue
            expected = {o["name"]: reference[reference_key(endpoint, o["name"], label)]
                        for o in artifact["outputs"]}
            results[label] = judge_batch(artifact, outputs, expected, data[rows], decode_fp32)
        results["worst"] = summarize(list(results.values()))
        parity[artifact["id"]] = results
        if progress is not None:
            progress(describe_parity(artifact, results["worst"]))
    return parity


def batch_consistency(outputs, whole, rows, tol=1e-5):
    """Checks that a sub-batch gives the same rows as the whole batch."""
    result = {"outputs": {}}
    passed = True
    for name, got in outputs.items():
        _, scaled = elementwise_error(got, whole[name][rows])
        result["outputs"][name] = {"batch_consistency_error": scaled}
        passed &= scaled <= tol
    result["passed"] = bool(passed)
    return result


def _float_decoder(manifest, load):
    """A float32 `decode` runtime from the same export, for int8 `encode` checks."""
    for fmt in ("onnx", "saved_model", "tflite"):
        for artifact in manifest["artifacts"]:
            if (artifact["endpoint"] == "decode" and artifact["format"] == fmt
                    and artifact["quantization"]["mode"] is None):
                run = load(artifact)
                return lambda z, run=run: run.run_named(z)["reconstruction"]
    return None


def describe_parity(artifact, worst):
    """One progress line for an artifact's parity."""
    parts = []
    for name, entry in worst.items():
        if not isinstance(entry, dict):
            continue
        if "scaled_error" in entry:
            parts.append(f"{name} err {entry['scaled_error']:.2e}")
        if "code_agreement" in entry:
            parts.append(f"{name} agree {entry['code_agreement']:.3f}")
    if "loss_increase" in worst:
        parts.append(f"loss {100 * worst['loss_increase']:+.2f}%")
    tol = artifact["tolerance"]
    limit = f"tol {tol:.0e}" if tol is not None else "int8 rules"
    status = "ok" if worst["passed"] else "FAILED"
    return f"  {artifact['id']:<28} {status:<6} {', '.join(parts)} ({limit})"
