"""`load_runtime`: numpy in, numpy out, over ONNX Runtime, LiteRT or SavedModel.

This module never imports TensorFlow for `.onnx` and `.tflite` files, so
edge and server deployments need only `onnxruntime` or `ai-edge-litert`
(and numpy). A SavedModel folder imports TensorFlow when it is loaded.

Everything a call needs (input index, names, expected shape and dtype) is
looked up once at load time; a call checks the array, hands it to the
runtime and returns the outputs.
"""

import json
import math
import os

import numpy as np

from export import common

FLOAT32_MAX = float(np.finfo(np.float32).max)


def _not_a_model(path, kind, error):
    lines = str(error).strip().splitlines()
    return ValueError(f"{path} is not a valid {kind} model (truncated, empty or corrupt): "
                      f"{lines[0] if lines else type(error).__name__}")


class Runtime:
    """A loaded endpoint: call it with a numpy batch.

    `run(x)` returns a numpy array when the endpoint has one output
    (`z`, `reconstruction` or `score`), else a dict of named arrays
    (VQ-VAE `encode`: `{"codes": ..., "z": ...}`). `run.run_named(x)`
    always returns the dict.

    Attributes:
        format: str. `"onnx"`, `"tflite"` or `"saved_model"`.
        endpoint: str. Endpoint (signature) name.
        input_name: str. Name of the input, `"x"` or `"z"`.
        input_shape: tuple. Input shape, None for the dynamic batch axis.
        output_names: tuple of str. Names of the outputs, sorted.
        static_batch: int or None. Batch size the artifact was converted for;
            larger batches run one example at a time.
    """

    format = None

    def __init__(self, path, endpoint, input_name, input_shape, output_names, static_batch=None):
        self.path = path
        self.endpoint = endpoint
        self.input_name = input_name
        self.input_shape = tuple(input_shape)
        self.output_names = tuple(sorted(output_names))
        self.static_batch = static_batch
        self._example_shape = tuple(self.input_shape[1:])
        self._single = self.output_names[0] if len(self.output_names) == 1 else None
        self._expected = "(batch, " + ", ".join(str(d) for d in self._example_shape) + ")"

    def __repr__(self):
        return (f"<{type(self).__name__} {self.endpoint} {self.input_name}{self._expected} -> "
                f"{', '.join(self.output_names)} from {self.path}>")

    def _checked(self, x):
        if type(x) is not np.ndarray:
            if isinstance(x, dict):
                if set(x) != {self.input_name}:
                    raise ValueError(
                        f"{self.endpoint} expects one input named {self.input_name!r}. "
                        f"Received: {sorted(x)}")
                x = x[self.input_name]
            try:
                x = np.asarray(x)
            except (ValueError, TypeError) as error:
                raise ValueError(
                    f"{self.endpoint} expects `{self.input_name}` of shape {self._expected} "
                    f"(float32). Received: an object numpy cannot convert ({error})") from None
        if x.dtype != np.float32:
            if x.dtype.kind != "f":
                raise TypeError(
                    f"{self.endpoint} expects `{self.input_name}` as a float32 array of shape "
                    f"{self._expected}. Received: {self.input_name}.dtype={x.dtype}")
            if x.dtype.itemsize > 4 and np.isfinite(x).all():
                beyond = np.abs(x) > FLOAT32_MAX
                if beyond.any():
                    raise ValueError(
                        f"{self.endpoint} expects values within the float32 range in "
                        f"`{self.input_name}`. Received: {int(beyond.sum())} values beyond it, "
                        f"e.g. {float(x[beyond].flat[0]):g}")
            x = x.astype(np.float32)
        if x.shape[1:] != self._example_shape or x.ndim != len(self.input_shape) or not len(x):
            raise ValueError(
                f"{self.endpoint} expects `{self.input_name}` of shape {self._expected} "
                f"(float32). Received: {self.input_name}.shape={x.shape}")
        # x.x is NaN or inf iff some value is (or squares overflow): one BLAS call on the
        # hot path, the exact count only when it fails.
        if not math.isfinite(np.vdot(x, x)) and not np.isfinite(x).all():
            raise ValueError(
                f"{self.endpoint} expects finite values in `{self.input_name}`. Received: "
                f"{int((~np.isfinite(x)).sum())} NaN or inf values")
        return x

    def __call__(self, x):
        outputs = self.run_named(x)
        return outputs[self._single] if self._single is not None else outputs

    def run_named(self, x):
        """Runs a batch; returns `{output name: numpy array}`."""
        return self._run_checked(self._checked(x))

    def _run_checked(self, x):
        if self.static_batch is not None and len(x) != self.static_batch:
            parts = [self._run(x[i : i + 1]) for i in range(len(x))]
            return {name: np.concatenate([p[name] for p in parts]) for name in self.output_names}
        return self._run(x)

    def _run(self, x):
        raise NotImplementedError


class OnnxRuntime(Runtime):
    """An `.onnx` endpoint on ONNX Runtime (CPU)."""

    format = "onnx"

    def __init__(self, path, providers=None, session_options=None):
        import onnxruntime

        try:
            session = onnxruntime.InferenceSession(
                path, sess_options=session_options,
                providers=providers or ["CPUExecutionProvider"])
        except Exception as error:  # ONNX Runtime's own classes (InvalidProtobuf, Fail, ...)
            if "ONNXRuntimeError" not in str(error):
                raise
            raise _not_a_model(path, "ONNX", error) from None
        (graph_input,) = session.get_inputs()
        names = [o.name for o in session.get_outputs()]
        props = session.get_modelmeta().custom_metadata_map
        endpoint = props.get("endpoint", os.path.splitext(os.path.basename(path))[0])
        shape = tuple(d if isinstance(d, int) else None for d in graph_input.shape)
        super().__init__(path, endpoint, graph_input.name, shape, names)
        self.session = session
        self._run_outputs = list(self.output_names)
        self._run_call = session.run
        self.metadata = dict(props)

    def _run(self, x):
        values = self._run_call(self._run_outputs, {self.input_name: x})
        return dict(zip(self._run_outputs, values, strict=True))

    def __call__(self, x):
        # The hot path at batch 1: one check, one session call.
        x = self._checked(x)
        values = self._run_call(self._run_outputs, {self.input_name: x})
        if self._single is not None:
            return values[0]
        return dict(zip(self._run_outputs, values, strict=True))


class LiteRTRuntime(Runtime):
    """A `.tflite` endpoint on the LiteRT interpreter, through tensor indices."""

    format = "tflite"

    def __init__(self, path, endpoint=None, num_threads=None):
        from ai_edge_litert.interpreter import Interpreter

        try:
            interpreter = Interpreter(model_path=path, num_threads=num_threads)
        except ValueError as error:
            raise _not_a_model(path, "LiteRT", error) from None
        signatures = interpreter.get_signature_list()
        if endpoint is None:
            if len(signatures) != 1:
                raise ValueError(f"{path} holds signatures {sorted(signatures)}: pass endpoint=. "
                                 f"Received: endpoint=None")
            (endpoint,) = signatures
        if endpoint not in signatures:
            raise ValueError(f"{path} has no signature {endpoint!r}; it holds "
                             f"{sorted(signatures)}. Received: endpoint={endpoint!r}")
        interpreter.allocate_tensors()
        runner = interpreter.get_signature_runner(endpoint)
        ((input_name, input_detail),) = runner.get_input_details().items()
        outputs = runner.get_output_details()
        del runner  # it holds views of the tensors, which block a later resize
        static = tuple(int(d) for d in input_detail["shape"])
        dynamic = int(input_detail["shape_signature"][0]) == -1
        super().__init__(path, endpoint, input_name, (None,) + static[1:], outputs,
                         static_batch=None if dynamic else static[0])
        self.interpreter = interpreter
        self._input_index = input_detail["index"]
        self._output_indices = [(n, outputs[n]["index"]) for n in self.output_names]
        self._single_index = self._output_indices[0][1] if self._single is not None else None
        self._set = interpreter.set_tensor
        self._get = interpreter.get_tensor
        self._invoke = interpreter.invoke
        self._batch = static[0]

    def _resize(self, batch):
        self.interpreter.resize_tensor_input(self._input_index, (batch,) + self._example_shape,
                                             strict=True)
        self.interpreter.allocate_tensors()
        self._batch = batch

    def _run(self, x):
        if len(x) != self._batch:
            self._resize(len(x))
        self._set(self._input_index, x)
        self._invoke()
        return {name: self._get(index) for name, index in self._output_indices}

    def __call__(self, x):
        # The hot path at batch 1: one check, set, invoke, get.
        x = self._checked(x)
        if self._single is None or len(x) != self._batch:
            outputs = self._run_checked(x)
            return outputs[self._single] if self._single is not None else outputs
        self._set(self._input_index, x)
        self._invoke()
        return self._get(self._single_index)


class SavedModelRuntime(Runtime):
    """A SavedModel signature, run with TensorFlow (imported here)."""

    format = "saved_model"

    def __init__(self, path, endpoint=None, loaded=None):
        from zoo import quiet

        tf = quiet.import_tensorflow()
        if loaded is None:
            loaded = tf.saved_model.load(path)
        signatures = dict(loaded.signatures)
        if endpoint is None:
            if len(signatures) != 1:
                raise ValueError(f"{path} holds signatures {sorted(signatures)}: pass endpoint=. "
                                 f"Received: endpoint=None")
            (endpoint,) = signatures
        if endpoint not in signatures:
            raise ValueError(f"{path} has no signature {endpoint!r}; it holds "
                             f"{sorted(signatures)}. Received: endpoint={endpoint!r}")
        function = signatures[endpoint]
        ((input_name, spec),) = function.structured_input_signature[1].items()
        super().__init__(path, endpoint, input_name, tuple(spec.shape),
                         function.structured_outputs)
        self._loaded = loaded  # keeps the variables alive
        self._function = function
        self._constant = tf.constant

    def _run(self, x):
        outputs = self._function(**{self.input_name: self._constant(x)})
        return {name: outputs[name].numpy() for name in self.output_names}


def load_runtime(path, endpoint=None, **options):
    """Loads an exported endpoint as a numpy callable.

    Args:
        path: str. An `.onnx` file, a `.tflite` file, a SavedModel folder,
            or an export folder (with `endpoint`, picks its ONNX, else
            LiteRT, else SavedModel artifact).
        endpoint: str or None. Signature to run; needed for a SavedModel
            (or export folder) holding several. Defaults to `None`.
        **options: runtime options: `providers`, `session_options` (ONNX),
            `num_threads` (LiteRT).

    Returns:
        A `Runtime`. `run(x)` returns one numpy array when the endpoint has
        one output, else a dict of named arrays; `run.run_named(x)` always
        returns the dict. `x` must be a float array of shape
        `(batch,) + example shape` (ValueError otherwise; TypeError for
        non-float data).

    Example:
    >>> run = export.load_runtime("out/vae/encode.onnx")
    >>> z = run(x_test[:8])          # numpy (8, latent_dim)
    """
    path = os.fspath(path)
    if os.path.isfile(path) and path.endswith(".onnx"):
        return OnnxRuntime(path, **options)
    if os.path.isfile(path) and path.endswith(".tflite"):
        return LiteRTRuntime(path, endpoint=endpoint, **options)
    if os.path.isdir(path) and os.path.isfile(os.path.join(path, "saved_model.pb")):
        return SavedModelRuntime(path, endpoint=endpoint)
    if os.path.isfile(os.path.join(path, common.MANIFEST)):
        with open(os.path.join(path, common.MANIFEST)) as f:
            manifest = json.load(f)
        for fmt in ("onnx", "tflite", "saved_model"):
            for artifact in manifest["artifacts"]:
                if artifact["format"] == fmt and artifact["endpoint"] == endpoint:
                    return load_artifact(path, artifact, **options)
        raise ValueError(
            f"{path} exports endpoints {sorted({a['endpoint'] for a in manifest['artifacts']})}. "
            f"Received: endpoint={endpoint!r}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"No exported model at {path}. Received: path={path!r}")
    raise ValueError(
        "load_runtime expects an .onnx file, a .tflite file, a SavedModel folder or an aezoo "
        f"export folder. Received: path={path!r}")


def load_artifact(out_dir, artifact, saved_models=None, **options):
    """Loads one artifact of an export from its manifest entry.

    `saved_models` (a dict) caches loaded SavedModels by path: loading one
    costs far more than running it, and every endpoint shares the folder.
    """
    path = os.path.join(out_dir, artifact["file"])
    if artifact["format"] == "onnx":
        return OnnxRuntime(path, **options)
    if artifact["format"] == "saved_model" and saved_models is not None:
        if path not in saved_models:
            from zoo import quiet

            saved_models[path] = quiet.import_tensorflow().saved_model.load(path)
        return SavedModelRuntime(path, artifact["endpoint"], loaded=saved_models[path])
    return load_runtime(path, endpoint=artifact["endpoint"], **options)
