"""The twin's divergence guard decides as vitkit's (packages/trainer/src/divergence.test.ts runs the same sequences)."""
import copy
import math

import pytest

from vitkit_torch.divergence import DEFAULTS, DivergenceError, DivergenceGuard, divergence_options
from vitkit_torch.errors import SpecError
from vitkit_torch.train import main


def guard(**o):
    return DivergenceGuard({**DEFAULTS, "warmupSteps": 5, **o}, math.log(10))


def test_noise_and_a_slow_decline_are_healthy_and_a_loss_far_above_the_median_stops():
    g = guard()
    for step in range(1, 31):
        g.check(step, 2.3 / math.sqrt(step) + 0.2 * (step % 3), 1 + (step % 4))
    with pytest.raises(DivergenceError, match=r"^training diverged at step 31: loss 40 is [\d.]+ times the median [\d.]+ of the last 30 steps \(limit: train.divergence.lossFactor 10\)"):
        g.check(31, 40, 3)


def test_a_fitted_models_wobble_below_ln_k_is_not_an_explosion():
    g = guard()
    for step in range(1, 21):
        g.check(step, 0.001, 0.01)
    g.check(21, 0.5, 0.02)
    assert g.last_calm == 21


def test_an_exploding_or_non_finite_gradient_norm_stops_while_the_loss_looks_normal():
    g = guard()
    for step in range(1, 11):
        g.check(step, 1, 2)
    with pytest.raises(DivergenceError, match="the gradient norm is inf"):
        g.check(11, 1, math.inf)
    with pytest.raises(DivergenceError, match=r"the gradient norm 5000 is 2500 times the median 2 of the last 10 steps"):
        g.check(11, 1, 5000)
    with pytest.raises(DivergenceError, match="above train.divergence.maxGradNorm 10"):
        guard(maxGradNorm=10).check(1, 1, 11)


def test_disabled_it_lets_a_climb_pass_and_still_stops_on_nan():
    g = guard(enabled=False)
    for step in range(1, 11):
        g.check(step, 1, 1)
    g.check(11, 3, 1)
    g.check(12, 1e9, 1)
    assert g.last_calm == 10
    with pytest.raises(DivergenceError, match="loss is nan.*the last calm step was 10"):
        g.check(13, math.nan, math.nan)


def test_options_have_vitkits_defaults_and_checks():
    assert divergence_options(None) == DEFAULTS
    assert divergence_options({"lossFactor": 4})["lossFactor"] == 4
    with pytest.raises(SpecError, match="train.divergence.lossFactor"):
        divergence_options({"lossFactor": 1})
    with pytest.raises(SpecError, match="train.divergence.window"):
        divergence_options({"window": 2})
    with pytest.raises(SpecError, match="train.divergence.lossFactr"):
        divergence_options({"lossFactr": 4})


def test_a_spec_with_train_divergence_trains_and_a_tight_gradient_cap_stops_it(tmp_path, capsys):
    from test_train import SPEC, write_spec

    spec = copy.deepcopy(SPEC)
    spec["train"].update({"epochs": 1, "checkpointEvery": None, "divergence": {"lossFactor": 20}})
    assert main(["--spec", write_spec(tmp_path, spec), "--out-dir", str(tmp_path / "ok")]) == 0
    spec["train"]["divergence"] = {"maxGradNorm": 1e-9}
    assert main(["--spec", write_spec(tmp_path, spec), "--out-dir", str(tmp_path / "capped")]) == 1
    assert "error: training diverged at step 1: the gradient norm" in capsys.readouterr().err
