"""Export matrix: every variant x backbone x format, and LiteRT quantization on presets.

Part 1 (parity): each registered variant on each registered backbone, with
the backbone's default layers and latent 16, trained one short epoch on
mnist5k (images for mlp/conv; image rows as 28-step sequences for
recurrent), is exported to SavedModel, LiteRT and ONNX (all four endpoints)
and every artifact is run in its runtime on 16 test digits, then on 1 and 7
of them (Keras run at the same batch size). The table gives, per format, the
worst over endpoints, outputs and batches of the maximum absolute error and
of the scaled error (max abs / max(1, max|Keras|), the quantity the
tolerances bound), VQ code agreement, and the artifact size.

Part 2 (quantization): pretrained mnist presets exported to LiteRT fp32,
float16, dynamic and int8 (calibrated on 500 training digits): size relative
to fp32 and reconstruction MSE on 500 test digits through `load_runtime`,
against Keras.

Writes docs/export_matrix.json and docs/export_matrix.md.

Run: python -m bench.export_matrix [--quick] [--out docs]
"""

import argparse
import os
import shutil
import tempfile
import time

import numpy as np

from bench.common import markdown_table, write_results

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")
QUANT_PRESETS = ("ae_mlp_mnist", "ae_conv_mnist", "vae_conv_mnist", "vq_vae_conv_mnist")
MODES = (None, "float16", "dynamic", "int8")


def matrix_model(variant, backbone, x_train):
    import keras

    import zoo

    keras.utils.set_random_seed(0)
    model = zoo.build(variant, input_shape=x_train.shape[1:], latent_dim=16, backbone=backbone)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    model.fit(x_train[:1000], epochs=1, batch_size=64, verbose=0)
    return model


def worst_of(artifacts):
    """Worst errors over a format's artifacts (all endpoints, outputs, batches)."""
    row = {"max_abs_error": 0.0, "scaled_error": 0.0, "code_agreement": None, "passed": True}
    for artifact in artifacts:
        worst = artifact["parity"]["worst"]
        row["passed"] &= bool(worst["passed"])
        for entry in worst.values():
            if not isinstance(entry, dict):
                continue
            row["max_abs_error"] = max(row["max_abs_error"], entry.get("max_abs_error", 0.0))
            row["scaled_error"] = max(row["scaled_error"], entry.get("scaled_error", 0.0))
            if "code_agreement" in entry:
                previous = row["code_agreement"]
                value = entry["code_agreement"]
                row["code_agreement"] = value if previous is None else min(previous, value)
    return row


def parity_matrix(work, quick):
    import export
    import zoo

    x_train, _ = zoo.datasets.load("mnist5k", "train")
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    rows = []
    variants = zoo.list_models()
    backbones = zoo.list_backbones()
    if quick:
        variants = [v for v in variants if v in ("ae", "vq_vae")]
    for variant in variants:
        for backbone in backbones:
            train, test = (x_train, x_test) if backbone != "recurrent" else (
                x_train[..., 0], x_test[..., 0])
            started = time.perf_counter()
            model = matrix_model(variant, backbone, train)
            out = os.path.join(work, f"{variant}_{backbone}")
            report = export.export_model(model, out, representative_data=test[:64],
                                         strict=False)
            seconds = time.perf_counter() - started
            for fmt in export.FORMATS:
                artifacts = [a for a in report.artifacts if a["format"] == fmt]
                row = {"variant": variant, "backbone": backbone, "format": fmt,
                       **worst_of(artifacts),
                       "tolerance": artifacts[0]["tolerance"],
                       "bytes": sum(a["bytes"] for a in artifacts) if fmt != "saved_model"
                       else artifacts[0]["bytes"],
                       "static_batch": artifacts[0].get("static_batch"),
                       "ops": sorted({op for a in artifacts for op in a["ops"]})
                       if fmt != "saved_model" else None}
                rows.append(row)
            print(f"{variant}/{backbone}: {'ok' if report.passed else 'FAILED'} "
                  f"({seconds:.0f} s)", flush=True)
            shutil.rmtree(out, ignore_errors=True)
    return rows


def quantization_table(work, quick):
    import export
    import zoo

    presets = [p for p in QUANT_PRESETS if p in zoo.list_presets()]
    if quick:
        presets = presets[:1]
    rows = []
    for name in presets:
        info = zoo.preset_info(name)
        model = zoo.load(name)
        x_train, _ = zoo.datasets.load(info["dataset"], "train")
        x_test, _ = zoo.datasets.load(info["dataset"], "test")
        from zoo import datasets as datasets_module

        x_train = datasets_module.preprocessed(x_train, info.get("preprocessing", "none"))[:500]
        x_test = datasets_module.preprocessed(x_test, info.get("preprocessing", "none"))[:500]
        keras_reconstruction = np.asarray(model.reconstruct(x_test))
        keras_mse = float(np.mean((keras_reconstruction - x_test) ** 2))
        codes = (np.asarray(model.codes_tensor(x_test))
                 if zoo.models.has_capability(model, "discrete_codes") else None)
        fp32_bytes = None
        for mode in MODES:
            out = os.path.join(work, f"{name}_{mode}")
            report = export.export_model(model, out, formats=("tflite",), quantize=mode,
                                         representative_data=x_train, strict=False)
            size = os.path.getsize(os.path.join(out, "reconstruct.tflite"))
            fp32_bytes = fp32_bytes or size
            reconstruction = export.load_runtime(os.path.join(out, "reconstruct.tflite"))(x_test)
            mse = float(np.mean((reconstruction - x_test) ** 2))
            row = {"preset": name, "mode": mode or "fp32", "reconstruct_bytes": size,
                   "size_vs_fp32": size / fp32_bytes,
                   "total_bytes": sum(a["bytes"] for a in report.artifacts),
                   "mse": mse, "keras_mse": keras_mse, "mse_increase": mse / keras_mse - 1,
                   "max_abs_error_vs_keras": float(np.max(np.abs(reconstruction
                                                                 - keras_reconstruction))),
                   "passed": report.passed}
            if codes is not None:
                got = export.load_runtime(os.path.join(out, "encode.tflite"))(x_test)["codes"]
                row["code_agreement"] = float(np.mean(got == codes))
            rows.append(row)
            print(f"{name} {mode or 'fp32'}: {size / 1024:.1f} kB, MSE {mse:.5f} "
                  f"(Keras {keras_mse:.5f})", flush=True)
            shutil.rmtree(out, ignore_errors=True)
    return rows


def markdown(parity_rows, quant_rows):
    def fmt_rows(rows):
        out = []
        for r in rows:
            out.append({**r,
                        "max_abs_error": f"{r['max_abs_error']:.2e}",
                        "scaled_error": f"{r['scaled_error']:.2e}",
                        "tolerance": "int8 rules" if r["tolerance"] is None
                        else f"{r['tolerance']:.0e}",
                        "kb": f"{r['bytes'] / 1024:.1f}",
                        "codes": "" if r["code_agreement"] is None
                        else f"{r['code_agreement']:.3f}",
                        "batch": "1 (loop)" if r["static_batch"] else "dynamic",
                        "passed": "yes" if r["passed"] else "**no**"})
        return out

    parity_columns = [("variant", "variant"), ("backbone", "backbone"), ("format", "format"),
                      ("max_abs_error", "max abs error"), ("scaled_error", "scaled error"),
                      ("tolerance", "tolerance"), ("codes", "VQ code agreement"),
                      ("kb", "size (kB, 4 endpoints)"), ("batch", "batch"),
                      ("passed", "within tolerance")]
    quant = [{**r, "kb": f"{r['reconstruct_bytes'] / 1024:.1f}",
              "ratio": f"{100 * r['size_vs_fp32']:.0f}%",
              "mse": f"{r['mse']:.5f}", "keras_mse": f"{r['keras_mse']:.5f}",
              "increase": f"{100 * r['mse_increase']:+.2f}%",
              "max_abs": f"{r['max_abs_error_vs_keras']:.2e}",
              "codes": f"{r['code_agreement']:.3f}" if "code_agreement" in r else "",
              "passed": "yes" if r["passed"] else "**no**"} for r in quant_rows]
    quant_columns = [("preset", "preset"), ("mode", "LiteRT mode"),
                     ("kb", "reconstruct.tflite (kB)"), ("ratio", "size vs fp32"),
                     ("mse", "MSE (500 test digits)"), ("keras_mse", "Keras MSE"),
                     ("increase", "MSE change"), ("max_abs", "max abs error vs Keras"),
                     ("codes", "VQ code agreement"), ("passed", "export checks passed")]
    return "\n".join([
        "# Export matrix",
        "",
        "Generated by `python -m bench.export_matrix`: do not edit by hand.",
        "",
        "## Parity: every variant x backbone x format",
        "",
        "Worst over the four endpoints (encode, decode, reconstruct, score), every "
        "named output, and batches of 16, 1 and 7 test digits, each against Keras "
        "run at the same batch size. *Scaled error* = max |artifact - Keras| / "
        "max(1, max |Keras|): absolute for outputs up to 1 (latents, pixels), "
        "relative for larger ones (per-example scores); the tolerances bound it. "
        "Models: backbone defaults, latent 16, one epoch on 1,000 mnist5k digits "
        "(recurrent: image rows as 28-step sequences). LiteRT runs recurrent "
        "models converted for batch 1 and loops over larger batches.",
        "",
        markdown_table(fmt_rows(parity_rows), parity_columns),
        "",
        "## LiteRT quantization on presets",
        "",
        "Int8 is calibrated on 500 training digits, per-channel for convolutions "
        "and per-tensor for dense layers, with float32 inputs and outputs; a "
        "VQ-VAE's nearest-codebook search stays float32. MSE is the mean "
        "per-pixel squared error of `reconstruct` on 500 test digits, through "
        "`export.load_runtime`.",
        "",
        markdown_table(quant, quant_columns),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ae and vq_vae only, one preset")
    parser.add_argument("--out", default=DOCS, help="folder for export_matrix.{json,md}")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from zoo import quiet

    quiet.import_tensorflow()
    started = time.perf_counter()
    work = tempfile.mkdtemp(prefix="aezoo-export-matrix-")
    try:
        parity_rows = parity_matrix(work, args.quick)
        quant_rows = quantization_table(work, args.quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    payload = {"parity": parity_rows, "quantization": quant_rows,
               "seconds": time.perf_counter() - started}
    json_path, md_path = write_results("export_matrix", payload,
                                       markdown(parity_rows, quant_rows), out_dir=args.out)
    print(f"wrote {json_path} and {md_path}")


if __name__ == "__main__":
    main()
