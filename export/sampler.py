"""TF-free latent diffusion sampling: the exported denoiser and decoder, driven by a numpy loop.

`export_sampler(model, folder)` writes a model's diffusion denoiser and its
decoder to ONNX and LiteRT, with `sampler.json` (noise schedule, latent
standardization, files and their sha256, measured parity). `load_sampler`
reads such a folder with ONNX Runtime or LiteRT alone: the sampling loop is
`zoo.priors.scheduler.NoiseScheduler.sample`, which imports numpy only, and
its noise comes from `numpy.random.default_rng(seed)` exactly as in
`model.sample(n, seed=...)`. The same seed therefore gives the Keras
samples, up to the runtimes' float round-off.

Example:
>>> import export.sampler
>>> export.sampler.export_sampler(model, "out/ldm")
>>> sampler = export.sampler.load_sampler("out/ldm", runtime="onnx")
>>> images = sampler.sample(16, seed=0, steps=50)     # no TensorFlow imported
"""

import json
import os

import numpy as np

from export import common

SAMPLER_FILE = "sampler.json"
DENOISER = "denoise"
RUNTIMES = ("onnx", "tflite")
FORMAT_VERSION = 1
# Largest |Keras - runtime| on images over a whole DDIM run (seeded, 16 samples, 25 steps):
# each step's round-off carries into the next, so a few times one call's tolerance.
SAMPLE_TOLERANCE = {"onnx": 1e-3, "tflite": 1e-3}


def _latent_prior(model):
    prior = getattr(model, "latent_prior", None)
    if prior is None or not hasattr(prior, "denoise_tensor"):
        raise ValueError(
            "export_sampler needs a model with a latent diffusion prior: call "
            "`model.fit_prior(x, kind='diffusion')` first. Received: a model whose "
            f"prior is {getattr(model, 'prior_kind', None)!r}")
    return prior


def _denoiser_function(prior, batch_size=None):
    import tensorflow as tf

    signature = [tf.TensorSpec((batch_size, prior.latent_dim), tf.float32, name="z_t"),
                 tf.TensorSpec((batch_size,), tf.float32, name="t")]

    @tf.function(input_signature=signature)
    def denoise(z_t, t):
        return {"prediction": tf.identity(prior.denoise_tensor(z_t, t), name="prediction")}

    return denoise


def _export_denoiser_onnx(prior, path, metadata):
    import onnx
    import tf2onnx

    from zoo import quiet

    function = _denoiser_function(prior)
    with quiet.silenced_stderr():
        proto, _ = tf2onnx.convert.from_function(
            function, input_signature=function.input_signature, opset=common.DEFAULT_OPSET)
    del proto.metadata_props[:]
    for key, value in sorted({"endpoint": DENOISER, **metadata}.items()):
        entry = proto.metadata_props.add()
        entry.key, entry.value = str(key), str(value)
    proto.producer_name = "aezoo"
    onnx.checker.check_model(proto)
    onnx.save(proto, path)


def _export_denoiser_tflite(prior, path, scratch):
    import keras
    import tensorflow as tf

    from zoo import quiet

    archive = keras.export.ExportArchive()
    archive.track(prior.denoiser)
    function = _denoiser_function(prior)
    archive.add_endpoint(DENOISER, function, input_signature=function.input_signature)
    saved_model = os.path.join(scratch, "denoise_saved_model")
    with quiet.silenced_stderr():
        archive.write_out(saved_model, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model,
                                                             signature_keys=[DENOISER])
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        flatbuffer = converter.convert()
    with open(path, "wb") as f:
        f.write(flatbuffer)


def export_sampler(model, out_dir, runtimes=RUNTIMES, overwrite=False, parity_seed=0,
                   parity_samples=16, parity_steps=25):
    """Exports a model's diffusion denoiser and decoder for TF-free sampling, checked end to end.

    Writes into a temporary folder renamed to `out_dir` at the end:
    `denoise.onnx` / `denoise.tflite` (inputs `z_t` `(batch, latent_dim)`
    and `t` `(batch,)`, output `prediction`), the decoder through
    `export.export_model(..., endpoints=("decode",))` in `decoder/` (with
    its own manifest and per-call parity), and `sampler.json`. Before the
    rename, each runtime's sampler draws `parity_samples` images with
    `parity_seed` and is compared with `model.sample`; a difference above
    `SAMPLE_TOLERANCE` raises `export.ParityError`.

    Args:
        model: an aezoo model with a diffusion prior (`fit_prior(x, kind="diffusion")`).
        out_dir: str. Folder to write.
        runtimes: tuple of str. Subset of `("onnx", "tflite")`.
        overwrite: bool. Replace an existing `out_dir`. Defaults to `False`.
        parity_seed: int. Seed of the end-to-end check. Defaults to `0`.
        parity_samples: int. Images drawn in the check. Defaults to `16`.
        parity_steps: int. Denoising steps in the check. Defaults to `25`.

    Returns:
        dict: the contents of `sampler.json`.

    Example:
    >>> info = export_sampler(zoo.load("ldm_conv_mnist"), "out/ldm")
    >>> info["parity"]["onnx"]["max_abs_error"] < 1e-3
    True
    """
    runtimes = tuple(common.check_choices("runtimes", runtimes, RUNTIMES))
    prior = _latent_prior(model)
    import export
    from zoo import atomic

    out_dir = atomic.check_writable_target(os.fspath(out_dir), overwrite)
    metadata = {"variant": getattr(model, "variant_name", None) or type(model).__name__,
                **common.versions()}
    reference = np.asarray(model.sample(parity_samples, seed=parity_seed, steps=parity_steps))
    with atomic.atomic_directory(out_dir, overwrite=overwrite) as tmp:
        files = {}
        if "onnx" in runtimes:
            _export_denoiser_onnx(prior, os.path.join(tmp, f"{DENOISER}.onnx"), metadata)
            files["onnx"] = f"{DENOISER}.onnx"
        if "tflite" in runtimes:
            scratch = os.path.join(tmp, ".scratch")
            os.makedirs(scratch)
            _export_denoiser_tflite(prior, os.path.join(tmp, f"{DENOISER}.tflite"), scratch)
            import shutil

            shutil.rmtree(scratch)
            files["tflite"] = f"{DENOISER}.tflite"
        # The decoder's parity data: generated images, whose codes are the prior's latents.
        generated = np.asarray(model.sample(64, seed=parity_seed + 1, steps=10))
        export.export_model(model, os.path.join(tmp, "decoder"), formats=runtimes,
                            endpoints=("decode",), representative_data=generated)
        info = {
            "format": FORMAT_VERSION,
            "data_shape": [int(d) for d in model.data_shape],
            "latent_dim": int(prior.latent_dim),
            "scheduler": prior.scheduler.get_config(),
            "latent_mean": [float(v) for v in np.asarray(prior.latent_mean.numpy())],
            "latent_scale": [float(v) for v in np.asarray(prior.latent_scale.numpy())],
            "denoiser": files,
            "decoder": "decoder",
            "sha256": {name: common.sha256(os.path.join(tmp, name)) for name in files.values()},
            "parity": {},
        }
        common.write_json(os.path.join(tmp, SAMPLER_FILE), info)
        for runtime in runtimes:
            drawn = DiffusionSampler(tmp, runtime).sample(parity_samples, seed=parity_seed,
                                                          steps=parity_steps)
            error = float(np.max(np.abs(drawn - reference)))
            info["parity"][runtime] = {
                "seed": parity_seed, "samples": parity_samples, "steps": parity_steps,
                "max_abs_error": error, "tolerance": SAMPLE_TOLERANCE[runtime],
                "passed": error <= SAMPLE_TOLERANCE[runtime]}
            if error > SAMPLE_TOLERANCE[runtime]:
                raise export.ParityError(
                    f"The {runtime} sampler differs from model.sample by {error:.3g} "
                    f"(tolerance {SAMPLE_TOLERANCE[runtime]:g}) for seed {parity_seed}.")
        common.write_json(os.path.join(tmp, SAMPLER_FILE), info)
    return info


# ----------------------------------------------------------------- runtime


class _OnnxDenoiser:
    def __init__(self, path):
        import onnxruntime

        self.session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])

    def __call__(self, z_t, t):
        return self.session.run(["prediction"], {"z_t": z_t, "t": t})[0]


class _LiteRTDenoiser:
    def __init__(self, path):
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=path)
        self.runner = self.interpreter.get_signature_runner(DENOISER)

    def __call__(self, z_t, t):
        return self.runner(z_t=z_t, t=t)["prediction"]


class DiffusionSampler:
    """Samples images from an `export_sampler` folder with ONNX Runtime or LiteRT, no TensorFlow.

    Args:
        folder: str. A folder written by `export_sampler`.
        runtime: str. `"onnx"` or `"tflite"`. Defaults to `"onnx"`.
        verify: bool. Check each denoiser file's sha256 first. Defaults to `True`.

    Example:
    >>> sampler = DiffusionSampler("out/ldm", runtime="tflite")
    >>> images = sampler.sample(8, seed=0, steps=50)
    """

    def __init__(self, folder, runtime="onnx", verify=True):
        from export.runtime import load_runtime
        from zoo.priors.scheduler import NoiseScheduler

        if runtime not in RUNTIMES:
            raise ValueError(f"`runtime` must be one of {list(RUNTIMES)}. "
                             f"Received: runtime={runtime!r}")
        path = os.path.join(os.fspath(folder), SAMPLER_FILE)
        if not os.path.isfile(path):
            raise ValueError(f"{folder} is not a sampler folder: no {SAMPLER_FILE}. "
                             "Write one with export.sampler.export_sampler.")
        with open(path) as f:
            try:
                info = json.load(f)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path} is not valid JSON ({error}).") from None
        if runtime not in info.get("denoiser", {}):
            raise ValueError(f"{folder} holds no {runtime} denoiser; it holds "
                             f"{sorted(info.get('denoiser', {}))}. Received: runtime={runtime!r}")
        name = info["denoiser"][runtime]
        denoiser_path = os.path.join(folder, name)
        if verify and common.sha256(denoiser_path) != info["sha256"][name]:
            raise ValueError(f"Refusing to load {denoiser_path}: its sha256 differs from "
                             f"{SAMPLER_FILE} (corrupt or modified).")
        self.info = info
        self.runtime = runtime
        self.scheduler = NoiseScheduler(**info["scheduler"])
        self.latent_dim = int(info["latent_dim"])
        self._mean = np.asarray(info["latent_mean"], np.float32)
        self._scale = np.asarray(info["latent_scale"], np.float32)
        self._denoise = (_OnnxDenoiser if runtime == "onnx" else _LiteRTDenoiser)(denoiser_path)
        extension = "onnx" if runtime == "onnx" else "tflite"
        self._decode = load_runtime(os.path.join(folder, info["decoder"], f"decode.{extension}"))

    def sample_latents(self, n, seed=None, steps=50, eta=0.0):
        """Returns `n` latent vectors `(n, latent_dim)`, as `model.prior_latents` would."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"`n` must be a positive integer. Received: n={n!r}")
        latents = self.scheduler.sample(self._denoise, (n, self.latent_dim), seed=seed,
                                        steps=steps, eta=eta)
        return (latents * self._scale + self._mean).astype(np.float32)

    def sample(self, n, seed=None, steps=50, eta=0.0):
        """Returns `n` decoded samples, `(n,) + data_shape`, float32."""
        return np.asarray(self._decode(self.sample_latents(n, seed, steps, eta)))


def load_sampler(folder, runtime="onnx", verify=True):
    """Returns a `DiffusionSampler` over an `export_sampler` folder (ONNX Runtime or LiteRT)."""
    return DiffusionSampler(folder, runtime=runtime, verify=verify)
