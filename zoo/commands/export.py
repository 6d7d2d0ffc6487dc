"""`aezoo export`: a preset or `.keras` model to SavedModel, LiteRT and ONNX, verified."""

import os

NO_QUANTIZATION = "none"


def comma_list(values):
    """Flattens `["a,b", "c"]` into `("a", "b", "c")`."""
    return tuple(part for value in values for part in value.split(",") if part)


def load_model(preset_or_path):
    """A model from a preset name or a `.keras` path (`zoo.hub.load`, safe mode)."""
    from zoo import hub

    return hub.load(preset_or_path)


def representative_data(preset_or_path, dataset, count):
    """Training examples of `dataset` (default: the preset's), or None without one."""
    from zoo import datasets, hub

    preprocessing = "none"
    try:
        info = hub.preset_info(preset_or_path)
        dataset = dataset or info.get("dataset")
        preprocessing = info.get("preprocessing", "none")
    except ValueError:
        pass
    if not dataset:
        return None, None
    x, _ = datasets.load(dataset, "train")
    return datasets.preprocessed(x, preprocessing)[:count], dataset


def run(args):
    from export import common

    if args.quantize not in (NO_QUANTIZATION, "float16", "dynamic", "int8"):
        raise ValueError("--quantize must be one of none, float16, dynamic, int8. "
                         f"Received: --quantize {args.quantize}")
    formats = common.check_choices("--formats", comma_list(args.formats), common.FORMATS)
    endpoints = common.check_choices("--endpoints", comma_list(args.endpoints), common.ENDPOINTS)
    quantize = None if args.quantize == NO_QUANTIZATION else args.quantize
    common.check_quantize(quantize)
    if quantize is not None and "tflite" not in formats:
        raise ValueError(f"--quantize applies to LiteRT only: add tflite to --formats. "
                         f"Received: --quantize {quantize} --formats {','.join(formats)}")
    from zoo import atomic, quiet

    atomic.check_writable_target(args.out, args.overwrite)
    quiet.import_tensorflow()
    import export

    model = load_model(args.model)
    from zoo.commands.evaluate import check_autoencoder

    check_autoencoder(model, args.model, "export")
    data, dataset = representative_data(args.model, args.data, args.calibration_examples)
    if quantize == "int8" and data is None:
        raise ValueError("int8 needs calibration data: pass --data DATASET (see `aezoo list`). "
                         f"Received: {args.model} with no dataset")
    print(f"exporting {args.model} ({model.variant_name}/{model.backbone}): "
          f"{', '.join(formats)} x {', '.join(endpoints)}, quantize={args.quantize}"
          + (f", reference data {dataset}" if dataset else ""))
    metadata = {"source": os.path.basename(args.model)}
    try:
        report = export.export_model(model, args.out, formats=formats, endpoints=endpoints,
                                     quantize=quantize, representative_data=data,
                                     overwrite=args.overwrite, opset=args.opset,
                                     metadata=metadata, strict=not args.no_strict,
                                     progress=print)
    except (export.ParityError, export.ConversionError) as error:
        print(f"aezoo export: failed: {error}")
        return 1
    failures = report.failures()
    if failures:
        print(f"wrote {report.out_dir} with {len(failures)} artifacts OUT OF TOLERANCE "
              f"({', '.join(failures)}; --no-strict); see manifest.json")
        return 1
    print(f"wrote {report.out_dir} ({len(report.artifacts)} artifacts, all within tolerance; "
          f"see manifest.json)")
    return 0


def add_parser(subparsers):
    from export import common

    p = subparsers.add_parser(
        "export", help="export a preset or .keras model to SavedModel, LiteRT and ONNX")
    p.add_argument("model", metavar="PRESET_OR_PATH", help="preset name or .keras file")
    p.add_argument("--formats", nargs="+", default=[",".join(common.FORMATS)],
                   help=f"comma-separated formats (default: {','.join(common.FORMATS)})")
    p.add_argument("--endpoints", nargs="+", default=[",".join(common.ENDPOINTS)],
                   help=f"comma-separated endpoints (default: {','.join(common.ENDPOINTS)})")
    p.add_argument("--quantize", default=NO_QUANTIZATION,
                   help="LiteRT quantization: none, float16, dynamic or int8 (default: none)")
    p.add_argument("--data", default=None,
                   help="dataset for int8 calibration and the parity batch (default: the "
                        "preset's dataset)")
    p.add_argument("--calibration-examples", type=int, default=500)
    p.add_argument("--opset", type=int, default=common.DEFAULT_OPSET, help="ONNX opset")
    p.add_argument("--out", required=True, help="output folder (created atomically)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.add_argument("--no-strict", action="store_true",
                   help="write the export even when an artifact misses its tolerance (the "
                        "failures are recorded in manifest.json; exit status 1)")
    p.set_defaults(run=run)
