"""Distillation as vitkit's trainer: DeiT's hard/soft loss, a frozen teacher from the spec with its weights."""
import json
import os

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from vitkit_torch import SpecError, build_model, state_dict
from vitkit_torch.distillation import distillation_loss, distillation_options
from vitkit_torch.train import TorchTrainer

CE = lambda logits, y: -(y * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()  # noqa: E731


def batch(seed=0, b=4, k=5):
    g = torch.Generator().manual_seed(seed)
    s, t = torch.randn(b, k, generator=g), torch.randn(b, k, generator=g)
    y = F.one_hot(torch.randint(0, k, (b,), generator=g), k).float()
    return s, t, y


def test_alpha_zero_is_the_base_loss_and_alpha_one_the_distillation_term():
    s, t, y = batch()
    base = CE(s, y)
    assert torch.equal(distillation_loss(CE, {"type": "hard", "alpha": 0, "tau": 1})(s, y, t), base)
    hard = distillation_loss(CE, {"type": "hard", "alpha": 1, "tau": 1})(s, y, t)
    torch.testing.assert_close(hard, F.cross_entropy(s, t.argmax(-1)))
    mixed = distillation_loss(CE, {"type": "hard", "alpha": 0.25, "tau": 1})(s, y, t)
    torch.testing.assert_close(mixed, 0.75 * base + 0.25 * hard)


def test_soft_is_deit_kl_times_tau_squared_over_the_logit_count():
    s, t, y = batch(1)
    tau = 3.0
    got = distillation_loss(CE, {"type": "soft", "alpha": 1, "tau": tau})(s, y, t)
    # DeiT: F.kl_div(log_softmax(s/T), log_softmax(t/T), reduction='sum', log_target=True) * T*T / s.numel()
    want = F.kl_div(F.log_softmax(s / tau, dim=1), F.log_softmax(t / tau, dim=1), reduction="sum", log_target=True) * tau * tau / s.numel()
    torch.testing.assert_close(got, want)
    assert distillation_loss(CE, {"type": "soft", "alpha": 1, "tau": tau})(s, y, s).abs().item() < 1e-6


def test_options_are_checked_with_their_paths():
    with pytest.raises(SpecError, match=r"train\.distillation\.teacher: is required"):
        distillation_options({"weights": "t.safetensors"})
    with pytest.raises(SpecError, match=r"train\.distillation\.type: 'medium' is not valid"):
        distillation_options({"teacher": {}, "weights": "t.safetensors", "type": "medium"})
    with pytest.raises(SpecError, match=r"train\.distillation\.alpha: 1\.5 is not valid"):
        distillation_options({"teacher": {}, "weights": "t.safetensors", "alpha": 1.5})
    assert distillation_options({"teacher": {}, "weights": "t.safetensors"}) == {"teacher": {}, "weights": "t.safetensors", "type": "hard", "alpha": 0.5, "tau": 1}


TEACHER = {"type": "vit", "imgSize": 16, "inChans": 3, "numClasses": 4, "embedDim": 8, "depth": 1, "numHeads": 2, "mlpRatio": 2, "tokenizer": {"type": "patch", "patchSize": 8}}


def test_a_run_trains_against_the_frozen_teacher(tmp_path):
    torch.manual_seed(5)
    teacher = build_model(TEACHER)
    save_file({k: v.contiguous() for k, v in state_dict(teacher).items()}, str(tmp_path / "teacher.safetensors"))
    spec = {
        "seed": 1,
        "model": {**TEACHER, "embedDim": 16},
        "data": {"train": {"type": "synthetic", "numSamples": 16, "numClasses": 4, "imageSize": 16}, "test": {"type": "synthetic", "split": "test", "numSamples": 8, "numClasses": 4, "imageSize": 16}, "batchSize": 8},
        "train": {"epochs": 1, "logEvery": 1, "distillation": {"teacher": TEACHER, "weights": "teacher.safetensors", "type": "soft", "alpha": 0.5, "tau": 2}},
    }
    (tmp_path / "s.json").write_text(json.dumps(spec))
    run = TorchTrainer(str(tmp_path / "s.json"), str(tmp_path / "out"), None, None, None, log=lambda *_: None)
    assert not run.teacher.training and not any(p.requires_grad for p in run.teacher.parameters())
    for k, v in state_dict(teacher).items():
        assert torch.equal(state_dict(run.teacher)[k], v)
    before = {k: v.clone() for k, v in state_dict(run.teacher).items()}
    run.fit()
    assert all(torch.equal(before[k], v) for k, v in state_dict(run.teacher).items())
    assert os.path.exists(tmp_path / "out" / "model.safetensors")


def test_a_preset_teacher_points_to_the_launcher(tmp_path):
    from vitkit_torch import UnsupportedSpecError
    from vitkit_torch.distillation import build_teacher

    with pytest.raises(UnsupportedSpecError, match=r'train\.distillation\.teacher: preset "t2t_vit_7" \(launch with `vitkit train --engine torch`'):
        build_teacher({"teacher": "t2t_vit_7", "weights": "t.safetensors"}, str(tmp_path), torch.device("cpu"))
