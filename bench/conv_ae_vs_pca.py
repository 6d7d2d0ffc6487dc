"""A conv AE (latent 16) on mnist5k against PCA with 16 components.

Issue target: the AE's test MSE per pixel at most half of PCA-16's.

Run: python -m bench.conv_ae_vs_pca [--epochs 30] [--seeds 0]
"""

import argparse
import time

import numpy as np

from bench.common import markdown_table, write_results


def measure(epochs, latent_dim, seed):
    import keras
    from sklearn.decomposition import PCA

    import zoo

    x_train, _ = zoo.datasets.load("mnist5k", "train")
    x_test, _ = zoo.datasets.load("mnist5k", "test")
    keras.utils.set_random_seed(seed)
    model = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=latent_dim, backbone="conv")
    model.compile(optimizer="adam")
    started = time.perf_counter()
    model.fit(x_train, epochs=epochs, batch_size=128, verbose=0)
    seconds = time.perf_counter() - started
    ae_mse = float(np.mean((np.asarray(model.reconstruct(x_test)) - x_test) ** 2))

    flat_train = x_train.reshape(len(x_train), -1)
    flat_test = x_test.reshape(len(x_test), -1)
    pca = PCA(latent_dim, random_state=seed).fit(flat_train)
    pca_mse = float(np.mean((pca.inverse_transform(pca.transform(flat_test)) - flat_test) ** 2))
    return {"seed": seed, "epochs": epochs, "latent_dim": latent_dim, "ae_test_mse": ae_mse,
            "pca_test_mse": pca_mse, "ratio": ae_mse / pca_mse, "train_seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--out", default=None, help="results folder (default bench/results)")
    args = parser.parse_args(argv)
    rows = [measure(args.epochs, args.latent_dim, int(s)) for s in args.seeds.split(",")]
    for row in rows:
        print(f"seed {row['seed']}: conv AE {row['ae_test_mse']:.4f} vs PCA "
              f"{row['pca_test_mse']:.4f} (ratio {row['ratio']:.2f}, {row['train_seconds']:.0f} s)")
    table = markdown_table(rows, [("seed", "seed"), ("epochs", "epochs"),
                                  ("ae_test_mse", "conv AE test MSE/pixel"),
                                  ("pca_test_mse", f"PCA-{args.latent_dim} test MSE/pixel"),
                                  ("ratio", "AE / PCA"), ("train_seconds", "train s")])
    summary = {"median_ratio": float(np.median([r["ratio"] for r in rows])), "rows": rows}
    markdown = (f"# Conv AE vs PCA on mnist5k (latent {args.latent_dim})\n\n{table}\n\n"
                f"Median AE/PCA ratio: {summary['median_ratio']:.3f} (target <= 0.5)\n")
    kwargs = {"out_dir": args.out} if args.out else {}
    write_results("conv_ae_vs_pca", summary, markdown, **kwargs)
    return summary


if __name__ == "__main__":
    main()
