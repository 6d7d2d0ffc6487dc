"""`aezoo train --prior KIND --prior-epochs N --prior-option K=V`, checked and reproduced."""

import pytest

from zoo.training import Recipe


def test_prior_flags_round_trip_through_the_command_line():
    recipe = Recipe("ae", backbone="conv", prior="diffusion", prior_epochs=300,
                    prior_option=["width=256"])
    command = recipe.check().command("ldm_conv_mnist")
    assert "--prior-epochs 300 --prior diffusion --prior-option width=256" in command
    assert Recipe("vq_vae", prior="transformer", prior_epochs=3).check().prior == "transformer"


@pytest.mark.parametrize("recipe, fragment", [
    (Recipe("ae", prior_epochs=5), "needs --prior diffusion"),
    (Recipe("vq_vae", prior="diffusion", prior_epochs=5), "--prior for vq_vae"),
    (Recipe("vae", prior="transformer", prior_epochs=5), "--prior for vae"),
    (Recipe("ae", prior="diffusion"), "need --prior-epochs"),
    (Recipe("ae", prior="diffusion", prior_epochs=2, prior_option=["width"]), "key=value"),
])
def test_bad_prior_recipes_fail_before_any_work(recipe, fragment):
    with pytest.raises(ValueError, match=fragment):
        recipe.check()
