"""A linear AE trained to convergence spans the PCA subspace (Baldi & Hornik, 1989)."""

import keras
import numpy as np
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA
from support import small_model

LATENT = 4


def test_linear_ae_spans_the_principal_subspace(digits):
    x_train, _ = digits
    flat = x_train.reshape(len(x_train), -1)
    components = PCA(LATENT).fit(flat).components_  # (latent, 64)
    model = small_model("ae", "mlp", x_train.shape[1:], LATENT, hidden_units=(), loss="mse")
    # Full-batch steps (20 per epoch over an unshuffled tiling) converge without SGD noise.
    steps = np.tile(x_train, (20, 1, 1, 1))
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(steps, epochs=60, batch_size=len(x_train), shuffle=False, verbose=0)
    model.optimizer.learning_rate.assign(1e-3)
    model.fit(steps, epochs=40, batch_size=len(x_train), shuffle=False, verbose=0)
    decoder_rows = model.decoder.layers[1].kernel.numpy()  # (latent, 64): the decoder's span
    angles = subspace_angles(decoder_rows.T, components.T)
    print(f"principal angles (rad): {np.round(angles, 4)}")
    assert angles.max() < 0.05
    # A random subspace of the same size is far from it: the test can fail.
    random = np.random.default_rng(0).standard_normal((64, LATENT))
    assert subspace_angles(random, components.T).max() > 1.0
