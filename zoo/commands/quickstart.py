"""`aezoo quickstart`: the main job, end to end on real data, in a few minutes."""

import json
import os
import time


def _reconstruction_figure(path, x, reconstructions, n=10):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, n, figsize=(n, 2.2))
    for i in range(n):
        for row, images in enumerate((x, reconstructions)):
            axes[row, i].imshow(images[i, ..., 0], cmap="gray", vmin=0, vmax=1)
            axes[row, i].axis("off")
    axes[0, 0].set_title("input", fontsize=8, loc="left")
    axes[1, 0].set_title("reconstruction", fontsize=8, loc="left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run(args):
    from zoo import atomic, quiet

    quiet.import_tensorflow()
    import keras
    import numpy as np
    from sklearn.decomposition import PCA

    import zoo

    started = time.perf_counter()
    x_train, _ = zoo.datasets.load("mnist5k", "train")
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    print(f"[1/3] mnist5k: {len(x_train)} train, {len(x_test)} test digits")

    keras.utils.set_random_seed(0)
    model = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=args.latent_dim, backbone="conv")
    model.compile(optimizer="adam")
    print(f"[2/3] training a conv autoencoder (latent {args.latent_dim}) for {args.epochs} epochs")
    model.fit(x_train, epochs=args.epochs, batch_size=128, verbose=2)

    reconstructions = np.asarray(model.reconstruct(x_test))
    ae_mse = float(np.mean((reconstructions - x_test) ** 2))
    flat = x_test.reshape(len(x_test), -1)
    pca = PCA(args.latent_dim, random_state=0).fit(x_train.reshape(len(x_train), -1))
    pca_mse = float(np.mean((pca.inverse_transform(pca.transform(flat)) - flat) ** 2))
    results = {
        "model": "ae/conv",
        "latent_dim": args.latent_dim,
        "epochs": args.epochs,
        "test_mse_per_pixel": ae_mse,
        "pca_test_mse_per_pixel": pca_mse,
        "ratio_to_pca": ae_mse / pca_mse,
        "seconds": time.perf_counter() - started,
    }
    with atomic.atomic_directory(args.out, overwrite=True) as tmp:
        _reconstruction_figure(os.path.join(tmp, "reconstructions.png"), x_test, reconstructions)
        model.save(os.path.join(tmp, "model.keras"))
        with open(os.path.join(tmp, "results.json"), "w") as f:
            json.dump(results, f, indent=2)
    print(f"[3/3] test MSE per pixel: autoencoder {ae_mse:.4f}, PCA-{args.latent_dim} "
          f"{pca_mse:.4f} (ratio {ae_mse / pca_mse:.2f}); wrote {args.out}/")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("quickstart", help="train, evaluate and save a model on real MNIST")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--latent-dim", type=int, default=16)
    p.add_argument("--out", default="quickstart_out", help="output folder (replaced)")
    p.set_defaults(run=run)
