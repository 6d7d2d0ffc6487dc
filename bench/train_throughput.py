"""Training throughput: the zoo's `fit` against plain Keras with the same layers and loss.

For AE and VAE on the mlp and conv backbones (mnist5k, 28x28x1), each
contender is compiled once, warmed up (one epoch: tracing, XLA compilation),
then timed for one short epoch (8 steps) per round, the contenders
interleaved round by round (zoo, plain, zoo, plain, ...) so that machine
noise hits both alike; many short rounds resolve a few percent on a shared
machine better than a few long ones. A round's rate comes from its median
step interval (the first step, which holds `fit`'s setup, excluded).
Reported: median samples/s over rounds and the median of the per-round
ratios zoo / plain, with and without `jit_compile=True` (XLA); beside them,
the median ratio over 40 alternating `train_on_batch` pairs, and the
whole-`fit`-call ratio (setup included).

Plain baselines:
- AE: `keras.Model(inputs, decoder(encoder(inputs)))` (clones of the zoo
  model's encoder and decoder) compiled with the same per-example summed
  squared error (Keras then averages over the batch).
- VAE: the standard Keras-3 VAE recipe, a minimal `keras.Model` subclass
  with its own `train_step` (split encoder output into mean and log-variance,
  reparameterized sample with `keras.random.normal`, Bernoulli log-likelihood
  from logits, closed-form KL, both summed per example and averaged over the
  batch). The zoo VAE computes the same ELBO with TFP distributions.

Input pipelines (zoo conv AE, no XLA): numpy arrays, `tf.data` from tensors
(batched, cached, prefetched), and `zoo.datasets.from_files` on `.npz`
parts (as is, and with `.cache()`).

Run: python -m bench.train_throughput [--rounds 15] [--examples 1024] [--quick] [--out DIR]
"""

import argparse
import os
import tempfile
import time

import numpy as np

from bench.common import markdown_table, write_results

MODELS = (("ae", "mlp"), ("ae", "conv"), ("vae", "mlp"), ("vae", "conv"))
QUICK_PIPELINES = ("numpy arrays", "tf.data tensors, cache + prefetch", "from_files .npz")


def zoo_model(variant, backbone, options, jit_compile, x):
    """Returns a compiled zoo model for (28, 28, 1) data."""
    import keras

    import zoo

    keras.utils.set_random_seed(0)
    model = zoo.build(variant, input_shape=x.shape[1:], latent_dim=16, backbone=backbone,
                      **options)
    # One step per call, as the plain Keras models: this compares the train steps themselves
    # (aezoo's default of several steps per call is measured in bench/peers/training.py).
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit_compile,
                  steps_per_execution=1)
    return model


def summed_squared_error(target, outputs):
    """Per-example summed squared error; Keras averages it over the batch."""
    from keras import ops

    return ops.sum(ops.reshape(ops.square(target - outputs), (ops.shape(target)[0], -1)), axis=1)


def plain_autoencoder(reference, jit_compile):
    """Returns the functional Keras model with the zoo model's layers, compiled."""
    import keras

    encoder = keras.models.clone_model(reference.encoder)
    decoder = keras.models.clone_model(reference.decoder)
    inputs = keras.Input(shape=reference.data_shape)
    model = keras.Model(inputs, decoder(encoder(inputs)))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=summed_squared_error,
                  jit_compile=jit_compile)
    return model


def plain_vae_class():
    """Returns the minimal Keras-3 VAE subclass used as the plain VAE baseline."""
    import keras
    from keras import ops

    class PlainVAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.seed = keras.random.SeedGenerator(0)
            self.loss_tracker = keras.metrics.Mean(name="loss")

        @property
        def metrics(self):
            return [self.loss_tracker]

        def call(self, x):
            mean, _ = ops.split(self.encoder(x), 2, axis=-1)
            return ops.sigmoid(self.decoder(mean))

        def train_step(self, data):
            import tensorflow as tf

            x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
            with tf.GradientTape() as tape:
                mean, log_var = ops.split(self.encoder(x, training=True), 2, axis=-1)
                noise = keras.random.normal(ops.shape(mean), seed=self.seed)
                z = mean + ops.exp(0.5 * log_var) * noise
                logits = self.decoder(z, training=True)
                cross_entropy = ops.maximum(logits, 0) - logits * x + ops.log1p(
                    ops.exp(-ops.abs(logits)))
                reconstruction = ops.sum(ops.reshape(cross_entropy, (ops.shape(x)[0], -1)), 1)
                kl = -0.5 * ops.sum(1 + log_var - ops.square(mean) - ops.exp(log_var), axis=1)
                loss = ops.mean(reconstruction + kl)
            gradients = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(gradients, self.trainable_weights, strict=True))
            self.loss_tracker.update_state(loss)
            return {"loss": self.loss_tracker.result()}

    return PlainVAE


def plain_vae(reference, jit_compile):
    """Returns the minimal-subclass Keras VAE with the zoo VAE's layers, compiled."""
    import keras

    model = plain_vae_class()(keras.models.clone_model(reference.encoder),
                              keras.models.clone_model(reference.decoder))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit_compile)
    return model


class StepTimer:
    """Keras callback recording the time between consecutive training steps.

    The median interval ignores the first step of a `fit` call (data
    adapter, iterator, prefetch start) and bursts of load from other
    processes on a shared machine, so it is the steady training rate.
    """

    def __new__(cls):
        import keras

        class _Timer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.times = []

            def on_train_batch_end(self, batch, logs=None):
                self.times.append(time.perf_counter())

            def median_step_seconds(self):
                return float(np.median(np.diff(self.times)))

        return _Timer()


def interleaved_rates(contenders, rounds, examples, batch_size):
    """Steady samples/s per round for each contender, timed in turn each round.

    Args:
        contenders: dict. Name -> function `(callbacks) -> None` running one epoch.
        rounds: int. Timed rounds after one warm-up epoch each.
        examples: int. Examples per epoch (a multiple of `batch_size`).
        batch_size: int. Examples per step.

    Returns:
        `(rates, call_rates)`: dicts name -> list of samples/s, one per round;
        `rates` from the median step time of the round's epoch, `call_rates`
        from the whole `fit` call (one epoch, setup included).
    """
    for run_epoch in contenders.values():
        run_epoch([])  # traces (and XLA-compiles) the train function
    rates = {name: [] for name in contenders}
    call_rates = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run_epoch in contenders.items():
            timer = StepTimer()
            started = time.perf_counter()
            run_epoch([timer])
            call_rates[name].append(examples / (time.perf_counter() - started))
            rates[name].append(batch_size / timer.median_step_seconds())
    return rates, call_rates


def fit_epoch(model, x, y, batch_size):
    """Returns a function running one `fit` epoch of `model` on arrays."""
    return lambda callbacks: model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0,
                                       shuffle=False, callbacks=callbacks)


def fit_dataset_epoch(model, dataset):
    """Returns a function running one `fit` epoch of `model` on a dataset."""
    return lambda callbacks: model.fit(dataset, epochs=1, verbose=0, callbacks=callbacks)


def paired_step_ratio(zoo_step, plain_step, steps):
    """Median over step pairs of zoo / plain step rate, alternating which goes first.

    Args:
        zoo_step, plain_step: functions running one `train_on_batch` step.
        steps: int. Step pairs.
    """
    clock = time.perf_counter
    ratios = []
    for i in range(steps):
        pair = (zoo_step, plain_step) if i % 2 == 0 else (plain_step, zoo_step)
        seconds = []
        for step in pair:
            started = clock()
            step()
            seconds.append(clock() - started)
        zoo_seconds, plain_seconds = seconds if i % 2 == 0 else seconds[::-1]
        ratios.append(plain_seconds / zoo_seconds)
    return float(np.median(ratios))


def fit_prologue_seconds(model, x):
    """Seconds of the zoo `fit`'s own input checks on numpy `x`, before Keras' `fit`."""
    from zoo import checks

    started = time.perf_counter()
    model._check_fit_data(x, None, "fit")
    checks.batch_array(x, model.data_shape, "fit")
    return time.perf_counter() - started


def median_ratio(numerators, denominators):
    """Median over rounds of the per-round ratio (both timed side by side)."""
    return float(np.median([a / b for a, b in zip(numerators, denominators, strict=True)]))


def model_rows(x, options, rounds, batch_size, models, xla_modes=(False, True), steps=40):
    """Rows of zoo vs plain samples/s for each model, without and with XLA."""
    rows = []
    for variant, backbone in models:
        for jit_compile in xla_modes:
            zoo_ae = zoo_model(variant, backbone, options.get(backbone, {}), jit_compile, x)
            if variant == "vae":
                plain = plain_vae(zoo_ae, jit_compile)
                contenders = {"zoo": fit_epoch(zoo_ae, x, None, batch_size),
                              "plain": fit_epoch(plain, x, None, batch_size)}
            else:
                plain = plain_autoencoder(zoo_ae, jit_compile)
                contenders = {"zoo": fit_epoch(zoo_ae, x, None, batch_size),
                              "plain": fit_epoch(plain, x, x, batch_size)}
            rates, call_rates = interleaved_rates(contenders, rounds, len(x), batch_size)
            row = {"variant": variant, "backbone": backbone, "xla": jit_compile,
                   "zoo_samples_per_s": float(np.median(rates["zoo"])),
                   "plain_samples_per_s": float(np.median(rates["plain"])),
                   "ratio_zoo_to_plain": median_ratio(rates["zoo"], rates["plain"]),
                   "ratio_zoo_to_plain_whole_call": median_ratio(call_rates["zoo"],
                                                                 call_rates["plain"]),
                   "rounds": rounds, "zoo_rates": rates["zoo"], "plain_rates": rates["plain"]}
            batch = x[:batch_size]
            target = None if variant == "vae" else batch
            row["paired_step_ratio"] = paired_step_ratio(
                lambda: zoo_ae.train_on_batch(batch),  # noqa: B023 (used in this iteration)
                lambda: plain.train_on_batch(batch, target),  # noqa: B023
                steps)
            row["fit_prologue_ms"] = 1e3 * fit_prologue_seconds(zoo_ae, x)
            print(f"{variant}/{backbone} xla={jit_compile}: zoo {row['zoo_samples_per_s']:.0f}"
                  f" vs plain {row['plain_samples_per_s']:.0f} samples/s "
                  f"(ratio {row['ratio_zoo_to_plain']:.3f}, paired train_on_batch "
                  f"{row['paired_step_ratio']:.3f})", flush=True)
            rows.append(row)
    _add_xla_speedups(rows)
    return rows


def _add_xla_speedups(rows):
    eager = {(r["variant"], r["backbone"]): r for r in rows if not r["xla"]}
    for row in rows:
        base = eager.get((row["variant"], row["backbone"]))
        if row["xla"] and base is not None:
            row["xla_speedup_zoo"] = row["zoo_samples_per_s"] / base["zoo_samples_per_s"]
            row["xla_speedup_plain"] = row["plain_samples_per_s"] / base["plain_samples_per_s"]


def npz_parts(x, folder, parts=4):
    """Writes `x` as `parts` .npz files in `folder`; returns their glob."""
    for i, chunk in enumerate(np.array_split(x, parts)):
        np.savez(os.path.join(folder, f"part-{i:02d}.npz"), x=chunk)
    return os.path.join(folder, "part-*.npz")


def pipeline_rows(x, options, rounds, batch_size, quick=False):
    """Samples/s of the zoo conv AE's `fit` fed by each input pipeline, interleaved."""
    import tensorflow as tf

    from zoo.datasets import streaming

    model = zoo_model("ae", "conv", options.get("conv", {}), False, x)
    with tempfile.TemporaryDirectory() as folder:
        pattern = npz_parts(x, folder)
        tensors = tf.data.Dataset.from_tensor_slices(x).batch(batch_size)
        contenders = {
            "numpy arrays": fit_epoch(model, x, None, batch_size),
            "tf.data tensors, prefetch": fit_dataset_epoch(
                model, tensors.prefetch(tf.data.AUTOTUNE)),
            "tf.data tensors, cache + prefetch": fit_dataset_epoch(
                model, tensors.cache().prefetch(tf.data.AUTOTUNE)),
            "from_files .npz": fit_dataset_epoch(
                model, streaming.from_files(pattern, batch_size=batch_size)),
            "from_files .npz, cache + prefetch": fit_dataset_epoch(
                model, streaming.from_files(pattern, batch_size=batch_size).cache().prefetch(
                    tf.data.AUTOTUNE)),
        }
        if quick:
            contenders = {k: v for k, v in contenders.items() if k in QUICK_PIPELINES}
        rates, _ = interleaved_rates(contenders, rounds, len(x), batch_size)
    numpy_rate = float(np.median(rates["numpy arrays"]))
    rows = [{"pipeline": name, "samples_per_s": float(np.median(r)),
             "ratio_to_numpy": float(np.median(r)) / numpy_rate, "rates": r}
            for name, r in rates.items()]
    for row in rows:
        print(f"pipeline {row['pipeline']}: {row['samples_per_s']:.0f} samples/s", flush=True)
    return rows


def iteration_rows(x, rounds, batch_size):
    """Examples/s of iterating each input pipeline alone (no model), interleaved.

    Shows what a pipeline can deliver, apart from the training step it feeds.
    """
    import tensorflow as tf

    from zoo.datasets import streaming

    with tempfile.TemporaryDirectory() as folder:
        pattern = npz_parts(x, folder)
        datasets = {
            "tf.data tensors": tf.data.Dataset.from_tensor_slices(x).batch(batch_size),
            "from_files .npz": streaming.from_files(pattern, batch_size=batch_size),
            "from_files .npz, cache": streaming.from_files(pattern, batch_size=batch_size).cache(),
        }
        rates = {name: [] for name in datasets}
        for dataset in datasets.values():
            for _ in dataset:  # warm-up pass; fills the caches
                pass
        for _ in range(rounds):
            for name, dataset in datasets.items():
                started = time.perf_counter()
                for _ in dataset:
                    pass
                rates[name].append(len(x) / (time.perf_counter() - started))
    return [{"pipeline": name, "examples_per_s": float(np.median(r))} for name, r in rates.items()]


def run(examples=1024, rounds=15, batch_size=128, quick=False, out_dir=None,
        models=MODELS, xla_modes=(False, True)):
    """Measures every row and writes `train_throughput.json` and `.md`; returns the payload."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import zoo

    x, _ = zoo.datasets.load("mnist5k", "train")
    # Whole batches only, so every timed step carries `batch_size` examples.
    x = x[: max(examples // batch_size, 2) * batch_size]
    # Tiny networks in quick mode: the script runs end to end, numbers mean nothing.
    options = ({"mlp": {"hidden_units": (32,)}, "conv": {"filters": (4,)}} if quick else {})
    rows = model_rows(x, options, rounds, batch_size, models, xla_modes, 4 if quick else 40)
    pipelines = pipeline_rows(x, options, rounds, batch_size, quick)
    iteration = iteration_rows(x, rounds, batch_size)
    payload = {"examples": len(x), "batch_size": batch_size, "rounds": rounds, "quick": quick,
               "models": rows, "pipelines": pipelines, "pipeline_iteration": iteration,
               "worst_ratio_zoo_to_plain": min(r["ratio_zoo_to_plain"] for r in rows),
               "worst_paired_step_ratio": min(r["paired_step_ratio"] for r in rows),
               "plain_vae_baseline": "minimal keras.Model subclass with its own train_step"}
    kwargs = {"out_dir": out_dir} if out_dir else {}
    write_results("train_throughput", payload, markdown(payload), **kwargs)
    return payload


def ratio_spread(row):
    """`"p25-p75"` of a row's per-round zoo / plain ratios: the noise the median sits in."""
    ratios = [z / p for z, p in zip(row["zoo_rates"], row["plain_rates"], strict=True)]
    low, high = np.percentile(ratios, [25, 75])
    return f"{low:.2f}-{high:.2f}"


def markdown(payload):
    """Returns the markdown report of a training-throughput payload."""
    for row in payload["models"]:
        row["ratio_spread"] = ratio_spread(row)
    models = markdown_table(payload["models"], [
        ("variant", "variant"), ("backbone", "backbone"), ("xla", "XLA"),
        ("zoo_samples_per_s", "zoo fit samples/s"),
        ("plain_samples_per_s", "plain Keras samples/s"),
        ("ratio_zoo_to_plain", "zoo / plain (median of rounds)"),
        ("ratio_spread", "per-round p25-p75"),
        ("paired_step_ratio", "zoo / plain (train_on_batch pairs)"),
        ("ratio_zoo_to_plain_whole_call", "zoo / plain (whole fit call)"),
        ("fit_prologue_ms", "zoo fit input checks ms"),
        ("xla_speedup_zoo", "XLA speed-up, zoo"), ("xla_speedup_plain", "XLA speed-up, plain")])
    pipelines = markdown_table(payload["pipelines"], [
        ("pipeline", "input pipeline (zoo conv AE, no XLA)"), ("samples_per_s", "samples/s"),
        ("ratio_to_numpy", "vs numpy arrays")])
    iteration = markdown_table(payload["pipeline_iteration"], [
        ("pipeline", "pipeline"), ("examples_per_s", "examples/s, iteration only")])
    return (f"# Training throughput (mnist5k, {payload['examples']} examples, batch "
            f"{payload['batch_size']}, median of {payload['rounds']} interleaved rounds)\n\n"
            f"{models}\n\nWorst zoo/plain ratio: {payload['worst_ratio_zoo_to_plain']:.3f} over "
            f"fit epochs (median step time per epoch, median over rounds), "
            f"{payload['worst_paired_step_ratio']:.3f} over alternating `train_on_batch` "
            "pairs (target >= 0.95). Plain VAE: a minimal `keras.Model` subclass with the standard "
            "Keras-3 VAE `train_step`; plain AE: `keras.Model(inputs, decoder(encoder(inputs)))`"
            " with the same per-example summed loss.\n\n## Input pipelines\n\n"
            f"{pipelines}\n\nIterating each pipeline alone (no model):\n\n{iteration}\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--models", default=",".join(f"{v}/{b}" for v, b in MODELS),
                        help="comma-separated variant/backbone pairs (default: all four)")
    parser.add_argument("--no-xla", action="store_true", help="skip the jit_compile=True rows")
    parser.add_argument("--quick", action="store_true",
                        help="tiny mlp networks, 256 examples, 1 round, no XLA: checks that it "
                             "runs; the numbers mean nothing")
    parser.add_argument("--out", default=None, help="results folder (default bench/results)")
    args = parser.parse_args(argv)
    models = tuple(tuple(pair.split("/")) for pair in args.models.split(","))
    xla_modes = (False,) if args.no_xla else (False, True)
    if args.quick:
        args.examples, args.rounds, args.batch_size = 256, 1, 64
        models, xla_modes = (("ae", "mlp"), ("vae", "mlp")), (False,)
    return run(args.examples, args.rounds, args.batch_size, args.quick, args.out, models,
               xla_modes)


if __name__ == "__main__":
    main()
