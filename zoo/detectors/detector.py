"""`AnomalyDetector`: an autoencoder as a scikit-learn / PyOD-style outlier detector."""

import math
import numbers
import os

import numpy as np
from sklearn.base import BaseEstimator

from zoo.detectors import scaling as scaling_lib
from zoo.detectors import series as series_lib
from zoo.detectors.models import batched, copy_model, data_shape, has_posterior, is_autoencoder

SCORES = ("reconstruction", "window_reconstruction", "latent_knn", "latent_lof", "iw_nll")
# What `score="combined"` averages, chosen by measurement (docs/detectors.md): on examples,
# reconstruction + latent LOF; on series, also each window's error spread over its timesteps
# and latent kNN, which catch segments that per-timestep errors miss.
COMBINED = {"examples": ("reconstruction", "latent_lof"),
            "series": ("reconstruction", "window_reconstruction", "latent_knn", "latent_lof")}
DEFAULT_OPTIONS = {"conv": {"filters": (16, 32)}, "mlp": {"hidden_units": (256,)}}


class AnomalyDetector(BaseEstimator):
    """An autoencoder as an anomaly detector, in the scikit-learn and PyOD conventions.

    `fit(X)` trains (or only calibrates) the detector on data assumed mostly
    normal; `decision_function(X)` gives anomaly scores (higher = more
    anomalous); `predict(X)` gives 0 (inlier) or 1 (outlier) by comparing
    the scores with `threshold_`, the `1 - contamination` quantile of the
    training scores. With `window=W`, `X` is one long series `(T,)` or
    `(T, features)`: it is cut into sliding windows and every output has one
    value per timestep.

    Args:
        model: None, str or aezoo model. None builds `variant` x `backbone`
            and trains it on `X` in `fit`; a preset name, a `.keras` path or
            an aezoo model is used as is (`fit` then only calibrates, unless
            `epochs` is given: then it fine-tunes a copy). Defaults to `None`.
        variant: str. Objective when `model` is None (`zoo.list_models()`).
            Defaults to `"ae"`.
        backbone: str. Networks when `model` is None (`zoo.list_backbones()`).
            Defaults to `"conv"`.
        latent_dim: int. Latent size when `model` is None. Defaults to `8`.
        window: int or None. Timesteps per sliding window; None means `X` is
            a batch of examples. Defaults to `None`.
        stride: int. Step between windows in series mode. Defaults to `1`.
        contamination: float in (0, 0.5]. Expected fraction of outliers in the
            training data; sets `threshold_`. Defaults to `0.1`.
        epochs: int or None. Training epochs. None: no training for a given
            `model`, and an automatic budget (about 3,000 steps, 10 to 100
            epochs) for a new one. Defaults to `None`.
        score: str or tuple of str. `"reconstruction"` (the model's
            `score`; in series mode the squared error at each timestep),
            `"window_reconstruction"` (series mode: each window's mean
            squared error, spread over its timesteps), `"latent_knn"` (mean
            distance to the `n_neighbors` nearest training codes),
            `"latent_lof"` (local outlier factor of the code among the
            training codes), `"iw_nll"` (a VAE's importance-weighted NLL),
            `"combined"`, or a tuple of these names: each component is
            standardized by the median and interquartile range of its
            training scores, then the components are averaged. `"combined"`
            is reconstruction + latent LOF on examples, and all four
            deterministic scores on series. Defaults to `"combined"`, the
            best on the benchmarks (docs/detectors.md).
        scaling: str. `"auto"`, `"standard"`, `"window"` or `"none"` (see
            `zoo.detectors.scaling`). `"auto"`: `"standard"` for a new model;
            for a given model `"none"` on examples (it expects its own
            preprocessing) and `"window"` on series (the zoo's sequence
            presets were trained on mean-subtracted windows). Defaults to
            `"auto"`.
        n_neighbors: int. Neighbours of the latent scores. Defaults to `10`.
        iw_samples: int. Importance samples of `"iw_nll"`. Defaults to `64`.
        batch_size: int. Training batch size. Defaults to `64`.
        learning_rate: float. Adam learning rate. Defaults to `1e-3`.
        options: dict or None. Extra `zoo.build` options for a new model
            (small per-backbone defaults otherwise). Defaults to `None`.
        seed: int. Seeds weights, shuffling and sampling. Defaults to `0`.
        verbose: int. Keras `fit` verbosity. Defaults to `0`.

    Attributes (after `fit`):
        model_: the fitted aezoo model.
        decision_scores_: training scores, `(n,)` or `(T,)` in series mode.
        threshold_: float. Scores above it are outliers.
        labels_: int array of 0/1, `decision_scores_ > threshold_`.

    Example:
    >>> det = AnomalyDetector("ae_conv_ecg", contamination=0.05).fit(x_train)
    >>> det.predict(x_test)                  # 0 inlier, 1 outlier
    >>> det = AnomalyDetector(window=64).fit(series)    # trains a conv AE
    >>> det.decision_function(series).shape  # one score per timestep
    (T,)

    Reference:
    - Zhao, Nasrullah & Li, "PyOD: A Python Toolbox for Scalable Outlier
      Detection", JMLR 2019 (the names).
    - Breunig et al., "LOF: Identifying Density-Based Local Outliers", SIGMOD 2000.
    """

    def __init__(self, model=None, variant="ae", backbone="conv", latent_dim=8, window=None,
                 stride=1, contamination=0.1, epochs=None, score="combined",
                 scaling="auto", n_neighbors=10, iw_samples=64, batch_size=64,
                 learning_rate=1e-3, options=None, seed=0, verbose=0):
        self.model = model
        self.variant = variant
        self.backbone = backbone
        self.latent_dim = latent_dim
        self.window = window
        self.stride = stride
        self.contamination = contamination
        self.epochs = epochs
        self.score = score
        self.scaling = scaling
        self.n_neighbors = n_neighbors
        self.iw_samples = iw_samples
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.options = options
        self.seed = seed
        self.verbose = verbose

    # ------------------------------------------------------------ checks

    def _components(self):
        score = self.score
        if isinstance(score, str):
            names = (COMBINED["series" if self.window is not None else "examples"]
                     if score == "combined" else (score,))
        else:
            try:
                names = tuple(score)
            except TypeError:
                names = (score,)
        unknown = [n for n in names if n not in SCORES]
        if not names or unknown:
            raise ValueError(f"`score` must be one of {list(SCORES) + ['combined']} or a tuple "
                             f"of {list(SCORES)}. Received: score={score!r}")
        if self.window is None and "window_reconstruction" in names:
            raise ValueError("score 'window_reconstruction' needs series mode (set `window`). "
                             f"Received: score={score!r}, window=None")
        return tuple(dict.fromkeys(names))

    def _check_params(self):
        c = self.contamination
        if isinstance(c, bool) or not isinstance(c, numbers.Real) or not 0 < c <= 0.5:
            raise ValueError("`contamination` must be a number in (0, 0.5]. "
                             f"Received: contamination={c!r}")
        series_lib.check_window(self.window, self.stride)
        for name in ("n_neighbors", "iw_samples", "batch_size", "latent_dim"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. "
                                 f"Received: {name}={value!r}")
        if self.epochs is not None and (isinstance(self.epochs, bool) or not isinstance(
                self.epochs, numbers.Integral) or self.epochs < 1):
            raise ValueError("`epochs` must be a positive integer or None. "
                             f"Received: epochs={self.epochs!r}")
        choices = ("auto",) + scaling_lib.SCALINGS
        if self.scaling not in choices:
            raise ValueError(f"`scaling` must be one of {list(choices)}. "
                             f"Received: scaling={self.scaling!r}")
        if self.options is not None and not isinstance(self.options, dict):
            raise ValueError(f"`options` must be a dict of zoo.build options or None. "
                             f"Received: options={self.options!r}")
        return self._components()

    def _check_fitted(self, where):
        if not hasattr(self, "threshold_"):
            raise ValueError(f"This AnomalyDetector is not fitted yet: call `fit(X)` before "
                             f"`{where}`. Received: an unfitted detector")

    def _examples(self, X, where):
        """Returns `(examples, starts, length)`; `starts` is None outside series mode."""
        if self.window is None:
            try:
                x = np.asarray(X, dtype=np.float64)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{where} expects a numeric array of examples. "
                                 f"Received: {type(X).__name__} ({error})") from None
            if x.ndim < 2 or len(x) == 0:
                raise ValueError(f"{where} expects a batch of examples (n, ...) with n >= 1; "
                                 "for one long series set `window`. "
                                 f"Received: shape={x.shape}")
            bad = ~np.isfinite(x)
            if bad.any():
                raise ValueError(f"{where} expects finite values. Received: {int(bad.sum())} "
                                 f"NaN or inf value(s), the first in example "
                                 f"{int(np.argwhere(bad)[0][0])}")
            return x, None, len(x)
        series = series_lib.as_series(X, where)
        windows, starts = series_lib.sliding_windows(series, self.window, self.stride)
        return windows, starts, len(series)

    def _check_shape(self, x, where):
        expected = self.input_shape_
        received = tuple(x.shape[1:])
        if received == expected:
            return
        if self.window is None:
            shape = ", ".join(map(str, expected))
            raise ValueError(f"{where} expects examples of shape (n, {shape}). "
                             f"Received: shape={x.shape}")
        if len(expected) != 2:
            raise ValueError(f"{where}: `window` needs a model of sequences (timesteps, features);"
                             f" this model takes {expected}. Received: window={self.window}")
        raise ValueError(f"{where} expects windows of {expected[0]} timesteps and {expected[1]} "
                         f"feature(s), shape {expected} (set window={expected[0]}). Received: "
                         f"window={self.window} over a series with {received[1]} feature(s)")

    # ------------------------------------------------------------ model

    def _resolve_model(self):
        import zoo

        if self.model is None:
            return None
        if isinstance(self.model, (str, os.PathLike)):
            model = zoo.load(os.fspath(self.model))
            if not is_autoencoder(model):
                raise ValueError(f"`model` must name an autoencoder. Received: "
                                 f"model={self.model!r}, a {type(model).__name__}")
            return model
        if not is_autoencoder(self.model):
            raise ValueError("`model` must be None, a preset name, a .keras path or an aezoo "
                             f"model. Received: {type(self.model).__name__}")
        return copy_model(self.model) if self.epochs is not None else self.model

    def _auto_epochs(self, n):
        steps = max(1, math.ceil(n / self.batch_size))
        return int(min(100, max(10, math.ceil(3000 / steps))))

    def _train(self, model, x):
        import keras

        import zoo

        keras.utils.set_random_seed(self.seed)
        if model is None:
            options = {**DEFAULT_OPTIONS.get(self.backbone, {}), **(self.options or {})}
            model = zoo.build(self.variant, input_shape=x.shape[1:], latent_dim=self.latent_dim,
                              backbone=self.backbone, **options)
            epochs = self.epochs or self._auto_epochs(len(x))
        else:
            epochs = self.epochs
        model.compile(optimizer=keras.optimizers.Adam(self.learning_rate))
        model.fit(x, epochs=epochs, batch_size=self.batch_size, shuffle=True,
                  verbose=self.verbose)
        return model

    # ------------------------------------------------------------ scores

    def _codes(self, x):
        return batched(lambda c: self.model_.encode(c), x).reshape(len(x), -1)

    def _raw_scores(self, x, starts, length, training=False):
        """Returns {component: scores}, per example or (series mode) per timestep."""
        model = self.model_
        raw = {}
        codes = errors = None
        for name in self.components_:
            if name == "reconstruction" and starts is None:
                values = batched(lambda c: model.score(c), x)
            elif name in ("reconstruction", "window_reconstruction"):
                if errors is None:
                    # Squared error per timestep of each window, summed over features.
                    recon = batched(lambda c: model.reconstruct(c), x)
                    errors = ((recon.astype(np.float64) - x) ** 2).sum(axis=-1)
                values = errors if name == "reconstruction" else errors.mean(axis=1)
            elif name == "iw_nll":
                from zoo import evaluation

                values = evaluation.iw_nll(model, x, k=self.iw_samples, seed=self.seed)
            else:
                codes = self._codes(x) if codes is None else codes
                values = self._latent_scores(name, codes, training)
            values = np.asarray(values, dtype=np.float64).reshape(len(x), -1)
            if starts is None:
                raw[name] = values[:, 0]
            else:
                raw[name] = series_lib.per_timestep(
                    values if values.shape[1] > 1 else values[:, 0], starts, length,
                    self.window)
        return raw

    def _latent_scores(self, name, codes, training):
        if name == "latent_knn":
            if training:
                # Leave each training code out of its own neighbourhood.
                distances, _ = self.neighbors_.kneighbors(codes, self.neighbors_k_ + 1)
                return distances[:, 1:].mean(axis=1)
            return self.neighbors_.kneighbors(codes, self.neighbors_k_)[0].mean(axis=1)
        if training:
            return -self.lof_.negative_outlier_factor_
        return -self.lof_.score_samples(codes)

    def _fit_latent(self, codes):
        from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors

        self.neighbors_k_ = int(min(self.n_neighbors, len(codes) - 1))
        if self.neighbors_k_ < 1:
            raise ValueError("Latent scores need at least 2 training examples. "
                             f"Received: {len(codes)}")
        if "latent_knn" in self.components_:
            self.neighbors_ = NearestNeighbors(n_neighbors=self.neighbors_k_ + 1).fit(codes)
        if "latent_lof" in self.components_:
            self.lof_ = LocalOutlierFactor(n_neighbors=self.neighbors_k_, novelty=True).fit(codes)

    def _combine(self, raw):
        if len(raw) == 1:
            return next(iter(raw.values()))
        return np.mean([(raw[n] - center) / spread
                        for n, (center, spread) in self.calibration_.items()], axis=0)

    # ------------------------------------------------------------ API

    def fit(self, X, y=None):
        """Trains (or calibrates) the detector on `X`, assumed mostly normal.

        Args:
            X: array. Examples `(n, ...)`, or with `window` a series `(T,)` or
                `(T, features)`.
            y: ignored (unsupervised), kept for scikit-learn pipelines.

        Returns:
            self.
        """
        self.components_ = self._check_params()
        x, starts, length = self._examples(X, "fit")
        model = self._resolve_model()
        if model is not None:
            self.input_shape_ = data_shape(model)
            self._check_shape(x, "fit")
        if "iw_nll" in self.components_ and model is not None and not has_posterior(model):
            raise ValueError("score 'iw_nll' needs a model with a posterior (a VAE). "
                             f"Received: a {type(model).__name__}")
        scaling = self.scaling
        if scaling == "auto":
            scaling = ("standard" if model is None
                       else "window" if starts is not None else "none")
        self.scaling_ = scaling_lib.fit_scaling(x, scaling)
        x = scaling_lib.apply_scaling(x, self.scaling_)
        if model is None or self.epochs is not None:
            model = self._train(model, x)
        if "iw_nll" in self.components_ and not has_posterior(model):
            raise ValueError("score 'iw_nll' needs a variational model: use variant='vae'. "
                             f"Received: variant={self.variant!r}")
        self.model_ = model
        self.input_shape_ = data_shape(model)
        if {"latent_knn", "latent_lof"} & set(self.components_):
            self._fit_latent(self._codes(x))
        raw = self._raw_scores(x, starts, length, training=True)
        self.calibration_ = {}
        for name, values in raw.items():
            q25, center, q75 = np.quantile(values, (0.25, 0.5, 0.75))
            spread = q75 - q25 if q75 > q25 else (values.std() or 1.0)
            self.calibration_[name] = (float(center), float(spread))
        self.decision_scores_ = self._combine(raw)
        self.threshold_ = float(np.quantile(self.decision_scores_, 1.0 - self.contamination))
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(np.int64)
        return self

    def decision_function(self, X):
        """Returns anomaly scores of `X` (higher = more anomalous).

        Args:
            X: array like the one given to `fit`.

        Returns:
            float64 array `(n,)`, or `(T,)` (one per timestep) with `window`.
        """
        self._check_fitted("decision_function")
        x, starts, length = self._examples(X, "decision_function")
        self._check_shape(x, "decision_function")
        x = scaling_lib.apply_scaling(x, self.scaling_)
        return self._combine(self._raw_scores(x, starts, length))

    def predict(self, X):
        """Returns 0 (inlier) or 1 (outlier) for each example, or each timestep with `window`."""
        self._check_fitted("predict")
        return (self.decision_function(X) > self.threshold_).astype(np.int64)

    def fit_predict(self, X, y=None):
        """Fits on `X` and returns its labels (`labels_`)."""
        return self.fit(X).labels_

    def export(self, out_dir, formats=("onnx",), overwrite=False, **options):
        """Exports the model's `score` endpoint with this detector's threshold.

        The manifest carries `threshold_`, the contamination and the input
        scaling, so `export.load_detector(out_dir).predict(x)` flags anomalies
        without TensorFlow, like `predict`. Needs `score="reconstruction"`
        (the endpoint) and examples (`window=None`).

        Args:
            out_dir: str. Folder to create.
            formats: tuple of str. Export formats. Defaults to `("onnx",)`.
            overwrite: bool. Replace an existing folder. Defaults to `False`.
            **options: more `export.export_model` arguments.

        Returns:
            The `export.ExportReport`.
        """
        self._check_fitted("export")
        if self.window is not None or self.components_ != ("reconstruction",):
            raise ValueError("export carries the model's `score` endpoint: it needs "
                             "score='reconstruction' and window=None. Received: "
                             f"score={self.score!r}, window={self.window!r}")
        import export

        detector = {"threshold": self.threshold_, "contamination": float(self.contamination),
                    "score": "reconstruction", "endpoint": "score",
                    "scaling": {"mode": self.scaling_["mode"],
                                "offset": np.asarray(self.scaling_["offset"]).tolist(),
                                "scale": np.asarray(self.scaling_["scale"]).tolist()}}
        return export.export_model(self.model_, out_dir, formats=formats, endpoints=("score",),
                                   overwrite=overwrite, detector=detector, **options)
