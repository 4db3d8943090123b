"""image-folder: vitkit's class folders, order, labels, checks and statistics (Pillow decodes)."""
import numpy as np
import pytest
from PIL import Image

from vitkit_torch import SpecError
from vitkit_torch.data import load_dataset


def png(path, h=6, w=5, seed=0, mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    a = np.random.default_rng(seed).integers(0, 256, (h, w, 3) if mode == "RGB" else (h, w), dtype=np.uint8)
    Image.fromarray(a, mode).save(path)
    return a


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "imgs" / "train"
    pixels = {
        "cat/b.png": png(root / "cat" / "b.png", seed=1),
        "cat/a.png": png(root / "cat" / "a.png", seed=2),
        "cat/sub/c.png": png(root / "cat" / "sub" / "c.png", seed=3),
        "dog/x.png": png(root / "dog" / "x.png", seed=4),
    }
    png(root / "cat" / ".hidden.png", seed=5)
    (root / ".cache").mkdir()
    return tmp_path, pixels


def spec(**o):
    return {"type": "image-folder", "dir": "imgs", "split": "train", "imageSize": [6, 5], **o}


def test_classes_files_and_labels_in_vitkits_order(folder):
    base, pixels = folder
    ds = load_dataset(spec(), "data.train", str(base))
    assert ds.class_names == ["cat", "dog"] and ds.num_classes == 2
    assert [f.split("train/")[1] for f in ds.files] == ["cat/a.png", "cat/b.png", "cat/sub/c.png", "dog/x.png"]
    assert ds.labels.tolist() == [0, 0, 0, 1]
    assert ds.stats == {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]} and ds.shape == (6, 5, 3)
    # at its own size an image is not resampled: exact pixel values
    np.testing.assert_array_equal(ds.get(0), (pixels["cat/a.png"] / 255).astype(np.float32))
    assert load_dataset(spec(classes=["dog"]), "d", str(base)).labels.tolist() == [0]
    limited = load_dataset(spec(limit=2), "d", str(base))
    assert len(limited) == 2 and limited.name.endswith("[:2]")


def test_fit_and_channels(folder):
    base, _ = folder
    for fit in ("cover", "fill", "contain"):
        img = load_dataset(spec(imageSize=[4, 9], fit=fit), "d", str(base)).get(3)
        assert img.shape == (4, 9, 3) and 0 <= img.min() and img.max() <= 1
    grey = load_dataset(spec(channels=1), "d", str(base))
    assert grey.shape == (6, 5, 1) and grey.stats == {"mean": [0.449], "std": [0.226]} and grey.get(0).shape == (6, 5, 1)
    # contain pads the sides with the mean colour
    padded = load_dataset(spec(imageSize=[6, 15], fit="contain", mean=[0.2, 0.4, 0.6], std=[1, 1, 1]), "d", str(base)).get(0)
    np.testing.assert_allclose(padded[:, 0], np.broadcast_to(np.float32([51, 102, 153]) / 255, (6, 3)), atol=1e-7)


def test_bad_files_stop_or_are_skipped(folder):
    base, _ = folder
    root = base / "imgs" / "train"
    (root / "dog" / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match=r'notes\.txt: unsupported file type "\.txt" .*set onError: \'skip\''):
        load_dataset(spec(), "d", str(base))
    (root / "dog" / "notes.txt").unlink()
    (root / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ValueError, match=r"broken\.png: cannot read image"):
        load_dataset(spec(), "d", str(base))
    ds = load_dataset(spec(onError="skip"), "d", str(base))
    assert len(ds) == 4 and [f.endswith("broken.png") for f, _ in ds.skipped] == [True]
    assert len(load_dataset(spec(check="none"), "d", str(base))) == 5


def test_folder_errors_name_the_path(folder):
    base, _ = folder
    with pytest.raises(FileNotFoundError, match=r'image-folder: .*imgs/val does not exist \(split "val" of'):
        load_dataset(spec(split="val"), "d", str(base))
    with pytest.raises(FileNotFoundError, match=r"class folder .*bird does not exist"):
        load_dataset(spec(classes=["bird"]), "d", str(base))
    with pytest.raises(SpecError, match=r"data\.train\.fit: 'stretch' is not valid"):
        load_dataset(spec(fit="stretch"), "data.train", str(base))
    with pytest.raises(SpecError, match=r"data\.train\.dir: is required"):
        load_dataset({"type": "image-folder"}, "data.train", str(base))
