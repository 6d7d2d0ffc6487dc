"""Training speed against a PyTorch peer: aezoo's VAE against pythae's, same net, same core.

Same data, network, objective and optimizer on both sides:
- data: the 4,000 mnist5k training digits, binarized (`x > 0.5`); IW-NLL on
  the 1,000 test digits, binarized;
- `mlp`: encoder 784-512-(16 means, 16 scales), decoder 16-512-784
  Bernoulli (pythae's default MLP; `hidden_units=(512,)` in aezoo);
- `conv`: aezoo's conv backbone (`filters=(32, 64)`, kernel 3: two stride-2
  convolutions, a dense code layer; dense, two stride-2 transposed
  convolutions and a 3x3 output convolution) and the same layers in PyTorch,
  given to pythae as its encoder and decoder: parameter counts are listed;
- objective: one-sample ELBO, Bernoulli likelihood summed over pixels,
  analytic KL, mean over the batch; Adam, learning rate 1e-3, batch 100,
  shuffled every epoch; default compile / trainer settings otherwise.

Each contender lives in its own worker process (its own thread pools) and
makes one training call for the whole run, as a user would: aezoo one
`fit(x, batch_size=100, epochs=E)`, pythae one `BaseTrainer.train()`. An
epoch-end callback pauses the call between rounds, so the contenders take
turns round by round (aezoo, [aezoo plain,] pythae, then the reverse order),
and load from other processes hits all alike. A round's rate is 4,000
samples over its median epoch time (steady state: XLA compilation and
pythae's start-up sit in the first epoch or before it; per-epoch shuffling
and iterator set-up count). Reported: the median over rounds, the median of
the per-round ratios, and the whole run (start-up, compilation and the whole
training call, pauses excluded). After the last round every model has
trained the same number of epochs and is scored by importance-weighted NLL
with k = 500: `zoo.evaluation.iw_nll` for aezoo, pythae's own
`get_nll(n_samples=500)` for pythae (the same estimator: log-mean-exp of
log p(x|z) + log p(z) - log q(z|x)).

Contenders:
- `aezoo`: `zoo.build("vae", ...)`, `compile(optimizer=Adam(1e-3))` with
  every other setting left to aezoo's defaults, `fit(x, batch_size=100)`.
- `aezoo plain`: the same with `steps_per_execution=1, jit_compile=False`,
  a plain Keras `compile` (aezoo's behaviour before it chose its own).
- `aezoo baseline` (with `--baseline-tree DIR`): the `aezoo` contender run
  from another checkout, e.g. `git archive <rev>` of the code before a
  change, with this script copied in: before and after in the same rounds.
- `pythae`: `pythae.models.VAE(VAEConfig(reconstruction_loss="bce"))`
  trained by its `BaseTrainer` (Adam, lr 1e-3, batch 100) with its default
  callbacks (progress bar, metric printer); its epoch is timed from the
  epoch-begin to the log hook (checkpoint copy and logging included).
  Both sides print progress at their default verbosity into the worker log.

Cores: `one` pins each worker to the same single CPU
(`os.sched_setaffinity`) and sets one intra- and one inter-op thread
(TensorFlow, PyTorch, OpenMP/BLAS); `all` leaves affinity and threads at
their defaults.

Needs the optional `peers` extra: `pip install -e ".[peers]"` (CPU torch and
pythae; both install beside the pinned TensorFlow stack without changing it).

Run: python -m bench.peers.training [--quick] [--nets mlp,conv] [--cores one,all]
     [--epochs 100] [--other-epochs 20] [--rounds 10] [--contenders aezoo,pythae]
     [--out DIR]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from bench.common import RESULTS, markdown_table, write_results

NAME = "peers_training"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULT_PREFIX = "@@result "
LATENT_DIM = 16
BATCH_SIZE = 100
LEARNING_RATE = 1e-3
IW_SAMPLES = 500
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


# ------------------------------------------------------------------ data


def binarized_mnist(examples=None, test_examples=None):
    """Returns `(x_train, x_test)`: binarized mnist5k digits, NHWC float32."""
    import zoo

    x_train, _ = zoo.datasets.load("mnist5k", "train")
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    x_train, x_test = zoo.datasets.binarize(x_train), zoo.datasets.binarize(x_test)
    return x_train[:examples], x_test[:test_examples]


def _result(channel, payload):
    channel.write(RESULT_PREFIX + json.dumps(payload) + "\n")
    channel.flush()


# --------------------------------------------------------------- workers


class RoundPauses:
    """Times epochs and, after each round but the last, waits for the driver's go-ahead.

    Each contender makes one training call for the whole run (`fit(epochs=...)`,
    `BaseTrainer.train()`), as a user would; the pause between rounds happens
    outside the timed epochs.
    """

    def __init__(self, rounds, channel):
        self.rounds = list(rounds)
        self.channel = channel
        self.times = []
        self.loss = None
        self.started = None
        self.paused = 0.0

    def epoch_begin(self):
        self.started = time.perf_counter()

    def epoch_end(self, loss):
        self.times.append(time.perf_counter() - self.started)
        self.loss = loss
        if len(self.times) == self.rounds[0]:
            self.rounds.pop(0)
            _result(self.channel, {"epoch_seconds": self.times, "loss": float(self.loss)})
            self.times = []
            if self.rounds:
                paused = time.perf_counter()
                _wait(("train",))
                self.paused += time.perf_counter() - paused


class AezooWorker:
    """An aezoo VAE: `compile(optimizer=Adam(1e-3))` and one `fit` call."""

    def __init__(self, spec, x_train, x_test):
        import keras
        import tensorflow as tf

        import zoo

        if spec["threads"]:
            tf.config.threading.set_intra_op_parallelism_threads(spec["threads"])
            tf.config.threading.set_inter_op_parallelism_threads(spec["threads"])
        keras.utils.set_random_seed(spec["seed"])
        options = {"hidden_units": (512,)} if spec["net"] == "mlp" else {"filters": (32, 64)}
        if spec.get("tiny"):
            options = {"hidden_units": (32,)} if spec["net"] == "mlp" else {"filters": (4, 8)}
        self.model = zoo.build("vae", input_shape=x_train.shape[1:], latent_dim=LATENT_DIM,
                               backbone=spec["net"], likelihood="bernoulli", **options)
        compile_options = {}
        if spec["contender"] == "aezoo plain":
            compile_options = {"steps_per_execution": 1, "jit_compile": False}
        self.model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), **compile_options)
        self.x_train, self.x_test = x_train, x_test
        self.keras = keras

    def parameters(self):
        return int(self.model.count_params())

    def settings_after(self):
        return {"steps_per_execution": int(getattr(self.model, "steps_per_execution", 1) or 1),
                "jit_compile": bool(getattr(self.model, "jit_compile", False))}

    def train(self, pauses):
        class Pauses(self.keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                pauses.epoch_begin()

            def on_epoch_end(self, epoch, logs=None):
                pauses.epoch_end(logs["loss"])

        # Default verbosity: the progress bar goes to the worker's log.
        self.model.fit(self.x_train, batch_size=BATCH_SIZE, epochs=sum(pauses.rounds),
                       callbacks=[Pauses()])

    def evaluate(self, seed):
        import zoo

        nll = zoo.evaluation.iw_nll(self.model, self.x_test, k=IW_SAMPLES, seed=seed)
        return {"iw_nll": float(np.mean(nll)), "evaluator": "zoo.evaluation.iw_nll"}



class PythaeWorker:
    """A pythae VAE trained by one `BaseTrainer.train()` call (its default callbacks)."""

    def __init__(self, spec, x_train, x_test):
        import torch

        if spec["threads"]:
            torch.set_num_threads(spec["threads"])
            torch.set_num_interop_threads(spec["threads"])
        from pythae.data.datasets import BaseDataset
        from pythae.models import VAE, VAEConfig
        from pythae.trainers import BaseTrainer, BaseTrainerConfig

        self.torch = torch
        nchw = (1,) + x_train.shape[1:3]
        config = VAEConfig(input_dim=nchw, latent_dim=LATENT_DIM, reconstruction_loss="bce")
        torch.manual_seed(spec["seed"])
        if spec["net"] == "conv":
            encoder, decoder = _torch_conv_networks(spec.get("tiny", False))
            model = VAE(config, encoder=encoder, decoder=decoder)
        elif spec.get("tiny"):
            encoder, decoder = _torch_mlp_networks(32)
            model = VAE(config, encoder=encoder, decoder=decoder)
        else:
            model = VAE(config)  # pythae's default MLP: 784-512-16, 16-512-784
        data = torch.from_numpy(np.ascontiguousarray(x_train.transpose(0, 3, 1, 2)))
        self.x_test = torch.from_numpy(np.ascontiguousarray(x_test.transpose(0, 3, 1, 2)))
        self.folder = tempfile.mkdtemp(prefix="pythae_")
        self.training = BaseTrainerConfig(
            output_dir=self.folder, num_epochs=1, learning_rate=LEARNING_RATE,
            per_device_train_batch_size=BATCH_SIZE, per_device_eval_batch_size=BATCH_SIZE,
            optimizer_cls="Adam", seed=spec["seed"], no_cuda=True)
        self.model = model
        self.dataset = BaseDataset(data, torch.zeros(len(data)))
        self.BaseTrainer = BaseTrainer

    def parameters(self):
        return int(sum(p.numel() for p in self.model.parameters()))

    def settings_after(self):
        return {"torch_threads": self.torch.get_num_threads()}

    def train(self, pauses):
        from pythae.trainers.training_callbacks import TrainingCallback

        class Pauses(TrainingCallback):
            def on_epoch_begin(self, training_config, **kwargs):
                pauses.epoch_begin()

            def on_log(self, training_config, logs, **kwargs):  # the epoch's last hook
                pauses.epoch_end(logs["train_epoch_loss"])

        self.training.num_epochs = sum(pauses.rounds)
        trainer = self.BaseTrainer(self.model, self.dataset, training_config=self.training,
                                   callbacks=[Pauses()])
        trainer.train()
        self.model = trainer.model

    def evaluate(self, seed):
        self.torch.manual_seed(seed)
        model = self.model.eval()
        with self.torch.no_grad():
            # pythae draws batch_size samples per pass: one pass of 500 samples each.
            nll = -model.get_nll(self.x_test, n_samples=IW_SAMPLES, batch_size=IW_SAMPLES)
        return {"iw_nll": float(nll), "evaluator": "pythae VAE.get_nll"}



def _torch_conv_networks(tiny=False):
    """aezoo's conv backbone (filters 32, 64; kernel 3) in PyTorch, as pythae networks."""
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder
    from torch import nn

    first, second = (4, 8) if tiny else (32, 64)

    class ConvEncoder(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, first, 3, stride=2, padding=1), nn.ReLU(),
                nn.Conv2d(first, second, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten())
            self.embedding = nn.Linear(second * 49, LATENT_DIM)
            self.log_var = nn.Linear(second * 49, LATENT_DIM)

        def forward(self, x):
            h = self.features(x)
            return ModelOutput(embedding=self.embedding(h), log_covariance=self.log_var(h))

    class ConvDecoder(BaseDecoder):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(
                nn.Linear(LATENT_DIM, second * 49), nn.ReLU(), nn.Unflatten(1, (second, 7, 7)),
                nn.ConvTranspose2d(second, first, 3, stride=2, padding=1, output_padding=1),
                nn.ReLU(),
                nn.ConvTranspose2d(first, first, 3, stride=2, padding=1, output_padding=1),
                nn.ReLU(), nn.Conv2d(first, 1, 3, padding=1), nn.Sigmoid())

        def forward(self, z):
            return ModelOutput(reconstruction=self.layers(z))

    return ConvEncoder(), ConvDecoder()


def _torch_mlp_networks(units):
    """pythae's default MLP with `units` hidden units (quick mode only)."""
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder
    from torch import nn

    class Encoder(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Sequential(nn.Flatten(), nn.Linear(784, units), nn.ReLU())
            self.embedding = nn.Linear(units, LATENT_DIM)
            self.log_var = nn.Linear(units, LATENT_DIM)

        def forward(self, x):
            h = self.hidden(x)
            return ModelOutput(embedding=self.embedding(h), log_covariance=self.log_var(h))

    class Decoder(BaseDecoder):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(nn.Linear(LATENT_DIM, units), nn.ReLU(),
                                        nn.Linear(units, 784), nn.Sigmoid(),
                                        nn.Unflatten(1, (1, 28, 28)))

        def forward(self, z):
            return ModelOutput(reconstruction=self.layers(z))

    return Encoder(), Decoder()


def _wait(expected):
    line = sys.stdin.readline()
    command = json.loads(line) if line else {"op": "quit"}
    if command["op"] not in expected:
        raise SystemExit(0)
    return command


def worker_main(spec):
    """Serves one contender: waits for "train" between rounds, then for "evaluate"."""
    # Results travel on the original stdout; everything the libraries print goes to the log.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    x_train, x_test = binarized_mnist(spec.get("examples"), spec.get("test_examples"))
    started = time.perf_counter()
    worker = (PythaeWorker if spec["contender"] == "pythae" else AezooWorker)(
        spec, x_train, x_test)
    _result(channel, {"ready": True, "setup_seconds": time.perf_counter() - started,
                      "parameters": worker.parameters(), "examples": len(x_train),
                      "affinity": sorted(os.sched_getaffinity(0))})
    _wait(("train",))
    pauses = RoundPauses(spec["rounds"], channel)
    started = time.perf_counter()
    worker.train(pauses)
    seconds = time.perf_counter() - started - pauses.paused
    command = _wait(("evaluate",))
    _result(channel, {**worker.evaluate(command["seed"]), "settings": worker.settings_after(),
                      "train_call_seconds": seconds})
    _wait(("quit",))


# ----------------------------------------------------------- the driver


class Contender:
    """A worker process and the pipe to it."""

    def __init__(self, spec, cpu, log_folder, tree=REPO):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
        if spec["threads"]:
            env.update({name: str(spec["threads"]) for name in THREAD_VARIABLES})
        self.name = spec["contender"]
        log_name = f"{spec['net']}-{spec['cores']}-{self.name.replace(' ', '_')}.log"
        self.log = open(os.path.join(log_folder, log_name), "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.peers.training", "--worker", json.dumps(spec)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True, cwd=tree,
            env=env, preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None
            else None)
        self.info = self._read()

    def _read(self):
        for line in self.process.stdout:
            if line.startswith(RESULT_PREFIX):
                return json.loads(line[len(RESULT_PREFIX):])
        self.log.flush()
        raise RuntimeError(f"worker {self.name!r} stopped; see {self.log.name}")

    def ask(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.process.stdin.close()
                self.process.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
        self.log.close()


def run_configuration(net, cores, contenders, epochs, rounds, log_folder, quick=False, seed=0,
                      baseline_tree=None, test_examples=None):
    """Trains every contender for `epochs` in `rounds` interleaved rounds; returns a row."""
    threads = 1 if cores == "one" else 0
    cpu = max(os.sched_getaffinity(0)) if cores == "one" else None
    per_round = [epochs // rounds + (1 if r < epochs % rounds else 0) for r in range(rounds)]
    base = {"net": net, "cores": cores, "threads": threads, "seed": seed, "rounds": per_round}
    if test_examples:
        base["test_examples"] = test_examples
    if quick:
        base.update(examples=400, test_examples=20, tiny=True)
    workers = {}
    try:
        for name in contenders:
            tree = baseline_tree if name == "aezoo baseline" else REPO
            workers[name] = Contender({**base, "contender": name}, cpu, log_folder, tree)
        rates = {name: [] for name in contenders}
        epoch_seconds = {name: [] for name in contenders}
        losses = {}
        for r in range(rounds):
            # Alternate who goes first, so that no contender always follows the same one.
            order = list(contenders) if r % 2 == 0 else list(reversed(contenders))
            for name in order:
                answer = workers[name].ask(op="train")
                seconds = answer["epoch_seconds"]
                epoch_seconds[name] += seconds
                rates[name].append(workers[name].info["examples"] / float(np.median(seconds)))
                losses[name] = answer["loss"]
            print(f"[peers] {net}/{cores} round {r + 1}/{rounds}: " + ", ".join(
                f"{n} {rates[n][-1]:.0f}/s" for n in contenders), flush=True)
        quality = {name: workers[name].ask(op="evaluate", seed=seed) for name in contenders}
    finally:
        for worker in workers.values():
            worker.close()
    examples = workers[contenders[0]].info["examples"]
    row = {"net": net, "cores": cores, "epochs": epochs, "rounds": rounds, "seed": seed,
           "test_examples": base.get("test_examples", 1000),
           "examples": examples, "batch_size": BATCH_SIZE, "contenders": {}}
    for name in contenders:
        info = workers[name].info
        row["contenders"][name] = {
            "samples_per_s": float(np.median(rates[name])), "round_rates": rates[name],
            "epoch_seconds": epoch_seconds[name], "final_loss": losses[name],
            "setup_seconds": info["setup_seconds"], "parameters": info["parameters"],
            "affinity": info["affinity"],
            # Start-up and the whole training call, the pauses between rounds excluded.
            "whole_run_samples_per_s": examples * epochs / (
                info["setup_seconds"] + quality[name]["train_call_seconds"]),
            **quality[name]}
    for name in contenders:
        if name == "pythae":
            continue
        ratios = [a / b for a, b in zip(rates[name], rates["pythae"], strict=True)]
        row["contenders"][name]["ratio_to_pythae"] = float(np.median(ratios))
        row["contenders"][name]["ratio_to_pythae_p25_p75"] = [
            float(v) for v in np.percentile(ratios, [25, 75])]
        row["contenders"][name]["iw_nll_minus_pythae"] = (
            row["contenders"][name]["iw_nll"] - row["contenders"]["pythae"]["iw_nll"])
    return row


def run(nets=("mlp", "conv"), cores=("one", "all"), epochs=100, other_epochs=20, rounds=10,
        contenders=("aezoo", "aezoo plain", "pythae"), quick=False, out_dir=None,
        baseline_tree=None, test_examples=None, seeds=(0,)):
    """Measures every (net, cores) configuration once per seed; writes
    `peers_training.{json,md}`."""
    rows = []
    with tempfile.TemporaryDirectory() as log_folder:
        for net in nets:
            for core in cores:
                n_epochs = epochs if (net, core) == ("mlp", "one") else other_epochs
                for seed in seeds:
                    rows.append(run_configuration(net, core, list(contenders), n_epochs,
                                                  min(rounds, n_epochs), log_folder, quick,
                                                  seed=seed, baseline_tree=baseline_tree,
                                                  test_examples=test_examples))
    payload = payload_of(rows, quick)
    kwargs = {"out_dir": out_dir} if out_dir else {}
    write_results(NAME, payload, markdown(payload), **kwargs)
    return payload


def payload_of(rows, quick, parts=None):
    """The result payload of measured rows (headline: mlp on one core)."""
    import pythae
    import torch

    order = {("mlp", "one"): 0, ("mlp", "all"): 1, ("conv", "one"): 2, ("conv", "all"): 3}
    rows = sorted(rows, key=lambda r: (order.get((r["net"], r["cores"]), 4), r.get("seed", 0)))
    # The headline pools the seeds of the first configuration: one seed's IW-NLL moves by
    # about 0.4 nats (Keras and torch alike), as much as the target allows.
    first = [r for r in rows if (r["net"], r["cores"], r["epochs"])
             == (rows[0]["net"], rows[0]["cores"], rows[0]["epochs"])]
    aezoo = [r["contenders"]["aezoo"] for r in first]
    payload = {"quick": quick, "rows": rows, "iw_samples": IW_SAMPLES,
               "learning_rate": LEARNING_RATE,
               "versions": {"torch": torch.__version__,
                            "pythae": getattr(pythae, "__version__", _version("pythae")),
                            "tensorflow": _version("tensorflow"), "keras": _version("keras")},
               "headline": {"net": rows[0]["net"], "cores": rows[0]["cores"],
                            "epochs": rows[0]["epochs"],
                            "seeds": [r.get("seed", 0) for r in first],
                            "ratio_to_pythae": float(np.median(
                                [c["ratio_to_pythae"] for c in aezoo])),
                            "iw_nll_minus_pythae": float(np.mean(
                                [c["iw_nll_minus_pythae"] for c in aezoo]))}}
    if parts:
        payload["parts"] = parts
    # On a shared machine the other jobs' load decides the absolute rates: keep it beside them.
    payload["load_average"] = [round(v, 1) for v in os.getloadavg()]
    return payload


def merge(paths, out_dir):
    """Writes one result from the rows of several runs (run in parallel, one configuration
    each); every row keeps the command that measured it under `parts`."""
    payloads = []
    for path in paths:
        with open(path) as f:
            payloads.append(json.load(f))
    rows = [row for p in payloads for row in p["rows"]]
    parts = [{"command": p["command"], "date": p["machine"]["date"],
              "configurations": [f"{r['net']}/{r['cores']}" for r in p["rows"]]}
             for p in payloads]
    payload = payload_of(rows, any(p["quick"] for p in payloads), parts)
    write_results(NAME, payload, markdown(payload), out_dir=out_dir)
    return payload


def _version(package):
    from importlib.metadata import version

    return version(package)


def markdown(payload):
    """Returns the markdown report of a peers payload."""
    table = []
    for row in payload["rows"]:
        for name, c in row["contenders"].items():
            settings = ", ".join(f"{k}={v}" for k, v in c["settings"].items())
            spread = c.get("ratio_to_pythae_p25_p75")
            cores = "one core" if row["cores"] == "one" else "all cores"
            table.append({
                "config": f"{row['net']}, {cores}", "seed": row.get("seed", 0),
                "contender": name, "settings": settings, "parameters": c["parameters"],
                "epochs": row["epochs"], "samples_per_s": c["samples_per_s"],
                "test_examples": row.get("test_examples", 1000),
                "ratio": c.get("ratio_to_pythae", ""),
                "spread": f"{spread[0]:.2f}-{spread[1]:.2f}" if spread else "",
                "whole": c["whole_run_samples_per_s"], "setup": c["setup_seconds"],
                "iw_nll": c["iw_nll"], "gap": c.get("iw_nll_minus_pythae", "")})
    body = markdown_table(table, [
        ("config", "net, cores"), ("seed", "seed"), ("contender", "contender"),
        ("settings", "settings"),
        ("parameters", "parameters"), ("epochs", "epochs"),
        ("samples_per_s", "samples/s (median of rounds)"), ("ratio", "/ pythae (median)"),
        ("spread", "per-round p25-p75"), ("whole", "samples/s incl. start-up"),
        ("setup", "start-up s"), ("test_examples", "IW-NLL test digits"),
        ("iw_nll", f"IW-NLL k={payload['iw_samples']}, nats"),
        ("gap", "IW-NLL - pythae")])
    h = payload["headline"]
    versions = ", ".join(f"{k} {v}" for k, v in payload["versions"].items())
    return (f"# Training speed against pythae (binarized mnist5k, batch {BATCH_SIZE}, "
            f"Adam {payload['learning_rate']:g})\n\n{body}\n\n"
            f"Headline ({h['net']}, {h['cores']} core, {h['epochs']} epochs, seeds "
            f"{', '.join(map(str, h.get('seeds', [0])))}): aezoo / pythae throughput "
            f"{h['ratio_to_pythae']:.2f} (median over seeds; target >= 1.0, aim 1.25), IW-NLL "
            f"difference {h['iw_nll_minus_pythae']:+.2f} nats (mean over seeds; target <= +0.5). "
            "Every contender runs in "
            "its own process, rounds interleaved; a round's rate is the examples over its "
            "median epoch time. `aezoo` uses the defaults of `compile`; `aezoo plain` a plain "
            "Keras compile (`steps_per_execution=1`, no XLA); `aezoo baseline` the `aezoo` "
            "contender run from the code before the training-speed change (`--baseline-tree`, "
            "a `git archive` of that revision). pythae runs its `BaseTrainer` "
            "`train()` with its default callbacks; IW-NLL by its "
            f"`get_nll`. {versions}. Load average (1, 5, 15 min) when written: "
            f"{', '.join(map(str, payload.get('load_average', [])))} on {os.cpu_count()} cores "
            "(absolute rates fall with the load; ratios are measured side by side).\n" + "".join(
                f"\n- {', '.join(p['configurations'])}: `{p['command']}` ({p['date']})"
                for p in payload.get("parts", [])))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--nets", default="mlp,conv")
    parser.add_argument("--cores", default="one,all")
    parser.add_argument("--epochs", type=int, default=100,
                        help="epochs of the headline run (mlp, one core)")
    parser.add_argument("--other-epochs", type=int, default=20,
                        help="epochs of the other runs (conv; all cores)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seeds", default="0",
                        help="comma-separated seeds; each configuration runs once per seed")
    parser.add_argument("--contenders", default="aezoo,aezoo plain,pythae")
    parser.add_argument("--quick", action="store_true",
                        help="tiny networks, 400 examples, 2 epochs: checks that it runs")
    parser.add_argument("--baseline-tree", default=None,
                        help="another checkout to run as the 'aezoo baseline' contender")
    parser.add_argument("--test-examples", type=int, default=None,
                        help="IW-NLL on the first N test digits (default: all 1,000)")
    parser.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                        help="combine the rows of earlier results (one configuration each)")
    parser.add_argument("--out", default=None, help="results folder (default bench/results)")
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(json.loads(args.worker))
    if args.merge:
        return merge(args.merge, args.out or RESULTS)
    contenders = tuple(c for c in args.contenders.split(",") if c)
    if "pythae" not in contenders or "aezoo" not in contenders:
        raise SystemExit(f"--contenders needs 'aezoo' and 'pythae'. Received: {args.contenders}")
    if args.baseline_tree and "aezoo baseline" not in contenders:
        contenders = contenders[:1] + ("aezoo baseline",) + contenders[1:]
    if args.quick:
        args.epochs = args.other_epochs = args.rounds = 2
    return run(tuple(args.nets.split(",")), tuple(args.cores.split(",")), args.epochs,
               args.other_epochs, args.rounds, contenders, args.quick, args.out or RESULTS,
               args.baseline_tree, args.test_examples,
               tuple(int(s) for s in args.seeds.split(",") if s))


if __name__ == "__main__":
    main()
