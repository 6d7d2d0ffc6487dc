"""`aezoo publish`: a shipped preset becomes a preset folder that loads identically."""

import os

import numpy as np
from reliability_cases import run_cli

import zoo
from zoo.hub import folder as preset_folder


def test_publish_a_preset_then_load_the_folder(tmp_path, mnist):
    out = tmp_path / "www" / "ae_conv_mnist"
    status, stdout, stderr = run_cli(["publish", "ae_conv_mnist", "--out", str(out)])
    assert status == 0, stderr
    preset = preset_folder.read_preset(out)  # every file verified
    assert preset["name"] == "ae_conv_mnist" and preset["recipe"].startswith("aezoo train")
    assert preset["metrics"] == zoo.preset_info("ae_conv_mnist")["metrics"]
    assert preset["sha256"] in stdout
    root = zoo.hub.saved_models_dir()
    card = os.path.join(root, zoo.preset_info("ae_conv_mnist")["card"])
    assert (out / "card.md").read_bytes() == open(card, "rb").read()
    x = mnist[1][:16]
    np.testing.assert_array_equal(np.asarray(zoo.load(str(out)).reconstruct(x)),
                                  np.asarray(zoo.load("ae_conv_mnist").reconstruct(x)))
    # An existing folder is refused before anything is loaded.
    status, _, stderr = run_cli(["publish", "ae_conv_mnist", "--out", str(out)])
    assert status == 2 and "exists" in stderr and len(stderr.strip().splitlines()) == 1


def test_publish_refuses_an_unknown_target(tmp_path):
    status, _, stderr = run_cli(["publish", "no_such_preset", "--out", str(tmp_path / "x")])
    assert status == 2 and "no_such_preset" in stderr
    assert not (tmp_path / "x").exists()
