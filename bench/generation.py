"""Generation: samples of the zoo's generative presets, judged on two classifiers' features.

For each preset that samples (`ldm_conv_mnist` through its latent diffusion
prior, `vae_conv_mnist` through N(0, I), `vq_vae_conv_mnist` through its code
prior) it measures, on 1,000 samples against the 1,000 mnist5k test images:

- MNIST-classifier FID (features of the shipped `mnist_classifier`, not
  Inception) and improved precision / recall (Kynkaanniemi et al. 2019, k=3);
- the same FID and precision / recall on an independent classifier (an MLP of
  another architecture and seed, trained here on the train split), so a
  sampler tuned to one feature space shows up;
- floors: train vs test images (all 4,000 and 1,000 of them: the FID of a
  perfect sampler at each sample count) and the decoder's reconstructions of
  the test images (what any latent prior over that decoder can reach).

For the diffusion prior it sweeps the number of DDIM steps: FID and sampling
time per image. Optionally (`--code-priors`) it fits a PixelCNN and a
Transformer prior on the VQ-VAE preset's codes with the same budget and
compares them. Figures: a sample grid and a denoising trajectory.

Run: python -m bench.generation [--quick] [--code-priors] [--out DIR]
"""

import argparse
import os
import time

import numpy as np

from bench.common import RESULTS, git_revision, write_results

STEPS = (1, 2, 5, 10, 25, 50, 100)
PRESETS = ("ldm_conv_mnist", "vae_conv_mnist", "vq_vae_conv_mnist")


def independent_classifier(x_train, y_train, seed=1):
    """An MLP classifier (not the shipped CNN): its 128-unit `features` layer is a second judge."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Flatten(),
        keras.layers.Dense(256, activation="relu"), keras.layers.Dropout(0.2),
        keras.layers.Dense(128, activation="relu", name="features"),
        keras.layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x_train, y_train, epochs=15, batch_size=64, verbose=0)
    return model, keras.Model(model.inputs, model.get_layer("features").output)


class Judge:
    """FID and precision / recall of image sets against the test images, on two feature sets."""

    def __init__(self, x_train, y_train, x_test, y_test):
        from zoo import evaluation
        from zoo.models import classifier

        self.evaluation = evaluation
        shipped = evaluation.default_mnist_classifier()
        self.features = {"shipped": lambda images: classifier.classifier_features(shipped, images)}
        mlp, mlp_features = independent_classifier(x_train, y_train)
        self.independent_accuracy = float(np.mean(
            np.argmax(mlp.predict(x_test, verbose=0), axis=1) == y_test))
        self.features["independent"] = lambda images: np.asarray(
            mlp_features.predict(images, batch_size=500, verbose=0))
        self.test = {name: f(x_test) for name, f in self.features.items()}

    def __call__(self, images):
        evaluation = self.evaluation
        result = {}
        for name, features_of in self.features.items():
            features = features_of(np.clip(images, 0.0, 1.0))
            fid = evaluation.frechet_distance(*evaluation.feature_statistics(features),
                                              *evaluation.feature_statistics(self.test[name]))
            pr = evaluation.precision_recall(self.test[name], features)
            prefix = "" if name == "shipped" else "independent_"
            result.update({f"{prefix}fid": fid, f"{prefix}precision": pr["precision"],
                           f"{prefix}recall": pr["recall"]})
        return result


def warmed_up(model, **options):
    """Traces the sampling functions first (two batch sizes: then a shape-relaxed trace)."""
    for n in (8, 9):
        model.sample(n, seed=0, **options)
    return model


def timed_samples(model, n, seed, **options):
    started = time.perf_counter()
    images = np.asarray(model.sample(n, seed=seed, **options))
    return images, time.perf_counter() - started


def floors(judge, x_train, x_test):
    import zoo

    decoder = zoo.load("ldm_conv_mnist")
    reconstructions = np.asarray(decoder.reconstruct(x_test))
    return {"train_vs_test": judge(x_train),
            "train_1000_vs_test": judge(x_train[:1000]),
            "ldm_decoder_reconstructions_vs_test": judge(reconstructions)}


def preset_rows(judge, n, presets):
    import zoo

    rows = []
    for name in presets:
        model = warmed_up(zoo.load(name))
        images, seconds = timed_samples(model, n, seed=0)
        rows.append({"preset": name, "prior": model.prior_kind,
                     "samples": n, "seconds_per_image": seconds / n, **judge(images)})
        print(f"[generation] {name}: {rows[-1]}", flush=True)
    return rows


def step_sweep(judge, n, steps, rounds=3):
    import zoo

    model = zoo.load("ldm_conv_mnist")
    rows = []
    for count in steps:
        warmed_up(model, steps=count)
        images, _ = timed_samples(model, n, seed=0, steps=count)
        times = [timed_samples(model, 100, seed=r, steps=count)[1] / 100 for r in range(rounds)]
        rows.append({"steps": count, "seconds_per_image": float(np.median(times)),
                     **judge(images)})
        print(f"[generation] steps {count}: {rows[-1]}", flush=True)
    return rows


def code_prior_comparison(judge, n, epochs, x_train):
    """Fits both code priors on the VQ-VAE preset's codes with one budget; FID of each."""
    import zoo
    from zoo.priors import codes

    model = zoo.load("vq_vae_conv_mnist")
    grids = np.concatenate([np.asarray(model.codes(x_train[i:i + 500]))
                            for i in range(0, len(x_train), 500)])
    rows = []
    for kind, width, layers in (("pixelcnn", 64, 4), ("transformer", 64, 3)):
        network = codes.build_code_network(kind, model.grid[:-1], model.num_embeddings, width,
                                           layers)
        started = time.perf_counter()
        history = codes.fit_code_network(network, grids, epochs=epochs, seed=0)
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        sampled = codes.sample_code_grid(network, n, model.grid[:-1], seed=0)
        seconds = time.perf_counter() - started
        images = np.asarray(model.decode(np.asarray(model.quantize_codes(sampled))))
        rows.append({"prior": kind, "width": width, "layers": layers, "epochs": epochs,
                     "parameters": int(network.count_params()), "train_nll": history[-1],
                     "fit_seconds": fit_seconds, "seconds_per_image": seconds / n,
                     **judge(images)})
        print(f"[generation] code prior {kind}: {rows[-1]}", flush=True)
    return rows


def figures(out_dir, n_grid=64):
    import zoo
    from zoo.evaluation import figures as zoo_figures

    model = zoo.load("ldm_conv_mnist")
    grid = os.path.join(out_dir, "generation_samples.png")
    zoo_figures.sample_grid(grid, np.asarray(model.sample(n_grid, seed=0)),
                            title="ldm_conv_mnist: 64 samples (seed 0, 50 DDIM steps)")
    latents, states = model.latent_prior.sample(8, seed=0, steps=25, trajectory=True)
    picks = [0, 2, 4, 8, 12, 16, 20, 24]
    decoded = [np.asarray(model.decode(states[i])) for i in picks]
    plt = zoo_figures.pyplot()
    fig, axes = plt.subplots(8, len(picks), figsize=(len(picks) * 1.0, 8.4))
    for c, (step, images) in enumerate(zip(picks, decoded, strict=True)):
        for r in range(8):
            axes[r, c].imshow(np.clip(images[r, ..., 0], 0, 1), cmap="gray", vmin=0, vmax=1)
            axes[r, c].axis("off")
        axes[0, c].set_title(f"step {step + 1}", fontsize=7)
    fig.suptitle("denoising trajectory: decode(x0 estimate) after each DDIM step (25 steps)",
                 fontsize=8)
    fig.tight_layout()
    trajectory = os.path.join(out_dir, "generation_trajectory.png")
    fig.savefig(trajectory, dpi=80)
    plt.close(fig)
    return [os.path.basename(grid), os.path.basename(trajectory)]


def markdown(payload):
    lines = ["# Generation: samples judged on two classifiers (mnist5k test split)", "",
             f"{payload['samples']} samples per row vs the {payload['n_test']} test images. "
             "FID / precision / recall on the shipped `mnist_classifier` features (not "
             "Inception), then on an independent MLP classifier's features (test accuracy "
             f"{payload['independent_accuracy']:.3f}).", "",
             "| preset | prior | FID | precision | recall | indep. FID | indep. precision | "
             "indep. recall | s / image |", "|---|---|---|---|---|---|---|---|---|"]
    for row in payload["presets"]:
        lines.append(f"| {row['preset']} | {row['prior']} | {row['fid']:.2f} | "
                     f"{row['precision']:.3f} | {row['recall']:.3f} | "
                     f"{row['independent_fid']:.2f} | {row['independent_precision']:.3f} | "
                     f"{row['independent_recall']:.3f} | {row['seconds_per_image'] * 1e3:.2f} ms |")
    lines += ["", "Floors (the same judges on real images):", "",
              "| images | FID | precision | recall | indep. FID |", "|---|---|---|---|---|"]
    for name, row in payload["floors"].items():
        lines.append(f"| {name} | {row['fid']:.2f} | {row['precision']:.3f} | "
                     f"{row['recall']:.3f} | {row['independent_fid']:.2f} |")
    lines += ["", "## ldm_conv_mnist: DDIM steps", "",
              "| steps | FID | precision | recall | indep. FID | s / image (batch 100) |",
              "|---|---|---|---|---|---|"]
    for row in payload["steps"]:
        lines.append(f"| {row['steps']} | {row['fid']:.2f} | {row['precision']:.3f} | "
                     f"{row['recall']:.3f} | {row['independent_fid']:.2f} | "
                     f"{row['seconds_per_image'] * 1e3:.2f} ms |")
    if payload.get("code_priors"):
        lines += ["", "## Code priors on the VQ-VAE preset's codes (same budget)", "",
                  "| prior | width x layers | params | epochs | train NLL | FID | precision | "
                  "recall | indep. FID | s / image |", "|---|---|---|---|---|---|---|---|---|---|"]
        for row in payload["code_priors"]:
            lines.append(f"| {row['prior']} | {row['width']} x {row['layers']} | "
                         f"{row['parameters']} | {row['epochs']} | {row['train_nll']:.2f} | "
                         f"{row['fid']:.2f} | {row['precision']:.3f} | {row['recall']:.3f} | "
                         f"{row['independent_fid']:.2f} | "
                         f"{row['seconds_per_image'] * 1e3:.2f} ms |")
    lines += ["", "Figures: " + ", ".join(f"`{name}`" for name in payload["figures"]), "",
              "Times per image come from a shared 2-core machine under heavy load: medians of "
              "3 rounds, rough.", ""]
    return "\n".join(lines)


def run(quick=False, code_priors=False, out_dir=None, prior_epochs=30):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import zoo

    out_dir = out_dir or RESULTS
    os.makedirs(out_dir, exist_ok=True)
    x_train, y_train = zoo.datasets.load("mnist5k", "train")
    x_test, y_test = zoo.datasets.load("mnist5k", "test")
    n = 200 if quick else 1000
    judge = Judge(x_train, y_train, x_test, y_test)
    payload = {"samples": n, "n_test": len(x_test),
               "independent_accuracy": judge.independent_accuracy,
               "floors": floors(judge, x_train, x_test),
               "presets": preset_rows(judge, n, PRESETS[:1] if quick else PRESETS),
               "steps": step_sweep(judge, n, (5, 25) if quick else STEPS,
                                   rounds=1 if quick else 3),
               "code_priors": (code_prior_comparison(judge, n, 2 if quick else prior_epochs,
                                                     x_train) if code_priors else None),
               "figures": figures(out_dir), "revision": git_revision()}
    write_results("generation", payload, markdown(payload), out_dir)
    return payload


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 samples, fewer steps")
    parser.add_argument("--code-priors", action="store_true",
                        help="also fit PixelCNN and Transformer code priors and compare them")
    parser.add_argument("--out", default=None, help="results folder (default: bench/results)")
    args = parser.parse_args()
    run(quick=args.quick, code_priors=args.code_priors, out_dir=args.out)


if __name__ == "__main__":
    main()
