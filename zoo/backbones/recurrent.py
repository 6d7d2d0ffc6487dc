"""LSTM/GRU sequence-to-sequence encoder and decoder for `(timesteps, features)` inputs."""

import keras

from zoo import checks
from zoo.backbones.backbone import Backbone, maybe_dropout, regularizer
from zoo.models.registry import register_backbone

CELLS = ("gru", "lstm")


@register_backbone("recurrent")
class Recurrent(Backbone):
    """A recurrent encoder reads the sequence; a recurrent decoder writes it back.

    The encoder's last hidden state is mapped to the code by a Dense layer.
    The decoder repeats a Dense projection of the code at every timestep
    (the code conditions each step, so long sequences do not forget it),
    runs a recurrent layer with `return_sequences=True`, and maps each step
    to the features with a Dense layer. `dropout` is applied between layers
    (not `recurrent_dropout`, which disables the fused kernels and is slow).

    Options:
        units: int. Hidden units of each recurrent layer. Defaults to `64`.
        cell: str. `"lstm"` or `"gru"`. Defaults to `"lstm"`.

    Reference:
    - Srivastava, Mansimov & Salakhutdinov, "Unsupervised Learning of Video
      Representations using LSTMs", ICML 2015.
    """

    options = {"units": 64, "cell": "lstm"}

    def check_options(self, input_shape, options):
        if len(input_shape) != 2:
            raise ValueError(
                "The recurrent backbone expects input_shape (timesteps, features). "
                f"Received: input_shape={input_shape}"
            )
        units = checks.positive_int("units", options["units"])
        checks.choice("cell", options["cell"], CELLS)
        return {"units": units, "cell": options["cell"]}

    @staticmethod
    def _recurrent(options, kernel_l2, return_sequences):
        layer = keras.layers.LSTM if options["cell"] == "lstm" else keras.layers.GRU
        return layer(
            options["units"], return_sequences=return_sequences,
            kernel_regularizer=regularizer(kernel_l2),
            recurrent_regularizer=regularizer(kernel_l2),
        )

    def encoder(self, input_shape, output_dim, options, dropout=0.0, kernel_l2=0.0):
        inputs = keras.Input(shape=input_shape, name="x")
        h = self._recurrent(options, kernel_l2, return_sequences=False)(inputs)
        h = maybe_dropout(h, dropout)
        outputs = keras.layers.Dense(output_dim, kernel_regularizer=regularizer(kernel_l2))(h)
        return keras.Model(inputs, outputs, name="encoder")

    def decoder(self, latent_dim, output_shape, options, dropout=0.0, kernel_l2=0.0):
        timesteps, features = output_shape
        inputs = keras.Input(shape=(latent_dim,), name="z")
        h = keras.layers.Dense(
            options["units"], activation="tanh", kernel_regularizer=regularizer(kernel_l2)
        )(inputs)
        h = maybe_dropout(h, dropout)
        h = keras.layers.RepeatVector(timesteps)(h)
        h = self._recurrent(options, kernel_l2, return_sequences=True)(h)
        h = maybe_dropout(h, dropout)
        outputs = keras.layers.Dense(features, kernel_regularizer=regularizer(kernel_l2))(h)
        return keras.Model(inputs, outputs, name="decoder")
