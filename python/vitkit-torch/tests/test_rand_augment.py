"""RandAugment: timm's increasing ops, vitkit's draws (bit-exactness against vitkit: npm run test:twin)."""
import math

import numpy as np
import pytest

from vitkit_torch import SpecError
from vitkit_torch.data import build_transforms
from vitkit_torch.rand_augment import OPS, RandAugment, apply_op, parse_config
from vitkit_torch.rng import Rng

OPTS = {"config": None, "numOps": None, "magnitude": None, "magnitudeStd": None, "prob": None, "ops": None}


def image(seed=0, c=3):
    return np.random.default_rng(seed).random((12, 10, c), dtype=np.float32)


def test_config_strings_as_timm():
    assert parse_config("rand-m9-mstd0.5-inc1", "p") == {"magnitude": 9, "numOps": 2, "magnitudeStd": 0.5, "prob": 0.5}
    assert parse_config("rand-m7-n3-mstdinf-p0.9", "p") == {"magnitude": 7, "numOps": 3, "magnitudeStd": math.inf, "prob": 0.9}
    with pytest.raises(SpecError, match=r'data\.transforms\[0\]\.config: rand-augment config "rand-inc0": only the increasing'):
        build_transforms([{"type": "rand-augment", "config": "rand-inc0"}], "data.transforms")
    with pytest.raises(SpecError, match=r"cannot read \"x5\""):
        parse_config("rand-x5", "p")
    with pytest.raises(SpecError, match=r"data\.transforms\[0\]\.ops\[1\]: 'Blur' is not valid"):
        build_transforms([{"type": "rand-augment", "ops": ["Invert", "Blur"]}], "data.transforms")


def test_plan_draws_ops_with_replacement_and_clips_magnitudes():
    ra = RandAugment({**OPTS, "numOps": 3, "prob": 1, "magnitude": 9, "magnitudeStd": 5}, "t")
    seen = set()
    for i in range(300):
        steps = ra.plan(Rng(i))
        assert len(steps) == 3
        for op, m, _ in steps:
            seen.add(op)
            assert 0 <= m <= 10
    assert seen == set(OPS)
    assert RandAugment({**OPTS, "prob": 0}, "t").plan(Rng(0)) == []
    fixed = RandAugment({**OPTS, "magnitudeStd": 0, "prob": 1}, "t").plan(Rng(4))
    assert [m for _, m, _ in fixed] == [9, 9]


def test_ops_at_magnitude_zero_keep_the_image_or_are_magnitude_free():
    img = image()
    for op in ("Rotate", "Color", "Contrast", "Brightness", "Sharpness", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel"):
        np.testing.assert_allclose(apply_op(op, img, 0, False, [0.5] * 3), img, atol=1e-6, err_msg=op)
    np.testing.assert_allclose(apply_op("Invert", apply_op("Invert", img, 5, False, [0]), 5, False, [0]), img, atol=1e-6)
    ac = apply_op("AutoContrast", img * 0.5 + 0.2, 5, False, [0])
    assert np.allclose(ac.reshape(-1, 3).min(0), 0) and np.allclose(ac.reshape(-1, 3).max(0), 1)


def test_eight_bit_ops_and_fill():
    img = image(1)
    post = apply_op("Posterize", img, 10, False, [0])  # 4 - 4 = 0 bits: every value becomes 0
    assert (post == 0).all()
    solar = apply_op("Solarize", img, 10, False, [0])  # threshold 0: every 8-bit value inverted
    np.testing.assert_allclose(solar, (255 - np.floor(img.astype(np.float64) * 255 + 0.5)) / 255, atol=1e-7)
    shifted = apply_op("TranslateXRel", img, 10, False, [0.25, 0.5, 0.75])  # 45 % of the width: the right part is fill
    np.testing.assert_array_equal(shifted[:, -4:], np.broadcast_to(np.float32([0.25, 0.5, 0.75]), (12, 4, 3)))


def test_single_channel_images():
    img = image(2, c=1)
    t = build_transforms([{"type": "rand-augment", "config": "rand-m9-mstd0.5-inc1", "prob": 1, "numOps": 4}], "t")[0]
    for i in range(20):
        out = t(img, Rng(i), [0.1307], [0.3081])
        assert out.shape == img.shape and out.dtype == np.float32
