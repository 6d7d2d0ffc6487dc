"""`export_model` and `verify`: convert, run, compare, write a manifest.

TensorFlow is imported inside `export_model` only; `verify` imports it only
for SavedModel artifacts.
"""

import dataclasses
import os
import shutil
import tempfile

import numpy as np

from export import common, runtime
from export import endpoints as endpoints_module
from export.ops import artifact_ops


class ParityError(RuntimeError):
    """An artifact converted but does not reproduce the model within tolerance."""


class ConversionError(RuntimeError):
    """A converter (Keras export, LiteRT, tf2onnx) failed on an endpoint."""


def _converting(fmt, endpoint, convert, *args):
    """Runs one conversion; a converter failure becomes one `ConversionError` line."""
    try:
        return convert(*args)
    except (ValueError, TypeError, FileExistsError, PermissionError):
        raise
    except Exception as error:  # converters raise their own exception types
        text = str(error).strip().splitlines()
        raise ConversionError(f"Converting {endpoint!r} to {fmt} failed. Received: "
                              f"{type(error).__name__}: {text[0] if text else ''}") from error


@dataclasses.dataclass
class ExportReport:
    """What `export_model` wrote and measured.

    Attributes:
        out_dir: str. The export folder.
        manifest: dict. The content of `manifest.json`.
        passed: bool. True when every artifact met its parity rule.
    """

    out_dir: str
    manifest: dict
    passed: bool

    @property
    def artifacts(self):
        """Manifest entries of the artifacts, each with its `parity`."""
        return self.manifest["artifacts"]

    def failures(self):
        """Ids of the artifacts that failed their parity rule."""
        return [a["id"] for a in self.artifacts if not a["parity"]["worst"]["passed"]]


@dataclasses.dataclass
class VerifyReport:
    """What `verify` re-measured.

    Attributes:
        out_dir: str. The export folder.
        parity: dict. Artifact id -> per-batch results and `"worst"`.
        skipped: dict. Artifact id -> reason (e.g. TensorFlow not installed).
        passed: bool. True when hashes match and every checked artifact passed.
    """

    out_dir: str
    parity: dict
    skipped: dict
    passed: bool


def _check_model(model):
    from zoo.models.base import Autoencoder

    if not isinstance(model, Autoencoder):
        raise TypeError("export_model expects an aezoo Autoencoder (zoo.build or zoo.load). "
                        f"Received: model of type {type(model).__name__}")


def _reference_data(model, representative_data):
    """16 fixed examples: a seeded sample of the representative data, else seeded noise."""
    rng = np.random.default_rng(0)
    n = common.REFERENCE_BATCH
    if representative_data is not None:
        rows = rng.choice(len(representative_data), n, replace=len(representative_data) < n)
        return np.ascontiguousarray(representative_data[np.sort(rows)])
    return rng.uniform(0.0, 1.0, (n,) + tuple(model.data_shape)).astype(np.float32)


def _tensor_entry(name, shape, dtype):
    return {"name": name, "shape": [None if d is None else int(d) for d in shape],
            "dtype": str(np.dtype(dtype))}


def export_model(model, out_dir, formats=common.FORMATS, endpoints=common.ENDPOINTS,
                 quantize=None, representative_data=None, overwrite=False,
                 opset=common.DEFAULT_OPSET, metadata=None, strict=True, progress=None,
                 detector=None):
    """Exports a model's endpoints to SavedModel, LiteRT and ONNX, verified.

    Builds everything in a temporary sibling folder, runs every artifact in
    its own runtime on a fixed-seed batch (and its first example and seven
    more), compares each named output with Keras, writes `manifest.json` and
    `reference.npz`, and only then renames the folder to `out_dir`. A
    failure leaves nothing behind.

    Args:
        model: `zoo.models.base.Autoencoder`. The model to export.
        out_dir: str. Folder to create.
        formats: tuple of str. Any of `"saved_model"`, `"tflite"`, `"onnx"`.
            Defaults to all three.
        endpoints: tuple of str. Any of `"encode"`, `"decode"`,
            `"reconstruct"`, `"score"`. Defaults to all four.
        quantize: str or None. LiteRT quantization: `None` (float32),
            `"float16"`, `"dynamic"` or `"int8"`. SavedModel and ONNX stay
            float32. Defaults to `None`.
        representative_data: numpy array or None. Real examples shaped like
            the model's input; calibrates int8 (required then) and supplies
            the reference batch. Defaults to `None` (seeded uniform noise).
        overwrite: bool. Replace an existing `out_dir`. Defaults to `False`.
        opset: int. ONNX opset. Defaults to `17`.
        metadata: dict or None. Extra ONNX metadata and manifest fields,
            e.g. `{"preset": "vae_conv_mnist"}`.
        strict: bool. Raise `ParityError` (writing nothing) when an artifact
            misses its tolerance or holds a forbidden op. With `False`, the
            export is written and the failures recorded. Defaults to `True`.
        progress: callable or None. Receives one line per artifact.
        detector: dict or None. An anomaly detector's calibration (`threshold`,
            input `scaling`, ...; see `zoo.detectors.AnomalyDetector.export`),
            written to the manifest under `"detector"` so that
            `export.load_detector` flags anomalies without TensorFlow. Needs
            the `score` endpoint. Defaults to `None`.

    Returns:
        An `ExportReport`.

    Example:
    >>> report = export.export_model(m, "out/ae", formats=("tflite", "onnx"))
    >>> report.passed
    True
    """
    _check_model(model)
    formats = common.check_choices("formats", formats, common.FORMATS)
    endpoints = common.check_choices("endpoints", endpoints, common.ENDPOINTS)
    quantize = common.check_quantize(quantize)
    if detector is not None and ("score" not in endpoints or not isinstance(detector, dict)
                                 or "threshold" not in detector):
        raise ValueError("`detector` must be a dict with a `threshold`, exported with the "
                         f"'score' endpoint. Received: detector={detector!r}, "
                         f"endpoints={endpoints}")
    if quantize is not None and "tflite" not in formats:
        raise ValueError("`quantize` applies to LiteRT only: add 'tflite' to `formats`. "
                         f"Received: quantize={quantize!r}, formats={formats}")
    if quantize == "int8" and representative_data is None:
        raise ValueError("int8 quantization needs real examples to calibrate on: pass "
                         "`representative_data`. Received: representative_data=None")
    if representative_data is not None:
        from zoo import checks

        representative_data = checks.batch_array(representative_data, model.data_shape,
                                                 "export_model", "representative_data")
    from zoo import atomic

    target = atomic.check_writable_target(out_dir, overwrite)
    say = progress or (lambda line: None)

    from zoo import quiet

    tf = quiet.import_tensorflow()
    recurrent = endpoints_module.recurrent(model)
    if recurrent and quantize == "int8":
        # Not a Python error: TF 2.21's calibrator segfaults (in
        # calibrator._feed_tensors) on LSTM/GRU graphs, killing the process.
        raise ValueError("int8 LiteRT is not available for recurrent (LSTM/GRU) models: the "
                         "TensorFlow 2.21 calibrator crashes on them. Use quantize='dynamic' "
                         "or 'float16'. Received: quantize='int8' for a recurrent model")
    with atomic.atomic_directory(target, overwrite) as tmp:
        data = _reference_data(model, representative_data)
        references = {"data": data}
        inputs = {}
        eager_vs_graph = {}
        for endpoint in endpoints:
            name = endpoints_module.INPUT_NAMES[endpoint]
            if name == "x":
                inputs[endpoint] = data
            else:
                inputs[endpoint] = np.asarray(model.encode_tensor(tf.constant(data)), np.float32)
            references[common.reference_key(endpoint, name)] = inputs[endpoint]
            # The reference is the compiled endpoint, as Keras' `predict` runs it,
            # once per checked batch size: TF's own CPU kernels give an example
            # different float32 roundings at batch 1 and batch 16 (~1e-6 seen on
            # a conv AE), which is not an export error.
            compiled = endpoints_module.traced(model, endpoint)
            for label, rows in common.CHECK_BATCHES.items():
                outputs = compiled(tf.constant(inputs[endpoint][rows]))
                for out_name, value in outputs.items():
                    references[common.reference_key(endpoint, out_name, label)] = np.asarray(value)
            eager = endpoints_module.endpoint_function(model, endpoint)(
                tf.constant(inputs[endpoint]))
            for out_name, value in eager.items():
                eager_vs_graph[f"{endpoint}/{out_name}"] = common.elementwise_error(
                    np.asarray(value), references[common.reference_key(endpoint, out_name)])[1]
        np.savez(os.path.join(tmp, common.REFERENCE), **references)

        artifacts = []
        scratch = tempfile.mkdtemp(prefix="scratch-", dir=tmp)
        try:
            saved_model_dir = os.path.join(tmp if "saved_model" in formats else scratch,
                                           common.SAVED_MODEL_DIR)
            if "saved_model" in formats or "tflite" in formats:
                from export.saved_model import export_saved_model

                _converting("saved_model", ",".join(endpoints), export_saved_model, model,
                            saved_model_dir, endpoints)
                if "saved_model" in formats:
                    for endpoint in endpoints:
                        artifacts.append(_artifact("saved_model", endpoint, common.SAVED_MODEL_DIR,
                                                   references, None, recurrent, model))
                    say(f"  wrote {common.SAVED_MODEL_DIR}/ ({len(endpoints)} signatures)")
            if "tflite" in formats:
                from export.tflite import export_tflite, quantization_params

                source = saved_model_dir
                if recurrent:
                    # LSTM/GRU run on LiteRT builtins with a static batch only (DESIGN §9).
                    source = os.path.join(scratch, "saved_model_batch1")
                    _converting("saved_model (batch 1)", ",".join(endpoints),
                                export_saved_model, model, source, endpoints, 1)
                for endpoint in endpoints:
                    filename = f"{endpoint}.tflite"
                    calibration = None
                    if quantize == "int8":
                        calibration = representative_data
                        if endpoints_module.INPUT_NAMES[endpoint] == "z":
                            calibration = np.asarray(model.encode_tensor(
                                tf.constant(representative_data[:200])), np.float32)
                    _converting("tflite", endpoint, export_tflite, source,
                                os.path.join(tmp, filename), endpoint, quantize, calibration)
                    entry = _artifact("tflite", endpoint, filename, references, quantize,
                                      recurrent, model)
                    entry["static_batch"] = 1 if recurrent else None
                    if quantize is not None:
                        entry["quantization"]["io"] = quantization_params(
                            os.path.join(tmp, filename), endpoint)
                    artifacts.append(entry)
                    say(f"  wrote {filename} ({_size(os.path.join(tmp, filename))})")
            if "onnx" in formats:
                from export.onnx import export_onnx

                onnx_metadata = {**_model_metadata(model), **common.versions(),
                                 **{k: str(v) for k, v in (metadata or {}).items()}}
                onnx_metadata = {k: str(v) for k, v in onnx_metadata.items() if v is not None}
                for endpoint in endpoints:
                    filename = f"{endpoint}.onnx"
                    _converting("onnx", endpoint, export_onnx, model,
                                os.path.join(tmp, filename), endpoint, opset, onnx_metadata)
                    entry = _artifact("onnx", endpoint, filename, references, None, recurrent,
                                      model)
                    entry["opset"] = opset
                    artifacts.append(entry)
                    say(f"  wrote {filename} ({_size(os.path.join(tmp, filename))})")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

        files = common.file_table(tmp)
        for entry in artifacts:
            entry["bytes"] = common.artifact_bytes(tmp, entry["file"], files)
        manifest = {
            "format_version": 1,
            "model": {**_model_metadata(model), **(metadata or {})},
            "formats": list(formats),
            "endpoints": list(endpoints),
            "quantization": quantize,
            "recurrent": recurrent,
            "parity_rule": ("scaled error = max|artifact - keras| / max(1, max|keras|) <= "
                            "tolerance; int8: reconstruction-loss increase <= "
                            f"{common.INT8_MAX_LOSS_INCREASE:.0%} and code agreement >= "
                            f"{common.INT8_MIN_CODE_AGREEMENT:.0%}"),
            "keras_eager_vs_graph_scaled_error": eager_vs_graph,
            "check_batches": {k: [v.start, v.stop] for k, v in common.CHECK_BATCHES.items()},
            "reference": common.REFERENCE,
            "versions": common.versions(),
            "artifacts": artifacts,
            "files": files,
        }
        if detector is not None:
            manifest["detector"] = detector
        say("parity (scaled error vs Keras):")
        saved_models = {}
        parity = common.check_artifacts(
            tmp, manifest, lambda a: runtime.load_artifact(tmp, a, saved_models), progress=say,
            decode_fp32=lambda z: np.asarray(model.decode_tensor(tf.constant(z))))
        forbidden = {}
        for entry in artifacts:
            entry["parity"] = parity[entry["id"]]
            entry["ops"], found = artifact_ops(tmp, entry, saved_models)
            if found:
                forbidden[entry["id"]] = found
                entry["parity"]["worst"]["passed"] = False
                entry["forbidden_ops"] = found
        passed = all(a["parity"]["worst"]["passed"] for a in artifacts)
        manifest["passed"] = passed
        saved_models.clear()
        common.write_json(os.path.join(tmp, common.MANIFEST), manifest)
        report = ExportReport(out_dir=target, manifest=manifest, passed=passed)
        if strict and not passed:
            details = "; ".join(
                f"{a['id']}: {_failure_text(a)}" for a in artifacts
                if not a["parity"]["worst"]["passed"])
            raise ParityError(f"Export of {manifest['model']['name']} failed its checks, nothing "
                              f"written. Received: {details}")
    say(f"exported {len(artifacts)} artifacts to {target}")
    return report


def _failure_text(artifact):
    if artifact.get("forbidden_ops"):
        return "forbidden ops " + ", ".join(artifact["forbidden_ops"])
    worst = artifact["parity"]["worst"]
    parts = [f"{k}={v}" for k, v in worst.items() if k != "passed"]
    return f"{', '.join(parts)} (tolerance {artifact['tolerance']})"


def _size(path):
    size = os.path.getsize(path)
    return f"{size / 1024:.1f} kB" if size < 1 << 20 else f"{size / (1 << 20):.2f} MB"


def _model_metadata(model):
    return {
        "name": model.name,
        "variant": model.variant_name,
        "backbone": model.backbone,
        "data_shape": list(model.data_shape),
        "latent_shape": list(model.latent_shape()),
    }


def _artifact(fmt, endpoint, filename, references, quantize, recurrent, model):
    input_name = endpoints_module.INPUT_NAMES[endpoint]
    input_shape = (None,) + endpoints_module.input_shape(model, endpoint)
    outputs = []
    prefix = f"{endpoint}/"
    for key in sorted(references):
        if key.startswith(prefix) and key != prefix + input_name and "@" not in key:
            value = references[key]
            outputs.append(_tensor_entry(key[len(prefix):], (None,) + value.shape[1:],
                                         value.dtype))
    mode = quantize if fmt == "tflite" else None
    return {
        "id": f"{fmt}/{endpoint}",
        "format": fmt,
        "endpoint": endpoint,
        "file": filename,
        "inputs": [_tensor_entry(input_name, input_shape, np.float32)],
        "outputs": outputs,
        "quantization": {"mode": mode},
        "static_batch": None,
        "tolerance": common.tolerance(fmt, mode, recurrent),
    }


def verify(out_dir, progress=None):
    """Re-checks an export: file hashes, then parity of every artifact in its runtime.

    Runs without TensorFlow for ONNX and LiteRT artifacts; SavedModel
    artifacts are skipped (and reported) when TensorFlow is not installed.

    Args:
        out_dir: str. An export folder written by `export_model`.
        progress: callable or None. Receives one line per artifact.

    Returns:
        A `VerifyReport`.

    Example:
    >>> export.verify("out/vae").passed
    True
    """
    out_dir = os.path.abspath(os.fspath(out_dir))
    manifest = common.read_manifest(out_dir)
    say = progress or (lambda line: None)
    files = manifest.get("files", {})
    for rel, expected in files.items():
        path = os.path.join(out_dir, rel)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{out_dir} lacks {rel}, listed in its manifest. "
                                    f"Received: out_dir={out_dir!r}")
        if common.sha256(path) != expected["sha256"]:
            raise ValueError(f"{rel} in {out_dir} does not match its manifest sha256 (file "
                             f"changed). Received: out_dir={out_dir!r}")
    say(f"  {len(files)} files match their sha256")
    skipped = {}
    checked = []
    for artifact in manifest["artifacts"]:
        if artifact["format"] == "saved_model" and not _tensorflow_available():
            skipped[artifact["id"]] = "tensorflow is not installed"
            say(f"  {artifact['id']:<28} skipped (tensorflow is not installed)")
        else:
            checked.append(artifact)
    saved_models = {}
    parity = common.check_artifacts(
        out_dir, {**manifest, "artifacts": checked},
        lambda a: runtime.load_artifact(out_dir, a, saved_models), progress=say)
    passed = all(result["worst"]["passed"] for result in parity.values())
    return VerifyReport(out_dir=out_dir, parity=parity, skipped=skipped, passed=passed)


def _tensorflow_available():
    import importlib.util

    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        return False
