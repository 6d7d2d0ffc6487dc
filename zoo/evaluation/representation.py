"""Representation metrics: linear probes on frozen codes, and what regularized codes carry.

Example:
>>> from zoo import evaluation
>>> evaluation.linear_probe_accuracy(evaluation.codes(m, x_train), y_train,
...                                  evaluation.codes(m, x_test), y_test)
0.89
"""

import numpy as np

from zoo.evaluation.common import batched, codes, flat, model_input


def linear_probe_accuracy(train_codes, train_labels, test_codes, test_labels, seed=0):
    """Returns the test accuracy of a logistic regression fit on frozen codes.

    Features are standardized on the training codes first.

    Args:
        train_codes: array `(n_train, features)`.
        train_labels: int array `(n_train,)`, at least two classes.
        test_codes: array `(n_test, features)`.
        test_labels: int array `(n_test,)`.
        seed: int. Seed of the solver.

    Returns:
        float in [0, 1].

    Example:
    >>> evaluation.linear_probe_accuracy(evaluation.codes(m, x_train), y_train,
    ...                                  evaluation.codes(m, x_test), y_test)
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train_codes, test_codes = flat(train_codes), flat(test_codes)
    train_labels, test_labels = np.asarray(train_labels), np.asarray(test_labels)
    for name, z, y in (("train", train_codes, train_labels), ("test", test_codes, test_labels)):
        if len(z) != len(y):
            raise ValueError(f"linear_probe_accuracy expects one label per {name} code. "
                             f"Received: {len(z)} codes, {len(y)} labels")
    if len(np.unique(train_labels)) < 2:
        raise ValueError("linear_probe_accuracy needs at least two classes in the training "
                         f"labels. Received: classes {np.unique(train_labels).tolist()}")
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
    probe.fit(train_codes, train_labels)
    return float(probe.score(test_codes, test_labels))


def code_sparsity(model, x, batch_size=256):
    """Returns how sparse `model`'s codes are on `x`: the fraction of exact zeros.

    The metric family a sparse autoencoder carries.

    Returns:
        dict: `code_zero_fraction` (entries with |z| < 1e-6) and
        `mean_active_codes` (nonzero entries per example).
    """
    z = codes(model, x, batch_size)
    active = np.abs(z) >= 1e-6
    return {"code_zero_fraction": float(np.mean(~active)),
            "mean_active_codes": float(np.mean(np.sum(active, axis=1)))}


def jacobian_norm(model, x, batch_size=100):
    """Returns the mean squared Frobenius norm of the encoder Jacobian on `x`.

    The metric family a contractive autoencoder carries (`model.jacobian_norm`).
    """
    x = model_input(model, x, "jacobian_norm")
    return {"jacobian_norm": float(np.mean(batched(model.jacobian_norm, x, min(batch_size, 100))))}
