"""Segmentation data: mnist-segmentation's composition rules, mask-folder reading (255 = ignore, bad masks named),
the paired crop / flip and the loader. (Bit-exactness against vitkit's generator and loader is checked by
`npm run test:twin`, which compares the first training batch of each segmentation family.)"""
import json
import os

import numpy as np
import pytest
from PIL import Image

from vitkit_torch import SpecError
from vitkit_torch.rng import Rng
from vitkit_torch.segmentation_data import IGNORE_INDEX, MnistSegmentationDataset, build_segmentation_data, main, seg_random_crop, seg_random_flip

HERE = [os.path.dirname(__file__)]


def mnist_seg(seed=0, split="train"):
    return MnistSegmentationDataset(split, 6, 40, (2, 3), seed, HERE)


def test_mnist_segmentation_is_a_function_of_seed_split_and_index():
    a, b = mnist_seg(), mnist_seg()
    for i in range(3):
        for x, y in zip(a.get(i), b.get(i)):
            assert np.array_equal(x, y)
    assert not np.array_equal(a.get(0)[0], mnist_seg(seed=1).get(0)[0])
    assert not np.array_equal(a.get(0)[0], mnist_seg(split="test").get(0)[0])


def test_mnist_segmentation_masks_follow_the_strokes():
    ds = mnist_seg()
    for i in range(len(ds)):
        image, mask = ds.get(i)
        assert image.shape == (40, 40, 1) and mask.shape == (40, 40) and image.dtype == np.float32
        v = image[..., 0].astype(np.float64)
        assert set(np.unique(mask)) <= set(range(11)) | {IGNORE_INDEX}
        assert (mask[v >= 0.5] != 0).all() and (mask[v >= 0.5] != IGNORE_INDEX).all(), "a stroke pixel carries its digit's class"
        assert (mask[v == 0] != IGNORE_INDEX).all(), "blank pixels are never ignored"
        assert len(set(np.unique(mask)) - {0, IGNORE_INDEX}) >= 1


def test_paired_crop_pads_the_mask_with_the_ignore_index_and_keeps_alignment():
    image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    mask = np.arange(16, dtype=np.uint8).reshape(4, 4)
    for seed in range(20):
        ci, cm = seg_random_crop(image, mask, (4, 4), 2, Rng(seed))
        outside = cm == IGNORE_INDEX
        assert (ci[..., 0][outside] == 0).all()
        assert np.array_equal(ci[..., 0][~outside], cm[~outside].astype(np.float32)), "image and mask moved together"
        fi, fm = seg_random_flip(ci, cm, Rng(seed))
        assert np.array_equal(fi[..., 0][fm != IGNORE_INDEX], fm[fm != IGNORE_INDEX].astype(np.float32))


def write_mask_folder(root, masks, mode="L"):
    for split in ("train", "test"):
        os.makedirs(root / split / "images", exist_ok=True)
        os.makedirs(root / split / "masks", exist_ok=True)
        for i, m in enumerate(masks):
            Image.fromarray((m * 40).astype(np.uint8), "L").convert("RGB").save(root / split / "images" / f"{i}.png")
            Image.fromarray(m.astype(np.uint8)).convert(mode).save(root / split / "masks" / f"{i}.png")


def test_mask_folder_reads_class_indices_and_the_ignore_index(tmp_path):
    m = np.array([[0, 1, 2, 255], [2, 1, 0, 255]], dtype=np.uint8)
    write_mask_folder(tmp_path / "d", [m, m[::-1].copy()])
    data = build_segmentation_data({"type": "mask-folder", "dir": "d", "numClasses": 3, "batchSize": 2, "channels": 1}, 0, str(tmp_path))
    assert data.num_classes == 3 and data.shape == (2, 4, 1)
    x, _, labels = data.test.batch(0, 0)
    assert x.shape == (2, 2, 4, 1)
    assert np.array_equal(labels, np.concatenate([m.reshape(-1), m[::-1].reshape(-1)]))


def test_bad_masks_are_errors_naming_the_file(tmp_path):
    write_mask_folder(tmp_path / "range", [np.array([[0, 7]], dtype=np.uint8)])
    with pytest.raises(ValueError, match=r"range/train/masks/0\.png: label 7 at row 0, column 1 is out of range"):
        build_segmentation_data({"type": "mask-folder", "dir": "range", "numClasses": 3, "batchSize": 1}, 0, str(tmp_path)).train.batch(0, 0)
    write_mask_folder(tmp_path / "rgb", [np.array([[0, 1]], dtype=np.uint8)], mode="RGB")
    with pytest.raises(ValueError, match=r"rgb/train/masks/0\.png: has mode RGB; a mask must be a single-channel"):
        build_segmentation_data({"type": "mask-folder", "dir": "rgb", "numClasses": 3, "batchSize": 1}, 0, str(tmp_path)).train.batch(0, 0)
    os.remove(tmp_path / "rgb" / "train" / "masks" / "0.png")
    with pytest.raises(FileNotFoundError, match=r"masks/0\.png: missing: the mask of"):
        build_segmentation_data({"type": "mask-folder", "dir": "rgb", "numClasses": 3}, 0, str(tmp_path))


def test_data_spec_errors_name_their_path(tmp_path):
    with pytest.raises(SpecError, match=r"data\.sizee: is not an option here"):
        build_segmentation_data({"type": "mnist-segmentation", "sizee": 64}, 0, str(tmp_path))
    with pytest.raises(SpecError, match=r"data\.size: 20 is not valid; expected an integer >= 28"):
        build_segmentation_data({"type": "mnist-segmentation", "size": 20}, 0, str(tmp_path))
    with pytest.raises(SpecError, match=r"data\.dir: is required for mask-folder"):
        build_segmentation_data({"type": "mask-folder", "numClasses": 2}, 0, str(tmp_path))
    with pytest.raises(SpecError, match=r"data\.type: 'voc' is not valid"):
        build_segmentation_data({"type": "voc"}, 0, str(tmp_path))


def test_loader_shuffles_per_epoch_and_batch_cli_writes_the_first_batch(tmp_path):
    spec = {"task": "segmentation", "seed": 2, "data": {"type": "mnist-segmentation", "size": 32, "trainLength": 8, "testLength": 4, "batchSize": 4, "cropPadding": 2, "flip": True}}
    data = build_segmentation_data(spec["data"], 2, str(tmp_path))
    assert sorted(data.train.order(0)) == list(range(8)) and not np.array_equal(data.train.order(0), data.train.order(1))
    x, _, labels = data.train.batch(0, 0)
    assert x.shape == (4, 32, 32, 1) and labels.shape == (4 * 32 * 32,)
    f = tmp_path / "s.json"
    f.write_text(json.dumps(spec))
    assert main(["--spec", str(f), "--output", str(tmp_path / "b.safetensors")]) == 0
    from safetensors.numpy import load_file

    written = load_file(str(tmp_path / "b.safetensors"))
    assert np.array_equal(written["x"], x) and np.array_equal(written["labels"], labels.astype(np.float32))
