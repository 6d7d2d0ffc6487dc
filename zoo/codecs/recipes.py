"""Recipes of the shipped codec presets: `python -m zoo.codecs.recipes image|vq|audio`.

Image ladder: one factorized-prior codec trained on mnist5k's train split at
the middle rate-distortion weight, then warm-started at each other weight.
VQ: the `vq_vae_conv_mnist` preset's codes under its Transformer code prior
(nothing to train). Audio: `zoo.codecs.speech.train_speech_codec`. Each
image preset is measured on the 1,000 test digits (every digit compressed
on its own) and written with `write_preset` (folder, card, manifest entry).
"""

import argparse
import datetime
import hashlib
import json
import os
import sys

import numpy as np

PRESETS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "presets")
MANIFEST = "manifest.json"
IMAGE_LADDER = (("factorized_mnist_q1", 50.0), ("factorized_mnist_q2", 100.0),
                ("factorized_mnist_q3", 200.0), ("factorized_mnist_q4", 400.0),
                ("factorized_mnist_q5", 800.0))
IMAGE_BASE = "factorized_mnist_q4"
IMAGE_TRANSFORM = {"kind": "image", "filters": 32, "latent_channels": 12}
IMAGE_PERIOD = 7  # 28-pixel digits, 4x downsampling: a table per latent position
IMAGE_STEPS = {"base": 12000, "warm": 2000}


def image_metrics(codec, x):
    """Mean bytes and PSNR of every image in `x` compressed on its own, as users will."""
    sizes, mse = [], []
    for image in x:
        data = codec.compress(image)
        sizes.append(len(data))
        mse.append(np.mean((image - codec.decompress(data)) ** 2))
    mse = np.array(mse)
    psnr = 10 * np.log10(1.0 / np.maximum(mse, 1e-10))
    return {"n_test": len(x), "bytes_per_image": float(np.mean(sizes)),
            "bits_per_pixel": float(np.mean(sizes) * 8 / np.prod(x.shape[1:])),
            "psnr": float(np.mean(psnr)), "mse": float(np.mean(mse))}


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_preset(codec, metrics, recipe, dataset, out=PRESETS_DIR):
    """Writes a codec preset folder with its card and its manifest entry."""
    from zoo import atomic
    from zoo.codecs.cards import card_text

    folder = os.path.join(out, codec.name)
    codec.config["metrics"] = metrics
    codec.save(folder)
    entry = {"domain": codec.domain, "family": codec.config["family"], "dataset": dataset,
             "sample_rate": codec.sample_rate, "recipe": recipe, "metrics": metrics,
             "trained_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    with open(os.path.join(folder, "card.md"), "w") as f:
        f.write(card_text(codec.name, entry, codec.config))
    entry["files"] = {name: {"sha256": _sha256(os.path.join(folder, name)),
                             "bytes": os.path.getsize(os.path.join(folder, name))}
                      for name in sorted(os.listdir(folder))}
    path = os.path.join(out, MANIFEST)
    manifest = {"format": 1, "codecs": {}}
    if os.path.exists(path):
        with open(path) as f:
            manifest = json.load(f)
    manifest["codecs"][codec.name] = entry
    manifest["codecs"] = dict(sorted(manifest["codecs"].items()))
    with atomic.atomic_file(path) as tmp, open(tmp, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return folder


def train_image_ladder(out=PRESETS_DIR, steps=IMAGE_STEPS, log=print, base_folder=None):
    """Trains and writes the mnist5k factorized-prior ladder (base first, then warm starts).

    With `base_folder`, the base codec is read from that folder (a base trained
    earlier with the same recipe) instead of being trained again.
    """
    import zoo.datasets
    from zoo.codecs.factorized import FactorizedCodec
    from zoo.codecs.training import train_codec

    x, _ = zoo.datasets.load("mnist5k", "train")
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    ladder = dict(IMAGE_LADDER)
    order = [IMAGE_BASE] + [name for name, _ in IMAGE_LADDER if name != IMAGE_BASE]
    base = None
    for name in order:
        config = {"name": name, "family": "factorized", "domain": "image", "channels": 1,
                  "sample_rate": None, "transform": IMAGE_TRANSFORM, "period": IMAGE_PERIOD,
                  "tile": 28,
                  "lmbda": ladder[name],
                  "radius": 64, "tail_mass": 1e-6}
        n = steps["base"] if base is None else steps["warm"]
        log(f"{name}: lmbda {ladder[name]}, {n} steps" + ("" if base is None else " (warm)"))
        if base is None and base_folder is not None:
            trained = FactorizedCodec.from_folder(base_folder)
            config["stride"] = trained.stride
            codec = FactorizedCodec(config, trained.analysis_model, trained.synthesis_model,
                                    trained.density, trained.tables)
        else:
            codec = train_codec(config, x, steps=n, batch_size=32, learning_rate=1e-3, seed=0,
                                initial=base, log=log)
        base = base or codec
        metrics = image_metrics(codec, x_test)
        log(f"{name}: {json.dumps(metrics)}")
        recipe = (f"python -m zoo.codecs.recipes image  # lmbda {ladder[name]}, "
                  f"{n} steps{'' if codec is base else f' warm-started from {IMAGE_BASE}'}")
        write_preset(codec, metrics, recipe, "mnist5k", out)


VQ_SOURCE = "vq_vae_conv_mnist"


def write_vq_preset(out=PRESETS_DIR, name="vq_mnist", source=VQ_SOURCE, log=print):
    """Writes the VQ codec of the `source` model preset, measured on mnist5k's test digits."""
    import zoo
    import zoo.datasets
    from zoo.codecs.vq_codec import VQCodec

    codec = VQCodec.from_model(zoo.load(source), name, source=source)
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    metrics = image_metrics(codec, x_test)
    log(f"{name}: {json.dumps(metrics)}")
    recipe = f"python -m zoo.codecs.recipes vq  # the {source} preset's codes and code prior"
    return write_preset(codec, metrics, recipe, "mnist5k", out)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m zoo.codecs.recipes")
    parser.add_argument("kind", choices=("image", "vq", "audio"))
    parser.add_argument("--out", default=PRESETS_DIR)
    parser.add_argument("--base-folder", default=None,
                        help="image: read the base codec from this folder instead of training")
    parser.add_argument("--steps", type=int, default=3000, help="audio: optimizer steps")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="audio: stop after this many seconds")
    parser.add_argument("--name", default="conv_speech_8kbps", help="audio: preset name")
    parser.add_argument("--target-bps", type=float, default=7000.0,
                        help="audio: bitrate the rate penalty holds the codec under")
    parser.add_argument("--initial", default=None,
                        help="audio: codec preset or folder to warm-start from")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="audio")
    parser.add_argument("--mel-weight", type=float, default=0.0,
                        help="audio: weight of the log-mel loss")
    parser.add_argument("--gain-db", type=float, default=0.0,
                        help="audio: random gain per training crop, +-dB")
    parser.add_argument("--corpus-dir", default=None,
                        help="audio: folder of corpus.npy (synthesized there if missing)")
    args = parser.parse_args(argv)
    if args.kind == "image":
        train_image_ladder(args.out, log=lambda line: print(line, flush=True),
                           base_folder=args.base_folder)
    elif args.kind == "vq":
        write_vq_preset(args.out, log=lambda line: print(line, flush=True))
    else:
        from zoo.codecs.speech import train_speech_codec

        train_speech_codec(args.out, name=args.name, steps=args.steps,
                           corpus_dir=args.corpus_dir, target_bps=args.target_bps,
                           max_seconds=args.max_seconds, initial=args.initial,
                           learning_rate=args.learning_rate, mel_weight=args.mel_weight,
                           gain_db=args.gain_db, log=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
