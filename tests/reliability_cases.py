"""The reliability sweep (issue #8): every adversarial case tried, one row each.

A `Case` names the call, the input and the expected outcome. The tests in
`tests/reliability/test_reliability_*.py`, `tests/models/test_properties.py` and
`tests/training/test_interruption.py` look their cases up by id with `case(id)`, run
them, record what they observed with `record`, and assert the expectation.
`scripts/reliability_table.py` runs those tests with `AEZOO_RELIABILITY_LOG`
set and writes `docs/reliability.md`: one row per case, with the outcome
observed in that run. Nothing in the table is typed by hand.

This module imports only numpy: the table script reads it without TensorFlow.
"""

import dataclasses
import json
import os
import re
import tempfile

import numpy as np

LOG_ENV = "AEZOO_RELIABILITY_LOG"

AREAS = {
    "arrays": "Bad arrays into model methods (`encode`, `decode`, `reconstruct`, `score`, "
              "`fit`, `posterior`)",
    "arguments": "Bad arguments to `fit`, `sample` and `zoo.datasets.load`",
    "runtime": "Bad arrays into export runtimes (`export.load_runtime(path)(x)`)",
    "files": "Truncated, corrupt, tampered or unsafe files",
    "writes": "Atomic writes, existing and unwritable targets",
    "cli": "Command-line user errors: one line on stderr, non-zero exit, no traceback",
    "interruption": "Processes killed with SIGKILL, then run again",
    "properties": "Property tests (hypothesis) over shapes, dtypes and batch sizes",
}


@dataclasses.dataclass(frozen=True)
class Case:
    """One adversarial case.

    Attributes:
        id: str. Unique id, used by the test that runs the case.
        area: str. A key of `AREAS`.
        call: str. What is called.
        input: str. What it is given, in words.
        outcome: str. Expected exception class name, `"ok"` (works, result
            described in `expected`), or `"exit 2"` (CLI user error).
        fragments: tuple of str. Text the error message must contain: what
            was expected and what was received.
        note: str. Anything else the test asserts (files left, output dtype).
    """

    id: str
    area: str
    call: str
    input: str
    outcome: str
    fragments: tuple = ()
    note: str = ""

    @property
    def expected(self):
        """The expected outcome in words, for the table."""
        if self.outcome == "ok" and self.area == "properties":
            return f"holds: {self.note}"
        if self.outcome == "ok":
            text = "works"
        elif self.outcome == "exit 2":
            text = "exit 2, one stderr line"
        else:
            text = f"`{self.outcome}`"
        if self.fragments:
            text += " naming " + ", ".join(f"`{f}`" for f in self.fragments)
        if self.note:
            text += f"; {self.note}"
        return text


CASES = []


def _add(*args, **kwargs):
    CASES.append(Case(*args, **kwargs))


def case(case_id):
    """Returns the case with this id (KeyError for an unknown id)."""
    return _BY_ID[case_id]


def ids(area, prefix=""):
    """Ids of the cases of an area, optionally only those starting with `prefix`."""
    return [c.id for c in CASES if c.area == area and c.id.startswith(prefix)]


# ------------------------------------------------------------- bad arrays
#
# Each entry: key -> (description, builder(example_shape) -> value, outcome,
# fragments(example_shape) -> tuple). The tiny models take (8, 8, 1) images
# and 4-dimensional codes.

X_SHAPE = (8, 8, 1)
Z_SHAPE = (4,)


def _expected(shape):
    return "(batch, " + ", ".join(str(d) for d in shape) + ")"


def _shape(shape):
    return str(tuple(shape))


BAD_ARRAYS = {
    "extra-axis": (
        "float32, one axis too many: (3,) + shape + (1,)",
        lambda s: np.zeros((3, *s, 1), np.float32),
        "ValueError", lambda s: (_expected(s), _shape((3, *s, 1)))),
    "no-batch-axis": (
        "float32, one example without the batch axis",
        lambda s: np.zeros(s, np.float32),
        "ValueError", lambda s: (_expected(s), _shape(s))),
    "wrong-size": (
        "float32, right rank, every axis one larger",
        lambda s: np.zeros((3, *(d + 1 for d in s)), np.float32),
        "ValueError", lambda s: (_expected(s), _shape((3, *(d + 1 for d in s))))),
    "scalar": (
        "a float scalar",
        lambda s: 1.5,
        "ValueError", lambda s: (_expected(s), "shape=()")),
    "empty": (
        "empty batch: (0,) + shape",
        lambda s: np.zeros((0, *s), np.float32),
        "ValueError", lambda s: ("non-empty batch", _shape((0, *s)))),
    "nan": (
        "float32 with one NaN",
        lambda s: _with(np.zeros((2, *s), np.float32), np.nan),
        "ValueError", lambda s: ("finite values", "1 NaN or inf")),
    "inf": (
        "float32 with one -inf",
        lambda s: _with(np.zeros((2, *s), np.float32), -np.inf),
        "ValueError", lambda s: ("finite values", "1 NaN or inf")),
    "float64-overflow": (
        "float64 value 1e300 (finite, beyond float32 range)",
        lambda s: _with(np.zeros((2, *s), np.float64), 1e300),
        "ValueError", lambda s: ("float32 range", "1e+300")),
    "string-array": (
        "numpy array of strings, right shape",
        lambda s: np.full((2, *s), "0.5"),
        "TypeError", lambda s: (_expected(s), "dtype=<U3")),
    "string": (
        "a str",
        lambda s: "pixels.png",
        "TypeError", lambda s: (_expected(s), "type str")),
    "complex": (
        "complex128 array, right shape",
        lambda s: np.zeros((2, *s), np.complex128),
        "TypeError", lambda s: (_expected(s), "dtype=complex128")),
    "none": (
        "None",
        lambda s: None,
        "TypeError", lambda s: (_expected(s), "dtype=object")),
    "dict": (
        "a dict of arrays",
        lambda s: {"x": np.zeros((2, *s), np.float32)},
        "TypeError", lambda s: (_expected(s), "dtype=object")),
    "ragged-list": (
        "ragged nested list",
        lambda s: [[0.0, 1.0], [0.0]],
        "ValueError", lambda s: (_expected(s), "inhomogeneous")),
    "tensor-wrong-shape": (
        "eager tf.Tensor of shape (3, 7)",
        "tensor", "ValueError", lambda s: (_expected(s), "(3, 7)")),
    "nested-list": (
        "nested Python lists of the right shape (2 examples)",
        lambda s: np.zeros((2, *s)).tolist(),
        "ok", lambda s: ()),
    "bool": (
        "bool array, right shape",
        lambda s: np.zeros((2, *s), bool),
        "ok", lambda s: ()),
    "huge-batch": (
        "100,000 examples in one call",
        lambda s: np.zeros((100_000, *s), np.float32),
        "ok", lambda s: ()),
}


def _with(array, value):
    array.flat[1] = value
    return array


ARRAY_METHODS = {
    # method -> (model kind, argument name, example shape)
    "encode": ("ae", "x", X_SHAPE),
    "decode": ("ae", "z", Z_SHAPE),
    "reconstruct": ("ae", "x", X_SHAPE),
    "score": ("ae", "x", X_SHAPE),
    "posterior": ("vae", "x", X_SHAPE),
    "fit": ("ae", "x", X_SHAPE),
}
OK_RESULTS = {
    "encode": "float32 codes, shape (batch, 4)",
    "decode": "float32 images, shape (batch, 8, 8, 1)",
    "reconstruct": "float32 images, shape (batch, 8, 8, 1)",
    "score": "float32 scores, shape (batch,)",
    "posterior": "a tfd.Distribution, batch shape (batch,)",
    "fit": "trains one epoch, finite loss",
}
FIT_SKIPS = {"huge-batch"}  # training on 100,000 examples is not a quick check

for _method, (_kind, _arg, _example) in ARRAY_METHODS.items():
    for _key, (_text, _build, _outcome, _fragments) in BAD_ARRAYS.items():
        if _method == "fit" and _key in FIT_SKIPS:
            continue
        if _method == "fit" and _key == "none":
            _add("fit-none", "arrays", "ae.fit(x)", "None", "ValueError",
                 ("needs training data", "x=None"))
            continue
        _add(f"{_method}-{_key}", "arrays", f"{_kind}.{_method}({_arg})",
             _text.replace("shape", _shape(_example)), _outcome,
             tuple(_fragments(_example)),
             OK_RESULTS[_method] if _outcome == "ok" else "")


for _key, _call in (("call", "ae(x)"), ("predict", "ae.predict(x)"),
                    ("evaluate", "ae.evaluate(x)")):
    # Keras' own entry points: Keras checks the input against the encoder's input spec.
    _add(f"keras-{_key}-wrong-shape", "arrays", _call, "float32 of shape (3, 64)", "ValueError",
         ("(None, 8, 8, 1)", "64)"))


def bad_array(key, example_shape):
    """Builds the value of a `BAD_ARRAYS` entry for an example shape."""
    build = BAD_ARRAYS[key][1]
    if build == "tensor":
        import tensorflow as tf

        return tf.zeros((3, 7))
    return build(example_shape)


# --------------------------------------------------------- bad arguments

for _kind in ("vae", "vq_vae"):
    for _key, _value, _outcome, _fragments in (
        ("n-zero", 0, "ValueError", ("positive integer", "n=0")),
        ("n-negative", -3, "ValueError", ("positive integer", "n=-3")),
        ("n-float", 2.5, "ValueError", ("positive integer", "n=2.5")),
        ("n-string", "4", "ValueError", ("positive integer", "n='4'")),
        ("n-bool", True, "ValueError", ("positive integer", "n=True")),
        ("seed-string", "abc", "TypeError", ("integer or None", "seed='abc'")),
        ("seed-float", 1.5, "TypeError", ("integer or None", "seed=1.5")),
    ):
        _call = f"{_kind}.sample(n=4, seed={_value!r})" if _key.startswith("seed") \
            else f"{_kind}.sample(n={_value!r})"
        _add(f"sample-{_kind}-{_key}", "arguments", _call, f"{_key.replace('-', ' ')}",
             _outcome, _fragments)
    _add(f"sample-{_kind}-ok", "arguments", f"{_kind}.sample(n=5, seed=3)", "valid n and seed",
         "ok", (), "float32 (5, 8, 8, 1), same seed gives the same samples")

for _key, _call, _outcome, _fragments in (
    ("unknown-name", "zoo.datasets.load('cifar')", "ValueError", ("mnist5k", "name='cifar'")),
    ("unknown-split", "zoo.datasets.load('digits', 'validation')", "ValueError",
     ("'test'", "split='validation'")),
    ("options-for-digits", "zoo.datasets.load('digits', window=8)", "ValueError",
     ("takes no options", "window")),
    ("unknown-ecg-option", "zoo.datasets.load('ecg_mitdb', size=8)", "ValueError",
     ("'window'", "size")),
):
    _add(f"datasets-{_key}", "arguments", _call, _key.replace("-", " "), _outcome, _fragments)

for _key, _kwargs, _outcome, _fragments, _text in (
    ("batch-size-zero", "batch_size=0", "ValueError", ("batch_size", "batch_size=0"),
     "batch_size=0"),
    ("batch-size-string", "batch_size='32'", "ValueError", ("batch_size", "batch_size='32'"),
     "batch_size as a string"),
    ("epochs-negative", "epochs=-1", "ValueError", ("epochs", "epochs=-1"), "epochs=-1"),
    ("epochs-string", "epochs='2'", "ValueError", ("epochs", "epochs='2'"),
     "epochs as a string"),
    ("sample-weight", "sample_weight=ones", "ValueError", ("sample_weight",),
     "per-example weights (unsupported)"),
    ("y-length", "y with 2 examples for 3 in x", "ValueError",
     ("'x' sizes: 3", "'y' sizes: 2"),
     "x and target of different lengths"),
    ("string-dataset", "tf.data of strings", "TypeError", ("numeric", "dtype=string"),
     "tf.data.Dataset of strings, right shape"),
    ("uncompiled", "no compile()", "ValueError", ("compile",), "model never compiled"),
):
    _add(f"fit-{_key}", "arguments", f"ae.fit(x, {_kwargs})", _text, _outcome, _fragments)

for _key, _text, _fragments in (
    ("representative-nan", "representative_data with a NaN", ("finite values",)),
    ("representative-shape", "representative_data of shape (4, 64)",
     ("(batch, 8, 8, 1)", "(4, 64)")),
):
    _add(f"export-{_key}", "arguments", "export.export_model(ae, out, representative_data=x)",
         _text, "ValueError", _fragments, "nothing written")


# ---------------------------------------------------------- export runtimes

RUNTIME_FORMATS = ("onnx", "tflite")
RUNTIME_ARRAYS = {
    # key -> (description, outcome, fragments); the values are BAD_ARRAYS' or below
    "extra-axis": ("float32, one axis too many", "ValueError",
                   (_expected(X_SHAPE), _shape((3, *X_SHAPE, 1)))),
    "wrong-size": ("float32, every axis one larger", "ValueError",
                   (_expected(X_SHAPE), "(3, 9, 9, 2)")),
    "scalar": ("a float scalar", "ValueError", (_expected(X_SHAPE), "shape=()")),
    "empty": ("empty batch", "ValueError", (_expected(X_SHAPE), "(0, 8, 8, 1)")),
    "nan": ("float32 with one NaN", "ValueError", ("finite values", "1 NaN or inf")),
    "inf": ("float32 with one -inf", "ValueError", ("finite values", "1 NaN or inf")),
    "float64-overflow": ("float64 value 1e300", "ValueError", ("float32 range", "1e+300")),
    "string-array": ("numpy array of strings", "TypeError", ("float32", "dtype=<U3")),
    "string": ("a str", "TypeError", ("float32", "dtype=<U10")),
    "none": ("None", "TypeError", ("float32", "dtype=object")),
    "ragged-list": ("ragged nested list", "ValueError", (_expected(X_SHAPE), "inhomogeneous")),
    "uint8": ("uint8 image bytes 0..255 (unscaled)", "TypeError", ("float32", "dtype=uint8")),
    "wrong-input-name": ("dict with input name 'y'", "ValueError", ("'x'", "['y']")),
    "float64": ("float64, right shape", "ok", ()),
    "nested-list": ("nested Python lists of floats, right shape", "ok", ()),
    "huge-batch": ("100,000 examples in one call", "ok", ()),
}
for _fmt in RUNTIME_FORMATS:
    for _key, (_text, _outcome, _fragments) in RUNTIME_ARRAYS.items():
        _add(f"runtime-{_fmt}-{_key}", "runtime", f"load_runtime('encode.{_fmt}')(x)", _text,
             _outcome, _fragments,
             "float32 (batch, 4), equal to Keras within tolerance" if _outcome == "ok" else "")


def runtime_array(key):
    """The value of a `RUNTIME_ARRAYS` entry for the (8, 8, 1) model."""
    if key == "wrong-size":
        return np.zeros((3, 9, 9, 2), np.float32)
    if key == "uint8":
        return np.full((2, *X_SHAPE), 255, np.uint8)
    if key == "wrong-input-name":
        return {"y": np.zeros((2, *X_SHAPE), np.float32)}
    if key == "float64":
        return np.random.default_rng(0).uniform(size=(3, *X_SHAPE))
    if key == "nested-list":
        return np.random.default_rng(0).uniform(size=(2, *X_SHAPE)).tolist()
    return bad_array(key, X_SHAPE)


# ------------------------------------------------------------------- files

for _key, _text, _outcome, _fragments in (
    ("truncated", "a .keras file cut to half its bytes", "ValueError",
     ("not a valid .keras file", "truncated.keras")),
    ("empty", "an empty .keras file", "ValueError", ("not a valid .keras file", "empty.keras")),
    ("text", "a text file named .keras", "ValueError", ("not a valid .keras file", "text.keras")),
    ("bit-flip", "a .keras file with one byte flipped (zip CRC error)", "ValueError",
     ("not a valid .keras file", "bit-flip.keras")),
    ("no-config", "a .keras zip without config.json", "ValueError",
     ("not a valid .keras file", "no-config.keras")),
    ("no-weights", "a .keras zip without its weights file", "ValueError",
     ("not a valid .keras file", "no-weights.keras")),
    ("lambda", "a .keras file holding a Lambda layer", "ValueError",
     ("unsafe deserialization", "safe_mode=True")),
    ("directory", "a folder named x.keras", "FileNotFoundError", ("x.keras",)),
    ("missing", "a path that does not exist", "FileNotFoundError", ("absent.keras",)),
    ("not-a-name", "an int instead of a name or path", "TypeError", ("preset name or a path",
                                                                     "3")),
    ("tampered-preset", "a preset whose file differs from its manifest sha256", "ValueError",
     ("sha256 differs", "expected", "received")),
    ("missing-preset-file", "a preset listed in the manifest whose file is gone",
     "FileNotFoundError", ("file is missing",)),
    ("manifest-not-json", "saved_models/manifest.json holding invalid JSON", "ValueError",
     ("manifest.json", "not valid JSON")),
):
    _add(f"load-{_key}", "files", "zoo.load(path)", _text, _outcome, _fragments)

for _fmt in ("onnx", "tflite"):
    for _key, _text in (("truncated", "cut to half its bytes"), ("empty", "empty file"),
                        ("text", "a text file")):
        _add(f"load-runtime-{_fmt}-{_key}", "files", f"export.load_runtime('x.{_fmt}')",
             f"{_fmt} file: {_text}", "ValueError",
             (f"not a valid {'ONNX' if _fmt == 'onnx' else 'LiteRT'} model", f"{_key}.{_fmt}"))
for _key, _text, _outcome, _fragments in (
    ("missing", "a path that does not exist", "FileNotFoundError", ("absent.onnx",)),
    ("keras-file", "a .keras model file", "ValueError", (".onnx file", "model.keras")),
    ("folder-without-endpoint", "an export folder, no endpoint", "ValueError",
     ("exports endpoints", "endpoint=None")),
    ("folder-unknown-endpoint", "an export folder, endpoint='sample'", "ValueError",
     ("exports endpoints", "endpoint='sample'")),
):
    _add(f"load-runtime-{_key}", "files", "export.load_runtime(path)", _text, _outcome,
         _fragments)

for _key, _text, _outcome, _fragments in (
    ("manifest-not-json", "manifest.json holding invalid JSON", "ValueError",
     ("manifest.json", "not valid JSON")),
    ("manifest-empty", "manifest.json holding {}", "ValueError", ("manifest.json", "artifacts")),
    ("manifest-list", "manifest.json holding a list", "ValueError",
     ("manifest.json", "artifacts")),
    ("truncated-artifact", "encode.onnx cut to 100 bytes", "ValueError",
     ("encode.onnx", "sha256")),
    ("missing-reference", "reference.npz deleted", "FileNotFoundError", ("reference.npz",)),
    ("not-a-folder", "a .keras file path", "FileNotFoundError", ("No export folder",)),
    ("none", "None", "TypeError", ("NoneType",)),
):
    _add(f"verify-{_key}", "files", "export.verify(out_dir)", _text, _outcome, _fragments)

for _key, _text, _outcome, _fragments in (
    ("truncated-png", "an image folder holding a truncated PNG, then fit", "ValueError",
     ("1.png", "image")),
    ("text-png", "an image folder holding a text file named .png, then fit", "ValueError",
     ("2.png", "image")),
    ("truncated-npz", ".npz parts, one cut to half its bytes", "ValueError", ("b.npz",)),
    ("no-match", "a glob matching no file", "FileNotFoundError", ("No data files match",)),
    ("mixed", "a folder of .npz and .png files", "ValueError",
     ("must be all .npz", "Received suffixes")),
):
    _add(f"from-files-{_key}", "files", "ae.fit(zoo.datasets.from_files(path))", _text,
         _outcome, _fragments)

CLI_FILE_CASES = (
    # id, command line (with {placeholders}), input text, fragments on the stderr line
    ("evaluate-truncated", "evaluate {truncated} --data digits", "truncated .keras",
     ("not a valid .keras file",)),
    ("evaluate-bit-flip", "evaluate {bit_flip} --data digits", ".keras with a flipped byte",
     ("not a valid .keras file",)),
    ("evaluate-lambda", "evaluate {lambda_file} --data digits", ".keras with a Lambda layer",
     ("unsafe deserialization",)),
    ("evaluate-tampered", "evaluate tiny_preset --data digits",
     "preset whose sha256 differs", ("sha256 differs",)),
    ("evaluate-plain-keras", "evaluate {plain} --data digits",
     "a .keras file of a plain Keras model", ("aezoo Autoencoder",)),
    ("evaluate-unknown-preset", "evaluate no_such_preset", "unknown preset name",
     ("Unknown preset", "no_such_preset")),
    ("finetune-bit-flip", "finetune {bit_flip} --data digits --out {out}",
     ".keras with a flipped byte", ("not a valid .keras file",)),
    ("finetune-lambda", "finetune {lambda_file} --data digits --out {out}",
     ".keras with a Lambda layer", ("unsafe deserialization",)),
    ("finetune-tampered", "finetune tiny_preset --data digits --out {out}",
     "preset whose sha256 differs", ("sha256 differs",)),
    ("finetune-truncated-npz", "finetune {good} --data {truncated_npz} --out {out}",
     "--data: a truncated .npz", ("truncated.npz",)),
    ("finetune-truncated-npy", "finetune {good} --data {truncated_npy} --out {out}",
     "--data: a truncated .npy", ("truncated.npy",)),
    ("finetune-plain-keras", "finetune {plain} --data digits --out {out}",
     "a .keras file of a plain Keras model", ("aezoo Autoencoder",)),
    ("export-truncated", "export {truncated} --out {out_dir}", "truncated .keras",
     ("not a valid .keras file",)),
    ("export-lambda", "export {lambda_file} --out {out_dir}", ".keras with a Lambda layer",
     ("unsafe deserialization",)),
    ("export-tampered", "export tiny_preset --out {out_dir}", "preset whose sha256 differs",
     ("sha256 differs",)),
    ("export-plain-keras", "export {plain} --out {out_dir}",
     "a .keras file of a plain Keras model", ("aezoo Autoencoder",)),
    ("bench-truncated", "bench {truncated} --quick --out {out_dir}", "truncated .keras",
     ("not a valid .keras file",)),
    ("train-truncated-checkpoint", "train ae --data digits --epochs 2 --latent-dim 4 "
     "--option hidden_units=(8,) --run-dir {run_dir}",
     "resume from a run folder whose last checkpoint was cut in half",
     ("epoch_0001.keras", "not a valid .keras file")),
    ("verify-truncated-onnx", "verify {damaged_export}", "export whose encode.onnx was cut",
     ("sha256",)),
    ("verify-manifest-not-json", "verify {bad_manifest_export}", "manifest.json not JSON",
     ("not valid JSON",)),
)
for _id, _line, _text, _fragments in CLI_FILE_CASES:
    _add(f"cli-{_id}", "files", f"aezoo {_line}", _text, "exit 2", _fragments,
         "no traceback, nothing written")


# ------------------------------------------------------------------- writes

for _key, _call, _text, _outcome, _fragments, _note in (
    ("export-existing", "export.export_model(m, out)", "out exists, overwrite=False",
     "FileExistsError", ("exists", "overwrite"), "existing folder unchanged"),
    ("export-under-file", "export.export_model(m, '/etc/hostname/x')",
     "target under a regular file", "PermissionError", ("/etc/hostname",),
     "fails before TensorFlow is imported for conversion; nothing created"),
    ("export-proc", "export.export_model(m, '/proc/x')", "target in /proc (not writable, even "
     "by root)", "PermissionError", ("/proc", "not writable"), "nothing created"),
    ("export-none", "export.export_model(m, None)", "out_dir=None", "TypeError",
     ("path", "None"), ""),
    ("export-stale-temp", "export.export_model(m, out)", "a hidden temp folder left by a killed "
     "export (dead pid) beside out", "ok", (), "stale temp removed; a live process's temp kept"),
    ("atomic-file-failure", "zoo.atomic.atomic_file(target)", "the writer raises midway",
     "RuntimeError", ("midway",), "target keeps its old bytes, no temp file left"),
    ("atomic-directory-failure", "zoo.atomic.atomic_directory(target, overwrite=True)",
     "the writer raises midway", "RuntimeError", ("midway",),
     "old folder intact, no temp folder left"),
    ("train-out-existing", "aezoo train ... --out existing.keras", "existing --out, no "
     "--overwrite", "exit 2", ("exists", "--overwrite"), "file unchanged, no training"),
    ("train-out-under-file", "aezoo train ... --out /etc/hostname/x.keras",
     "unwritable --out", "exit 2", ("/etc/hostname",), "fails before training"),
    ("train-run-dir-under-file", "aezoo train ... --run-dir /etc/hostname/run",
     "unwritable --run-dir", "exit 2", ("/etc/hostname",), "fails before training"),
    ("finetune-out-existing", "aezoo finetune ... --out existing.keras",
     "existing --out, no --overwrite", "exit 2", ("exists", "--overwrite"), "file unchanged"),
    ("finetune-out-under-file", "aezoo finetune ... --out /etc/hostname/x.keras",
     "unwritable --out", "exit 2", ("/etc/hostname",), ""),
    ("evaluate-json-under-file", "aezoo evaluate ... --json /etc/hostname/r.json",
     "unwritable --json", "exit 2", ("/etc/hostname",), "fails before evaluating"),
    ("sweep-out-existing", "aezoo sweep ae --out existing/", "existing --out, no --overwrite",
     "exit 2", ("exists", "--overwrite"), "folder unchanged"),
    ("sweep-out-proc", "aezoo sweep ae --out /proc/sweep", "--out in /proc", "exit 2",
     ("/proc", "not writable"), ""),
    ("quickstart-out-under-file", "aezoo quickstart --out /etc/hostname/q", "unwritable --out",
     "exit 2", ("/etc/hostname",), ""),
    ("export-cli-existing", "aezoo export MODEL --out existing/", "existing target, no --overwrite",
     "exit 2", ("exists", "--overwrite"), "folder unchanged"),
    ("export-cli-under-file", "aezoo export MODEL --out /etc/hostname/x", "unwritable target",
     "exit 2", ("/etc/hostname",), ""),
):
    _add(f"write-{_key}", "writes", _call, _text, _outcome, _fragments, _note)


# --------------------------------------------------------------------- cli

CLI_ERRORS = (
    # id, argv (placeholders: {out}, {tmp}, {model}), fragments
    ("no-command", "", ("required",)),
    ("unknown-command", "nope", ("invalid choice", "nope")),
    ("list-extra-argument", "list extra", ("unrecognized arguments", "extra")),
    ("info-missing-preset", "info", ("required", "preset")),
    ("info-unknown-preset", "info nope", ("Unknown preset", "nope")),
    ("info-json-unknown-preset", "info nope --json", ("Unknown preset", "nope")),
    ("train-unknown-variant", "train nope --data digits --run-dir {tmp}/r",
     ("Unknown variant", "nope")),
    ("train-unknown-backbone", "train ae --backbone resnet --data digits --run-dir {tmp}/r",
     ("Unknown backbone", "resnet")),
    ("train-unknown-data", "train ae --data cifar --run-dir {tmp}/r", ("cifar", "mnist5k")),
    ("train-epochs-not-int", "train ae --epochs x", ("--epochs", "'x'")),
    ("train-latent-zero", "train ae --data digits --latent-dim 0 --run-dir {tmp}/r",
     ("--latent-dim", "0")),
    ("train-learning-rate-negative",
     "train ae --data digits --learning-rate -1 --run-dir {tmp}/r", ("--learning-rate", "-1")),
    ("train-bad-option", "train ae --data digits --option beta --run-dir {tmp}/r",
     ("key=value", "beta")),
    ("train-unknown-option", "train ae --data digits --option nope=1 --run-dir {tmp}/r",
     ("nope",)),
    ("finetune-missing-out", "finetune ae_mlp_mnist --data digits", ("required", "--out")),
    ("finetune-unknown-data", "finetune ae_mlp_mnist --data cifar --out {out}",
     ("cifar", "mnist5k")),
    ("finetune-wrong-shape", "finetune ae_mlp_mnist --data digits --out {out}",
     ("(batch, 28, 28, 1)", "(1437, 8, 8, 1)")),
    ("finetune-epochs-zero", "finetune {model} --data digits --epochs 0 --out {out}",
     ("epochs", "0")),
    ("finetune-batch-size-zero", "finetune {model} --data digits --batch-size 0 --out {out}",
     ("batch_size", "0")),
    ("finetune-learning-rate-zero",
     "finetune {model} --data digits --learning-rate 0 --out {out}", ("learning_rate", "0")),
    ("finetune-missing-npz", "finetune {model} --data {tmp}/absent.npz --out {out}",
     ("absent.npz",)),
    ("evaluate-model-file-without-data", "evaluate {model}", ("--data",)),
    ("evaluate-unknown-metric", "evaluate {model} --data digits --metrics foo",
     ("metric", "foo")),
    ("evaluate-k-zero", "evaluate {model} --data digits --metrics mse --k 0", ("k", "0")),
    ("evaluate-wrong-shape-data", "evaluate {model} --data mnist5k",
     ("(batch, 8, 8, 1)", "(1000, 28, 28, 1)")),
    ("sweep-bad-latent-dims", "sweep ae --latent-dims a,b --out {out}", ("--latent-dims", "a,b")),
    ("sweep-epochs-zero", "sweep ae --epochs 0 --out {out}", ("--epochs", "0")),
    ("sweep-unknown-backbone", "sweep ae --backbone resnet --out {out}",
     ("Unknown backbone", "resnet")),
    ("quickstart-unknown-preset", "quickstart --preset nope --out {out}",
     ("Unknown preset", "nope")),
    ("export-missing-out", "export {model}", ("required", "--out")),
    ("export-unknown-format", "export {model} --out {out} --formats coreml", ("formats", "coreml")),
    ("export-unknown-endpoint", "export {model} --out {out} --endpoints sample",
     ("endpoints", "sample")),
    ("export-unknown-model", "export no_such_preset --out {out}",
     ("Unknown preset", "no_such_preset")),
    ("export-quantize-unknown", "export {model} --out {out} --quantize int4",
     ("--quantize", "int4")),
    ("verify-not-an-export", "verify {tmp}", ("manifest.json",)),
    ("verify-missing-folder", "verify {tmp}/absent", ("absent",)),
    ("verify-missing-argument", "verify", ("required",)),
    ("bench-unknown-target", "bench no_such_preset --quick --out {out}", ("no_such_preset",)),
    ("bench-rounds-zero", "bench {model} --rounds 0 --out {out}", ("--rounds", "0")),
    ("detect-missing-data", "detect {model} --out {out}", ("required", "--data")),
    ("detect-absent-data", "detect {model} --data {tmp}/absent.npy --out {out}",
     ("No such data file", "absent.npy")),
    ("compress-unknown-codec", "compress nope_codec {tmp}/absent.png {out}",
     ("Unknown codec", "nope_codec")),
    ("compress-absent-input", "compress factorized_mnist_q1 {tmp}/absent.png {out}",
     ("No such input file", "absent.png")),
    ("decompress-absent-input", "decompress {tmp}/absent.bin {out}.png", ("absent.bin",)),
    ("publish-unknown-model", "publish no_such_preset --out {out}",
     ("expects a preset name", "no_such_preset")),
    ("publish-missing-out", "publish {model}", ("required", "--out")),
)
for _id, _argv, _fragments in CLI_ERRORS:
    _add(f"cli-{_id}", "cli", f"aezoo {_argv}".strip(), "user error", "exit 2", _fragments,
         "no traceback")


# ------------------------------------------------------------ interruption

_add("kill-train", "interruption", "aezoo train ae --data digits --epochs 4",
     "SIGKILL after the first epoch checkpoint appears, then the same command again", "ok",
     ("resuming from epoch",),
     "resumes from its last checkpoint, loses at most one epoch, finishes, no temp files left")
_add("kill-export", "interruption", "aezoo export MODEL --out out",
     "SIGKILL while the export is being written", "ok", (),
     "no folder at the target; the next run removes the dead export's hidden temp and succeeds")
_add("kill-train-temp-cleanup", "interruption", "aezoo train (resume)",
     "a checkpoint temp file of a killed process in the run folder", "ok", (),
     "removed on resume")


# -------------------------------------------------------------- properties

for _id, _call, _text, _note in (
    ("encode-dtypes", "ae.encode(x)", "batch 1..33; float16/32/64, int32/64, uint8, bool",
     "float32 (batch, 4), equal to encode(x.astype(float32))"),
    ("reconstruct-dtypes", "ae.reconstruct(x)", "batch 1..33; float16/32/64, int32/64, uint8, "
     "bool", "float32 (batch, 8, 8, 1), equal to reconstruct(x.astype(float32))"),
    ("wrong-shapes", "ae.encode(x), ae.reconstruct(x)", "random shapes other than "
     "(batch, 8, 8, 1), rank 1..5", "ValueError naming the expected and received shapes"),
    ("onnx-batches", "load_runtime('encode.onnx'), ('reconstruct.onnx')", "batch 1..33, "
     "float32/float64", "matches Keras within 1e-5"),
    ("tflite-batches", "load_runtime('encode.tflite'), ('reconstruct.tflite')", "batch 1..33, "
     "float32/float64", "matches Keras within 1e-4"),
    ("runtime-wrong-shapes", "load_runtime('encode.onnx' / '.tflite')",
     "random shapes other than (batch, 8, 8, 1)", "ValueError naming expected and received"),
):
    _add(f"property-{_id}", "properties", _call, _text, "ok", (), _note)


# --------------------------------------------------------------------- hub
# Preset folders fetched by URL into AEZOO_CACHE (zoo.hub.remote), served by a
# real http.server on 127.0.0.1. Every case: one ValueError, nothing left in the cache.

AREAS["hub"] = ("Preset folders loaded from URLs (`zoo.load(url)`): bad servers, bad "
                "preset.json, bad caches")
for _key, _text, _fragments in (
    ("404", "a URL with no preset behind it (HTTP 404)", ("HTTP 404", "preset.json")),
    ("connection-refused", "a loopback port nothing listens on", ("connection refused",)),
    ("truncated", "the server cuts model.keras off halfway", ("truncated", "model.keras")),
    ("content-type", "an HTML login page instead of preset.json (Content-Type text/html)",
     ("text/html", "Expected the file")),
    ("missing-fields", "preset.json without `files` and `variant`", ("lacks required fields",
                                                                      "files")),
    ("dotdot", "preset.json lists `../evil.py`", ("'..'", "../evil.py")),
    ("absolute", "preset.json lists `/etc/passwd`", ("absolute", "/etc/passwd")),
    ("redirect-loop", "a URL that redirects to itself", ("redirects in a loop",)),
    ("content-length", "model.keras announced with Content-Length 10 GB",
     ("Content-Length 10000000000", "lists")),
    ("tampered", "model.keras behind the URL with one byte changed", ("sha256", "expected",
                                                                      "model.keras")),
    ("pin", "zoo.load(url, sha256=<another preset.json's sha256>)", ("pinned", "expected")),
    ("cache-read-only", "AEZOO_CACHE in /proc (not writable, even by root)",
     ("Cannot write to the aezoo cache", "AEZOO_CACHE")),
    ("cache-full", "AEZOO_CACHE on a 32 kB tmpfs (or a 32 kB file-size limit)", ("full",)),
    ("scheme", "an ftp:// URL", ("file://, http:// or https://", "ftp://")),
):
    _add(f"hub-{_key}", "hub", "zoo.load(url)", _text, "ValueError", _fragments,
         "nothing left in the cache")


# --------------------------------------------------------------- detectors
# zoo.detectors.AnomalyDetector (issue 17): one ValueError each, before any work.
# Run by tests/detectors/test_detector_errors.py.

AREAS["detectors"] = ("Bad input to `zoo.detectors.AnomalyDetector` and `aezoo detect`")
for _key, _call, _text, _fragments in (
    ("predict-before-fit", "AnomalyDetector().predict(x)", "an unfitted detector",
     ("not fitted", "fit(X)")),
    ("decision-before-fit", "AnomalyDetector().decision_function(x)", "an unfitted detector",
     ("not fitted", "decision_function")),
    ("window-mismatch", "AnomalyDetector('ae_conv_ecg', window=128).fit(series)",
     "a window of 128 for a model of 256-timestep windows", ("window=256", "window=128")),
    ("features-changed", "det.decision_function(series)", "a (T, 2) series to a detector fit "
     "on a 1-feature series", ("1 feature(s)", "2 feature(s)")),
    ("series-rank", "AnomalyDetector(window=16).fit(x)", "a (10, 4, 2) array in series mode",
     ("(T,) or (T, features)", "shape=(10, 4, 2)")),
    ("short-series", "AnomalyDetector(window=64).fit(series)", "a series of 50 timesteps",
     ("shorter than the window", "window=64", "50 timesteps")),
    ("nan-series", "AnomalyDetector(window=16).fit(series)", "a series with NaN at timestep 7",
     ("finite", "NaN", "timestep 7")),
    ("inf-examples", "AnomalyDetector().fit(x)", "examples holding inf",
     ("finite", "inf")),
    ("contamination-zero", "AnomalyDetector(contamination=0).fit(x)", "contamination=0",
     ("(0, 0.5]", "contamination=0")),
    ("contamination-high", "AnomalyDetector(contamination=0.6).fit(x)", "contamination=0.6",
     ("(0, 0.5]", "contamination=0.6")),
    ("contamination-nan", "AnomalyDetector(contamination=nan).fit(x)", "contamination=nan",
     ("(0, 0.5]", "contamination=nan")),
    ("window-float", "AnomalyDetector(window=2.5).fit(series)", "window=2.5",
     ("integer >= 2", "window=2.5")),
    ("unknown-score", "AnomalyDetector(score='psnr').fit(x)", "score='psnr'",
     ("latent_lof", "score='psnr'")),
    ("iw-nll-not-vae", "AnomalyDetector('ae_conv_ecg', score='iw_nll').fit(x)",
     "IW-NLL for a deterministic AE", ("posterior", "iw_nll")),
    ("examples-shape", "AnomalyDetector('ae_conv_ecg').fit(x)", "examples of shape (n, 128, 1)",
     ("(n, 256, 1)", "shape=(4, 128, 1)")),
):
    _add(f"detector-{_key}", "detectors", _call, _text, "ValueError", _fragments)
_add("detector-cli-contamination", "detectors", "aezoo detect ae_conv_ecg --contamination 0.7",
     "contamination 0.7 on the command line", "exit 2", ("(0, 0.5]", "contamination=0.7"))
_add("detector-cli-no-window", "detectors", "aezoo detect ae_conv_ecg --data series.csv",
     "a one-column series without --window", "exit 2", ("--window is required",))


# ------------------------------------------------------------------ codecs
# Bad bitstreams into a codec's `decompress` (issue 15), for the Keras codec and its
# TensorFlow-free export alike. Run by tests/codecs/test_codec_reliability.py.

AREAS["codecs"] = "Bad bitstreams into `zoo.codecs` codecs and `export.load_codec` (`decompress`)"
for _key, _text, _fragments in (
    ("truncated", "a digit's bitstream cut to half its bytes", ("checksum",)),
    ("truncated-header", "the first 5 bytes of a bitstream", ("truncated", "5 bytes")),
    ("empty", "b''", ("truncated", "0 bytes")),
    ("garbage", "200 seeded random bytes", ("magic",)),
    ("other-codec", "a bitstream written by another codec preset", ("another codec",)),
    ("future-version", "a header with format version 2 (checksum recomputed)",
     ("version 2", "format version 1")),
    ("huge-shape", "a valid header (checksum recomputed) claiming shape 100000x100000x1",
     ("100000, 100000, 1", "at most")),
    ("flipped-bit", "one payload bit flipped", ("checksum",)),
    ("trailing-bytes", "a valid payload with 4 extra bytes and a recomputed checksum",
     ("Corrupt payload",)),
    ("not-bytes", "a numpy array instead of bytes", ("must be bytes",)),
):
    _add(f"codec-{_key}", "codecs", "codec.decompress(data)", _text, "ValueError", _fragments,
         "also for export.load_codec(folder)")
for _key, _text, _fragments in (
    ("nan-image", "an image with NaN", ("NaN",)),
    ("wrong-channels", "a (28, 28, 3) image to a 1-channel codec", ("(H, W, 1)", "(28, 28, 3)")),
    ("out-of-range", "an image with values in [0, 255]", ("[0, 1]", "255")),
):
    _add(f"codec-{_key}", "codecs", "codec.compress(x)", _text, "ValueError", _fragments)
_add("codec-cli-garbage", "codecs", "aezoo decompress garbage.bin out.png",
     "a file of random bytes", "exit 2", ("not an aezoo codec bitstream",))

_BY_ID = {c.id: c for c in CASES}
if len(_BY_ID) != len(CASES):
    raise RuntimeError("duplicate reliability case ids")


# ---------------------------------------------------------------- recording


def describe(value):
    """A short text for a returned value."""
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None:
        dtype = getattr(dtype, "name", dtype)
        return f"returned {dtype} {tuple(shape)}"
    return f"returned {type(value).__name__}"


def error_text(error):
    """`ClassName: first line of the message` of an exception."""
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", str(error)).splitlines()
             if line.strip()]
    text = lines[0] if lines else ""
    if "expect" not in text.lower():
        # Keras wraps the useful line ("expected shape=..., found shape=...") below its own.
        text = " ... ".join([text] + [line for line in lines[1:] if "expect" in line.lower()][:1])
    return f"{type(error).__name__}: {text}".strip()


def record(case_id, observed, passed):
    """Appends what a case did to the log named by `$AEZOO_RELIABILITY_LOG`, if set."""
    case(case_id)  # an unknown id fails the test that records it
    # Temporary folders differ per run: keep the file name only.
    observed = re.sub(rf"{re.escape(tempfile.gettempdir())}/[^\s'\"]*/", "<tmp>/", observed)
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    with open(path, "a") as f:
        f.write(json.dumps({"id": case_id, "observed": observed, "passed": bool(passed)}) + "\n")


def check_call(case_id, fn, check_result=None):
    """Runs `fn()` for a case, records the outcome, and asserts the expectation.

    Args:
        case_id: str. The case.
        fn: callable. The call under test.
        check_result: callable or None. For `"ok"` cases, asserts on the
            returned value (raise AssertionError to fail) and may return a
            text describing it.

    Returns:
        The returned value (for `"ok"` cases) or the raised exception.
    """
    expected = case(case_id)
    try:
        result = fn()
    except Exception as error:  # the outcome under test
        observed = error_text(error)
        passed = (type(error).__name__ == expected.outcome
                  and all(f in str(error) for f in expected.fragments))
        record(case_id, observed, passed)
        assert type(error).__name__ == expected.outcome, observed
        missing = [f for f in expected.fragments if f not in str(error)]
        assert not missing, f"message lacks {missing}: {observed}"
        return error
    observed = describe(result)
    if expected.outcome != "ok":
        record(case_id, observed, False)
        raise AssertionError(f"expected {expected.outcome}, {observed}")
    try:
        extra = check_result(result) if check_result else None
    except AssertionError as failure:
        record(case_id, f"{observed}; {failure}", False)
        raise
    record(case_id, f"{observed}{'; ' + extra if extra else ''}", True)
    return result


def check_cli(case_id, status, stderr, extra_ok=True, extra_text=""):
    """Records and asserts a CLI user error: exit 2, one stderr line, the fragments."""
    expected = case(case_id)
    lines = stderr.strip().splitlines()
    line = lines[-1] if lines else ""
    traceback = "Traceback" in stderr
    missing = [f for f in expected.fragments if f not in stderr]
    passed = (status == 2 and len(lines) == 1 and not traceback and not missing and extra_ok)
    observed = (f"exit {status}, {len(lines)} stderr line{'s' if len(lines) != 1 else ''}"
                f"{', traceback' if traceback else ''}: {line[:200]}{extra_text}")
    record(case_id, observed, passed)
    assert status == 2, observed
    assert not traceback and len(lines) == 1, stderr[-2000:]
    assert not missing, f"stderr lacks {missing}: {stderr}"
    assert extra_ok, observed


# ---------------------------------------------------------- shared fixtures

_EXPORTS = {}


def tiny_export(formats=("onnx", "tflite"), endpoints=("encode", "reconstruct")):
    """`(model, out_dir)`: a seeded tiny (8, 8, 1) AE exported once per test process.

    Shared by the runtime, file and property tests so the conversion runs once.
    """
    key = (tuple(formats), tuple(endpoints))
    if key not in _EXPORTS:
        import tempfile

        import keras

        import export
        import zoo

        keras.utils.set_random_seed(0)
        model = zoo.build("ae", input_shape=X_SHAPE, latent_dim=4, backbone="mlp",
                          hidden_units=(16,))
        x, _ = zoo.datasets.load("digits", "train")
        model.compile(optimizer="adam")
        model.fit(x[:256], epochs=1, batch_size=64, verbose=0)
        out = os.path.join(tempfile.mkdtemp(prefix="aezoo-reliability-"), "export")
        export.export_model(model, out, formats=formats, endpoints=endpoints,
                            representative_data=x[:64])
        _EXPORTS[key] = (model, out)
    return _EXPORTS[key]


def run_cli(argv):
    """Runs `aezoo ARGV` in this process: `(exit status, stdout, stderr)`.

    An exception that escapes `zoo.cli.main` is what a user would see as a
    traceback: it is returned as status 1 with "Traceback" and the error on
    stderr, so the case fails with the error in its observed outcome.
    """
    import contextlib
    import io

    from zoo import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(list(argv))
        except SystemExit as exit_info:
            status = exit_info.code if isinstance(exit_info.code, int) else 1
        except Exception as error:  # what the user would see as a traceback
            status = 1
            print(f"Traceback (most recent call last): {error_text(error)}", file=err)
    return status, out.getvalue(), err.getvalue()
