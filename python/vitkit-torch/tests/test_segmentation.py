"""The segmentation model (vitkit's parameter names), its spec errors, pixel cross-entropy with the ignore index,
mIoU / pixel accuracy, and a short segmentation training run. (Parity with vitkit: `npm run test:twin`.)"""
import json
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vitkit_torch import SpecError, UnsupportedSpecError, build_model
from vitkit_torch.segmentation import ConfusionMatrix, pixel_cross_entropy_sum
from vitkit_torch.train import main

BACKBONE = {"type": "resnet", "block": "basic", "layers": [1, 1, 1, 1], "widths": [4, 8, 8, 16]}
HEAD = {"type": "semantic-fpn", "convDims": 8, "groups": 2}


def segmenter(neck, **extra):
    return {"type": "segmentation", "backbone": BACKBONE, "neck": neck, "head": HEAD, "numClasses": 5, "inChans": 1, "imgSize": [32, 64], **extra}


def test_fpn_segmenter_has_vitkit_names_and_per_pixel_logits():
    model = build_model(segmenter({"type": "fpn", "outChannels": 8})).eval()
    names = set(model.state_dict())
    for n in ("neck.fpn_lateral2.weight", "neck.fpn_lateral5.bias", "neck.fpn_output3.weight", "head.p2.0.weight", "head.p2.0.norm.weight",
              "head.p5.4.norm.bias", "head.predictor.weight", "backbone.layer4.0.bn2.running_var"):
        assert n in names, n
    assert not any(n.startswith("backbone.fc") for n in names), "the backbone is built without a classifier"
    assert model(torch.randn(2, 1, 32, 64)).shape == (2, 5, 32, 64)


def test_vt_fpn_segmenter_names_its_tokenizers_transformer_and_projectors():
    model = build_model(segmenter({"type": "vt-fpn", "outChannels": 8, "numTokens": 2, "tokenChannels": 16, "projDim": 4}))
    names = set(model.state_dict())
    for n in ("neck.tokenizer2.attn.weight", "neck.tokenizer5.value.weight", "neck.transformer.key.weight", "neck.projector4.query.weight", "neck.projector3.value.weight"):
        assert n in names, n
    assert not any(n.startswith("neck.fpn_output") for n in names), "VT-FPN replaces the top-down pathway and output convs"
    assert model(torch.randn(1, 1, 32, 64)).shape == (1, 5, 32, 64)


def test_vt_resnet_backbone_gives_three_levels():
    vt = {"type": "vt-resnet", "layers": [1, 1, 1], "widths": [4, 8, 8], "tokenChannels": 16, "numTokens": 4}
    model = build_model({**segmenter({"type": "fpn", "outChannels": 8}), "backbone": vt, "head": "conv1x1"})
    assert model.backbone.feature_strides == (4, 8, 16) and "neck.fpn_lateral4.weight" in model.state_dict() and "neck.fpn_lateral5.weight" not in model.state_dict()
    assert model(torch.randn(1, 1, 32, 64)).shape == (1, 5, 32, 64)


def test_segmentation_spec_errors_name_their_path():
    with pytest.raises(SpecError, match=r"model\.neck\.outChanels: is not an option here"):
        build_model(segmenter({"type": "fpn", "outChanels": 8}))
    with pytest.raises(UnsupportedSpecError, match=r"model\.neck\.type: neck \"bifpn\""):
        build_model(segmenter({"type": "bifpn"}))
    with pytest.raises(SpecError, match=r"model\.head\.groups: 8 channels cannot be split into 3 groups"):
        build_model({**segmenter({"type": "fpn", "outChannels": 8}), "head": {"type": "semantic-fpn", "convDims": 8, "groups": 3}})
    with pytest.raises(SpecError, match=r"model\.neck\.tokenizer: VT-FPN needs a Visual Transformer tokenizer"):
        build_model(segmenter({"type": "vt-fpn", "outChannels": 8, "numTokens": 2, "tokenChannels": 16, "tokenizer": "recurrent"}))
    with pytest.raises(SpecError, match=r"model\.backbone: does not expose feature maps"):
        build_model({**segmenter({"type": "fpn"}), "backbone": {"type": "vit", "imgSize": 32, "embedDim": 16, "depth": 1, "numHeads": 2, "tokenizer": {"type": "patch", "patchSize": 8}}})


def test_pixel_cross_entropy_skips_ignored_pixels():
    logits = torch.randn(2, 3, 4, 4)
    labels = torch.randint(0, 3, (2 * 4 * 4,))
    labels[::3] = 255
    keep = labels != 255
    per_pixel = -F.log_softmax(logits.permute(0, 2, 3, 1).reshape(-1, 3), dim=-1)[torch.arange(32), labels.clamp(max=2)]
    assert torch.allclose(pixel_cross_entropy_sum(logits, labels, 255), per_pixel[keep].sum())
    assert pixel_cross_entropy_sum(logits, torch.full((32,), 255), 255).item() == 0


def test_confusion_matrix_scores():
    cm = ConfusionMatrix(3)
    # labels 0 0 1 1 (2 ignored); predictions 0 1 1 1: class 0 IoU 1/2, class 1 IoU 2/3, class 2 absent from both.
    cm.update(np.array([0, 1, 1, 1, 2, 0]), np.array([0, 0, 1, 1, 255, 255]))
    s = cm.scores()
    assert s["perClassIoU"][0] == pytest.approx(1 / 2) and s["perClassIoU"][1] == pytest.approx(2 / 3) and s["perClassIoU"][2] is None
    assert s["mIoU"] == pytest.approx((1 / 2 + 2 / 3) / 2) and s["pixelAccuracy"] == pytest.approx(3 / 4) and s["pixels"] == 4


SPEC = {
    "task": "segmentation", "seed": 1,
    "model": {**segmenter({"type": "fpn", "outChannels": 8}), "numClasses": 11, "imgSize": [32, 32]},
    "data": {"type": "mnist-segmentation", "size": 32, "trainLength": 8, "testLength": 4, "batchSize": 4, "cropPadding": 2, "flip": True},
    "train": {"epochs": 2, "optimizer": {"type": "adamw", "lr": 0.003}, "schedule": {"type": "constant"}, "ema": {"decay": 0.9}, "logEvery": 1},
    "report": {"images": 2},
}


def run(tmp_path, spec):
    f = tmp_path / "s.json"
    f.write_text(json.dumps(spec))
    return main(["--spec", str(f), "--out-dir", str(tmp_path / "out")])


def test_segmentation_training_writes_vitkit_metric_lines_and_eval(tmp_path):
    assert run(tmp_path, SPEC) == 0
    with open(tmp_path / "out" / "metrics.jsonl") as f:
        records = [json.loads(l) for l in f]
    train = [r for r in records if r["type"] == "train"]
    evals = [r for r in records if r["type"] == "eval"]
    assert [r["step"] for r in train] == [1, 2, 3, 4] and all(np.isfinite(r["loss"]) and 0 <= r["acc"] <= 1 for r in train)
    assert len(evals) == 2 and {"mIoU", "pixelAccuracy", "perClassIoU", "emaMIoU", "emaPixelAccuracy"} <= set(evals[-1])
    with open(tmp_path / "out" / "eval.json") as f:
        final = json.load(f)
    assert final["samples"] == 4 and final["mIoU"] == evals[-1]["mIoU"] and len(final["perClassIoU"]) == 11
    assert os.path.exists(tmp_path / "out" / "checkpoint.safetensors")


def test_segmentation_training_spec_errors(tmp_path, capsys):
    assert run(tmp_path, {**SPEC, "train": {**SPEC["train"], "loss": "cross-entropy"}}) == 1
    assert "train.loss: \"cross-entropy\" takes one label per image" in capsys.readouterr().err
    assert run(tmp_path, {**SPEC, "train": {**SPEC["train"], "distillation": {}}}) == 1
    assert "train.distillation: is not an option here" in capsys.readouterr().err
    assert run(tmp_path, {**SPEC, "report": {"imagez": 1}}) == 1
    assert "report.imagez: is not an option here" in capsys.readouterr().err
    assert run(tmp_path, {**SPEC, "model": {**SPEC["model"], "numClasses": 4}}) == 1
    assert "model.numClasses: is 4 but the dataset has 11 classes" in capsys.readouterr().err
    assert run(tmp_path, {**SPEC, "task": "detection"}) == 1
    assert "task: 'detection' is not valid" in capsys.readouterr().err
