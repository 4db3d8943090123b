"""The twin against the official PyTorch code: each fixture's weights reproduce its logits (≤ 1e-4)."""
import os

import pytest
import torch
from safetensors.torch import load_file

from vitkit_torch import build_model, load_state_dict, state_dict

FIXTURES = os.environ.get("VITKIT_FIXTURES", os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "fixtures"))

T2T = {"type": "deep-narrow", "imgSize": 64, "numClasses": 10, "embedDim": 64, "depth": 2, "numHeads": 2, "mlpRatio": 2, "tokenizer": {"type": "t2t", "tokenDim": 32}}
CROSSVIT = {"type": "dual-branch", "imgSize": [48, 32], "patchSize": [12, 16], "numClasses": 10, "embedDim": [24, 48], "depth": [[1, 2, 0], [1, 2, 0]], "numHeads": [2, 2], "mlpRatio": [2, 2]}

SPECS = {
    "t2t_tiny_performer": T2T,
    "t2t_tiny_performer_qkscale": {**T2T, "qkScale": "embed"},
    "t2t_tiny_transformer": {**T2T, "tokenizer": {"type": "t2t", "tokenDim": 32, "attention": "transformer"}},
    "crossvit_tiny": CROSSVIT,
    "crossvit_tiny_conv": {**CROSSVIT, "tokenizer": "conv-stem"},
    "crossvit_tiny_xattn_seq": {**CROSSVIT, "depth": [[1, 2, 2], [1, 1, 1]]},
    "resnet18_narrow": {"type": "resnet", "block": "basic", "layers": [2, 2, 2, 2], "widths": [8, 16, 32, 64], "numClasses": 10, "imgSize": 64},
    "resnet_bottleneck_narrow": {"type": "resnet", "block": "bottleneck", "layers": [1, 1, 1, 1], "widths": [4, 8, 16, 32], "numClasses": 10, "imgSize": 64},
}
# Every fixture in ../shared/fixtures: the ResNets have no randomised twin.
CASES = [(name, spec) for base, spec in SPECS.items() for name in ((base,) if base.startswith("resnet") else (base, f"{base}_rand"))]


@pytest.mark.parametrize("name,spec", CASES, ids=[c[0] for c in CASES])
def test_official_weights_reproduce_the_fixture_logits(name, spec):
    path = os.path.join(FIXTURES, f"{name}.safetensors")
    assert os.path.exists(path), f"missing fixture {path} (set VITKIT_FIXTURES to the shared fixtures folder)"
    tensors = load_file(path)
    model = build_model(spec).eval()
    load_state_dict(model, tensors, source=path)  # strict: every official name is a twin name and vice versa
    with torch.no_grad():
        logits = model(tensors["__input__"])
    diff = (logits - tensors["__logits__"]).abs().max().item()
    assert diff <= 1e-4, f"{name}: max |logits - official| = {diff}"
    saved = state_dict(model)
    official = {k for k in tensors if not k.startswith("__")}
    assert set(saved) == official
