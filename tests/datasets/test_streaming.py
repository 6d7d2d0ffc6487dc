"""`from_files`: training from files streams the same data as from memory."""

import keras
import numpy as np
import pytest
from PIL import Image
from support import small_model

from zoo.datasets.streaming import from_files, write_tfrecords


def losses(data, epochs=3):
    keras.utils.set_random_seed(3)
    model = small_model("ae", "mlp", (8, 8, 1), latent_dim=4)
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    return model.fit(data, batch_size=64, epochs=epochs, shuffle=False, verbose=0).history["loss"]


def test_four_npz_parts_train_like_the_concatenated_array(digits, tmp_path):
    x = digits[0][:512]
    for i, part in enumerate(np.split(x, 4)):
        np.savez(tmp_path / f"part-{i}.npz", x=part)
    streamed = from_files(str(tmp_path / "part-*.npz"), batch_size=64)
    np.testing.assert_array_equal(np.concatenate(list(streamed.as_numpy_iterator())), x)
    np.testing.assert_allclose(losses(streamed), losses(x), rtol=1e-5)


def test_tfrecords_round_trip(digits, tmp_path):
    x = digits[0][:100]
    write_tfrecords(x[:60], str(tmp_path / "a.tfrecord"))
    write_tfrecords(x[60:], str(tmp_path / "b.tfrecord"))
    streamed = from_files(str(tmp_path / "*.tfrecord"), batch_size=32)
    np.testing.assert_array_equal(np.concatenate(list(streamed.as_numpy_iterator())), x)


def test_image_folder_scaled_to_unit_range(mnist, tmp_path):
    x = mnist[1][:20]
    pixels = np.round(x[..., 0] * 255).astype(np.uint8)
    for i, image in enumerate(pixels):
        Image.fromarray(image).save(tmp_path / f"{i:03d}.png")
    streamed = from_files(str(tmp_path), batch_size=8, channels=1)
    got = np.concatenate(list(streamed.as_numpy_iterator()))
    assert got.shape == (20, 28, 28, 1)
    np.testing.assert_allclose(got[..., 0], pixels / 255.0, atol=1e-6)


def test_shuffle_is_seeded_and_keeps_every_example(digits, tmp_path):
    x = digits[0][:90]
    for i, part in enumerate(np.split(x, 3)):
        np.savez(tmp_path / f"p{i}.npz", part)
    runs = [np.concatenate(list(from_files(str(tmp_path / "*.npz"), batch_size=16, shuffle=True,
                                           seed=5).as_numpy_iterator())) for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], x)
    np.testing.assert_array_equal(np.sort(runs[0].ravel()), np.sort(x.ravel()))


def test_bad_paths_and_files_fail_before_training(digits, tmp_path):
    with pytest.raises(FileNotFoundError, match="No data files match"):
        from_files(str(tmp_path / "missing-*.npz"))
    (tmp_path / "a.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="Cannot read .*a.npz"):
        from_files(str(tmp_path / "a.npz"))
    np.savez(tmp_path / "b.npz", x=digits[0][:4])
    np.savez(tmp_path / "c.npz", x=np.zeros((4, 3, 3, 1)))
    with pytest.raises(ValueError, match="disagree on the example shape"):
        from_files(str(tmp_path / "[bc].npz"))
    (tmp_path / "d.txt").write_text("x")
    with pytest.raises(ValueError, match="all .npz, all TFRecord or all images"):
        from_files(str(tmp_path / "[bd].*"))
    np.savez(tmp_path / "e.npz", x=np.zeros((4, 10), np.float32))
    model = small_model("ae", "mlp", (8, 8, 1), latent_dim=2)
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"dataset batches of shape \(batch, 8, 8, 1\)"):
        model.fit(from_files(str(tmp_path / "e.npz")), epochs=1, verbose=0)
