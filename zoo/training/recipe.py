"""A training recipe: everything that defines a run, and its canonical `aezoo train` line.

Example:
>>> from zoo.training import Recipe
>>> recipe = Recipe("vae", backbone="conv", latent_dim=32, epochs=40, binarize=True,
...                 kl_warmup=10, lr_schedule="cosine")
>>> recipe.command()
'aezoo train vae --backbone conv --data mnist5k --latent-dim 32 --epochs 40 ...'
"""

import ast
import dataclasses
import os

from zoo import checks, datasets
from zoo.models import registry

# Fields that define a run; resuming with any of them changed is refused.
RUN_KEYS = ("variant", "backbone", "data", "latent_dim", "batch_size", "learning_rate",
            "lr_schedule", "clipnorm", "kl_warmup", "codebook_restarts", "binarize", "seed",
            "option", "train_option", "precision")
LR_SCHEDULES = ("constant", "cosine")


def parse_options(pairs):
    """Parses `key=value` strings into a dict; values as Python literals when they parse.

    Example:
    >>> parse_options(["beta=0.5", "filters=(32, 64)", "cell=gru"])
    {'beta': 0.5, 'filters': (32, 64), 'cell': 'gru'}
    """
    options = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--option expects key=value. Received: {pair!r}")
        try:
            options[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            options[key] = value
    return options


def is_path(data):
    """True when `data` names files (a path or a glob) rather than an embedded dataset."""
    if data in datasets.list_datasets():
        return False
    return any(c in data for c in "*?[") or os.sep in data or os.path.exists(data)


@dataclasses.dataclass
class Recipe:
    """What to train and how: the arguments of `aezoo train`, as a value.

    Args:
        variant: str. A variant (`zoo.list_models()`) or another model kind
            (`"classifier"`).
        backbone: str. Defaults to `"mlp"`.
        data: str. An embedded dataset, or files to stream (`.npz` parts,
            TFRecords, an image folder, a glob). Defaults to `"mnist5k"`.
        latent_dim: int. Defaults to `16`.
        epochs: int. Total epochs. Defaults to `10`.
        batch_size: int. Defaults to `128`.
        learning_rate: float. Adam's rate. Defaults to `1e-3`.
        lr_schedule: str. `"constant"` or `"cosine"` (to 5% over the run).
        clipnorm: float. Gradient norm clip, 0 for none. Defaults to `0.0`.
        kl_warmup: int. Models with a posterior: epochs of linear KL warm-up
            (`zoo.callbacks.KLAnnealing`). Defaults to `0`.
        codebook_restarts: bool. Models with discrete codes: re-seed unused
            codes (`zoo.callbacks.CodebookRestarts`). Defaults to `False`.
        prior_epochs: int. Then fit the learned prior (`model.fit_prior`)
            for this many epochs. Defaults to `0`.
        prior: str or None. Kind of prior: `"pixelcnn"` or `"transformer"`
            over discrete codes (None: the model's own), `"diffusion"` over
            latent vectors. Defaults to `None`.
        prior_option: list of `key=value` str. Further `fit_prior` arguments.
        binarize: bool. Train and test on `x > 0.5`. Defaults to `False`.
        seed: int. Defaults to `0`.
        precision: str or None. Keras dtype policy (`zoo.distribute`).
        option: list of `key=value` str. Variant and backbone options.
        train_option: list of `key=value` str. Dataset options, train split only.
    """

    variant: str
    backbone: str = "mlp"
    data: str = "mnist5k"
    latent_dim: int = 16
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3
    lr_schedule: str = "constant"
    clipnorm: float = 0.0
    kl_warmup: int = 0
    codebook_restarts: bool = False
    prior_epochs: int = 0
    prior: str = None
    prior_option: list = None
    binarize: bool = False
    seed: int = 0
    precision: str = None
    option: list = None
    train_option: list = None

    @property
    def kind(self):
        """How the trainer builds and fits this variant (`zoo.models.registry.model_kind`)."""
        return registry.model_kind(self.variant)

    @property
    def options(self):
        """The variant and backbone options as a dict."""
        return parse_options(self.option)

    @property
    def train_options(self):
        """The dataset options of the train split as a dict."""
        return parse_options(self.train_option)

    def run_key(self):
        """The fields that define a run (a resumed run must match them)."""
        return {key: getattr(self, key) for key in RUN_KEYS}

    def check(self):
        """Raises ValueError naming the first argument out of range; returns self."""
        kind = self.kind
        self.options  # noqa: B018  (parses, so a bad pair fails here)
        self.train_options  # noqa: B018
        if kind.uses_backbone:
            registry.backbone(self.backbone)
        if not is_path(self.data):
            checks.choice("--data", self.data, datasets.list_datasets())
        elif kind.supervised or self.codebook_restarts or self.prior_epochs:
            raise ValueError("--data PATH streams unlabelled files; a supervised model, "
                             "--codebook-restarts and --prior-epochs need an embedded dataset "
                             f"({', '.join(datasets.list_datasets())}). "
                             f"Received: --data {self.data}")
        for name in ("epochs", "batch_size", "latent_dim"):
            checks.positive_int(f"--{name.replace('_', '-')}", getattr(self, name))
        checks.number_in_range("--learning-rate", self.learning_rate, 0.0, low_open=True)
        checks.number_in_range("--clipnorm", self.clipnorm, 0.0)
        checks.choice("--lr-schedule", self.lr_schedule, LR_SCHEDULES)
        if self.kl_warmup < 0:
            raise ValueError(f"--kl-warmup must be >= 0 epochs. Received: {self.kl_warmup}")
        if self.kl_warmup and "posterior" not in kind.capabilities:
            raise ValueError(f"--kl-warmup applies to models with a posterior (e.g. vae) only. "
                             f"Received: variant={self.variant!r}")
        if self.codebook_restarts and "discrete_codes" not in kind.capabilities:
            raise ValueError("--codebook-restarts applies to models with discrete codes (e.g. "
                             f"vq_vae) only. Received: variant={self.variant!r}")
        self._check_prior(kind)
        if self.prior_epochs < 0:
            raise ValueError(f"--prior-epochs must be >= 0. Received: {self.prior_epochs}")
        if not kind.uses_backbone and self.option:
            raise ValueError(f"The {self.variant} takes no --option. Received: {self.option}")
        if kind.data and self.data != kind.data:
            raise ValueError(f"The {self.variant} trains on --data {kind.data}. "
                             f"Received: --data {self.data}")
        return self

    def _check_prior(self, kind):
        from zoo.priors import CODE_PRIORS, LATENT_PRIORS

        parse_options(self.prior_option)
        discrete = "discrete_codes" in kind.capabilities
        allowed = CODE_PRIORS if discrete else LATENT_PRIORS
        if self.prior is not None and self.prior not in allowed:
            raise ValueError(f"--prior for {self.variant} must be one of {list(allowed)}. "
                             f"Received: --prior {self.prior}")
        if self.prior_epochs and not discrete and (self.prior is None or not kind.uses_backbone):
            raise ValueError(f"--prior-epochs needs --prior diffusion for {self.variant}. "
                             f"Received: --prior {self.prior}")
        if (self.prior or self.prior_option) and not self.prior_epochs:
            raise ValueError("--prior and --prior-option need --prior-epochs > 0. "
                             f"Received: --prior-epochs {self.prior_epochs}")

    def command(self, preset=None):
        """Returns the canonical `aezoo train ...` command line that reproduces this recipe."""
        uses_backbone = self.kind.uses_backbone
        parts = ["aezoo", "train", self.variant]
        if uses_backbone:
            parts += ["--backbone", self.backbone]
        parts += ["--data", self.data]
        for pair in self.train_option or ():
            parts += ["--train-option", pair]
        if uses_backbone:
            parts += ["--latent-dim", str(self.latent_dim)]
        parts += ["--epochs", str(self.epochs), "--batch-size", str(self.batch_size),
                  "--learning-rate", f"{self.learning_rate:g}"]
        if self.lr_schedule != "constant":
            parts += ["--lr-schedule", self.lr_schedule]
        if self.clipnorm:
            parts += ["--clipnorm", f"{self.clipnorm:g}"]
        if self.kl_warmup:
            parts += ["--kl-warmup", str(self.kl_warmup)]
        if self.codebook_restarts:
            parts.append("--codebook-restarts")
        if self.prior_epochs:
            parts += ["--prior-epochs", str(self.prior_epochs)]
        if self.prior:
            parts += ["--prior", self.prior]
        for pair in self.prior_option or ():
            parts += ["--prior-option", pair]
        if self.binarize:
            parts.append("--binarize")
        parts += ["--seed", str(self.seed)]
        if self.precision:
            parts += ["--precision", self.precision]
        for pair in self.option or ():
            key, _, value = pair.partition("=")
            quoted = any(c in value for c in " (),[]")
            parts += ["--option", f"'{key}={value}'" if quoted else pair]
        if preset:
            parts += ["--preset", preset]
        return " ".join(parts)
