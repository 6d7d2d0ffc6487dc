"""`aezoo train`: train any variant x backbone on an embedded dataset, resumably.

A thin shell over `zoo.training.train`: each run lives in a run folder
(`--run-dir`, default `runs/<variant>_<backbone>_<data>`) holding the recipe,
per-epoch checkpoints with optimizer state and the history; re-running the
same command after a kill resumes from the last complete checkpoint and says
so. `--preset NAME` measures the trained model and writes
`saved_models/NAME/` and its manifest entry.

Example:
    aezoo train vae --backbone conv --data mnist5k --latent-dim 32 --epochs 40 \\
        --binarize --kl-warmup 10 --lr-schedule cosine --preset vae_conv_mnist
"""

from zoo import atomic, quiet

_RECIPE_FIELDS = ("variant", "backbone", "data", "latent_dim", "epochs", "batch_size",
                  "learning_rate", "lr_schedule", "clipnorm", "kl_warmup", "codebook_restarts",
                  "prior_epochs", "prior", "prior_option", "binarize", "seed", "precision",
                  "option", "train_option")


def recipe_of(args):
    """Returns the `zoo.training.Recipe` of parsed `aezoo train` arguments."""
    from zoo.training import Recipe

    return Recipe(**{name: getattr(args, name) for name in _RECIPE_FIELDS})


def run(args):
    from zoo.training import parse_options

    parse_options(args.option)
    parse_options(args.train_option)
    if args.out:
        atomic.check_writable_target(args.out, args.overwrite)
    if args.run_dir is not None:
        atomic.check_writable_target(args.run_dir, overwrite=True)
    quiet.import_tensorflow()
    from zoo.training import train

    train(recipe_of(args), run_dir=args.run_dir, out=args.out, preset=args.preset,
          overwrite=args.overwrite, strategy=args.strategy,
          devices=args.devices.split(",") if args.devices else None)
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train", help="train a variant (or the MNIST classifier) on an embedded dataset",
        description="Train resumably; re-running the same command resumes from the last epoch.")
    p.add_argument("variant", help="variant name (see `aezoo list`) or 'classifier'")
    p.add_argument("--backbone", default="mlp", help="backbone name (default: mlp)")
    p.add_argument("--data", default="mnist5k",
                   help="embedded dataset (default: mnist5k), or files to stream: .npz parts, "
                        "TFRecords or an image folder, e.g. 'data/part-*.npz'")
    p.add_argument("--train-option", action="append", metavar="KEY=VALUE",
                   help="dataset option for the train split only, e.g. stride=1 for ecg_mitdb "
                        "(more training windows; validation and metrics keep the test protocol)")
    p.add_argument("--latent-dim", type=int, default=16, help="latent size (default: 16)")
    p.add_argument("--epochs", type=int, default=10, help="total epochs (default: 10)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--lr-schedule", choices=("constant", "cosine"), default="constant")
    p.add_argument("--clipnorm", type=float, default=0.0,
                   help="clip each gradient to this norm (0: off), e.g. for recurrent backbones")
    p.add_argument("--kl-warmup", type=int, default=0, metavar="EPOCHS",
                   help="vae: raise the KL weight linearly to beta over EPOCHS epochs")
    p.add_argument("--codebook-restarts", action="store_true",
                   help="vq_vae: re-seed unused codes with encoder outputs each epoch")
    p.add_argument("--prior-epochs", type=int, default=0, metavar="EPOCHS",
                   help="then fit the learned prior (for sampling) for EPOCHS epochs")
    p.add_argument("--prior", choices=("pixelcnn", "transformer", "diffusion"), default=None,
                   help="kind of learned prior: vq_vae codes pixelcnn|transformer (default: the "
                        "model's), ae/vae latents diffusion")
    p.add_argument("--prior-option", action="append", metavar="KEY=VALUE",
                   help="fit_prior option, repeatable, e.g. --prior-option width=256")
    p.add_argument("--binarize", action="store_true", help="train and test on x > 0.5")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strategy", choices=("default", "mirrored", "multiworker"),
                   default="default",
                   help="tf.distribute strategy; multiworker reads TF_CONFIG (default: one device)")
    p.add_argument("--devices", default=None,
                   help="mirrored: comma-separated devices, e.g. /gpu:0,/gpu:1 (default: all GPUs)")
    p.add_argument("--precision", choices=("float32", "mixed_float16", "mixed_bfloat16"),
                   default=None, help="Keras dtype policy (default: float32)")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="variant/backbone option, repeatable, e.g. --option beta=0.5")
    p.add_argument("--run-dir", default=None,
                   help="run folder with checkpoints (default: runs/<variant>_<backbone>_<data>)")
    p.add_argument("--out", default=None, help="also save the final model to this .keras file")
    p.add_argument("--preset", default=None, metavar="NAME",
                   help="measure and write saved_models/NAME/ and its manifest entry")
    p.add_argument("--overwrite", action="store_true",
                   help="start the run folder over and replace an existing --out")
    p.set_defaults(run=run)
