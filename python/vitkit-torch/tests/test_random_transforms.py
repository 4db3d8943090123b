"""random-resized-crop and random-erasing: vitkit's boxes and fills (bit-exactness against vitkit: npm run test:twin)."""
import math

import numpy as np
import pytest

from vitkit_torch import SpecError, UnsupportedSpecError
from vitkit_torch.data import build_transforms
from vitkit_torch.random_boxes import erase, erasing_boxes, random_resized_crop_box
from vitkit_torch.rng import Rng

MEAN, STD = [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]


def image(h=20, w=17, c=3, seed=0):
    return np.random.default_rng(seed).random((h, w, c), dtype=np.float32)


def test_random_resized_crop_boxes_respect_scale_and_ratio():
    for i in range(200):
        top, left, h, w = random_resized_crop_box(40, 30, (0.2, 0.6), (0.5, 2.0), Rng(i))
        assert 0 <= top <= 40 - h and 0 <= left <= 30 - w
        # rounding to whole pixels moves area and aspect a little off the drawn values
        assert 0.2 * 1200 * 0.8 <= h * w <= 0.6 * 1200 * 1.2
        assert 0.5 * 0.8 <= w / h <= 2.0 * 1.25


def test_random_resized_crop_falls_back_to_the_central_box_clamped_to_the_ratio():
    # a scale range no box fits: every try fails, and a 40x10 image is narrower than the ratio allows
    top, left, h, w = random_resized_crop_box(40, 10, (5.0, 6.0), (0.75, 4 / 3), Rng(1))
    assert (w, h) == (10, round(10 / 0.75)) and (top, left) == ((40 - h) // 2, 0)


def test_random_resized_crop_transform_outputs_the_size_and_the_whole_image_for_scale_one():
    t = build_transforms([{"type": "random-resized-crop", "size": [12, 10]}], "data.transforms")[0]
    assert t(image(), Rng(3), MEAN, STD).shape == (12, 10, 3)
    whole = build_transforms([{"type": "random-resized-crop", "size": [20, 17], "scale": [1, 1], "ratio": [17 / 20, 17 / 20]}], "t")[0]
    np.testing.assert_array_equal(whole(image(), Rng(3), MEAN, STD), image())


def test_erasing_coin_and_box_count():
    assert erasing_boxes(20, 17, 0.0, (0.02, 1 / 3), (0.3, 1 / 0.3), (1, 1), Rng(0)) == []
    counts = {len(erasing_boxes(20, 17, 1.0, (0.02, 0.1), (0.3, 1 / 0.3), (1, 3), Rng(i))) for i in range(100)}
    assert counts == {1, 2, 3}
    hits = sum(bool(erasing_boxes(20, 17, 0.3, (0.02, 0.1), (0.3, 1 / 0.3), (1, 1), Rng(i))) for i in range(2000))
    assert abs(hits / 2000 - 0.3) < 0.04


def test_erasing_fills_normalise_to_zero_or_to_noise():
    img = image()
    box = [(2, 3, 5, 4)]
    const = erase(img, box, "const", MEAN, STD, Rng(0))
    np.testing.assert_allclose((const[2:7, 3:7] - np.float32(MEAN)) / np.float32(STD), 0, atol=1e-6)
    outside = np.ones(img.shape[:2], bool)
    outside[2:7, 3:7] = False
    np.testing.assert_array_equal(const[outside], img[outside])
    rand = erase(img, box, "rand", MEAN, STD, Rng(0))
    per_channel = rand[2:7, 3:7].reshape(-1, 3)
    assert (per_channel == per_channel[0]).all() and not np.allclose(per_channel[0], MEAN)
    pixel = erase(img, box, "pixel", MEAN, STD, Rng(0))
    assert len(np.unique(pixel[2:7, 3:7])) == 5 * 4 * 3


def test_spec_checks():
    with pytest.raises(SpecError, match=r"data\.transforms\[0\]\.mode: 'noise' is not valid"):
        build_transforms([{"type": "random-erasing", "mode": "noise"}], "data.transforms")
    with pytest.raises(SpecError, match=r"data\.transforms\[0\]\.scale: \[0\.9, 0\.1\] is not valid"):
        build_transforms([{"type": "random-resized-crop", "size": 8, "scale": [0.9, 0.1]}], "data.transforms")
    with pytest.raises(UnsupportedSpecError, match=r"data\.transforms\[0\]\.interpolation: interpolation \"nearest\""):
        build_transforms([{"type": "random-resized-crop", "size": 8, "interpolation": "nearest"}], "data.transforms")
    assert math.isclose(build_transforms([{"type": "random-erasing"}], "t")[0].o["ratio"][1], 1 / 0.3)
