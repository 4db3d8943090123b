"""Unsupported or invalid spec parts raise an error naming the spec path."""
import pytest

from vitkit_torch import SpecError, UnsupportedSpecError, build_model

VIT = {"type": "vit", "imgSize": 16, "numClasses": 5, "embedDim": 16, "depth": 1, "numHeads": 2, "mlpRatio": 2, "tokenizer": {"type": "patch", "patchSize": 4}}


def test_unknown_option_names_its_path():
    with pytest.raises(SpecError, match=r"model\.embedDimm: is not an option here"):
        build_model({**VIT, "embedDimm": 3})


def test_unsupported_parts_name_what_and_where():
    with pytest.raises(UnsupportedSpecError, match=r"model\.type: backbone \"segmenter\" is not supported by vitkit-torch"):
        build_model({"type": "segmenter"})
    with pytest.raises(SpecError, match=r"model\.tokenizer: \"recurrent\" needs the tokens of a previous VT module"):
        build_model({"type": "vt-resnet", "layers": [1, 1, 1], "widths": [4, 8, 8], "tokenChannels": 8, "numTokens": 4, "imgSize": 32, "tokenizer": "recurrent"})
    with pytest.raises(UnsupportedSpecError, match=r"model\.tokenizer\.type: tokenizer \"cpvt\""):
        build_model({**VIT, "tokenizer": {"type": "cpvt"}})


def test_invalid_values_name_their_path():
    with pytest.raises(SpecError, match=r"model\.numHeads: dense block width 36 \(stage 0, block 1\) is not divisible by numHeads 8"):
        build_model({"type": "deep-narrow", "imgSize": 32, "embedDim": 32, "numHeads": 8, "design": "dense", "growthRate": 4, "blockConfig": [2, 2]})
    with pytest.raises(SpecError, match=r"model\.tokenizer\.patchSize: 5 does not divide the image height 16"):
        build_model({**VIT, "tokenizer": {"type": "patch", "patchSize": 5}})
    with pytest.raises(SpecError, match=r"model\.tokenizer\.attention: 'linear' is not valid"):
        build_model({"type": "deep-narrow", "imgSize": 32, "embedDim": 32, "numHeads": 2, "tokenizer": {"type": "t2t", "attention": "linear"}})
    with pytest.raises(SpecError, match=r"model\.depth\[0\]: has 2 entries; expected 3"):
        build_model({"type": "dual-branch", "imgSize": [24, 16], "patchSize": [6, 8], "embedDim": [16, 32], "depth": [[1, 1]], "numHeads": [2, 2], "mlpRatio": [2, 2]})


def test_unsupported_data_and_training_parts(tmp_path):
    from vitkit_torch.data import build_data
    from vitkit_torch.optim import build_schedule

    with pytest.raises(UnsupportedSpecError, match=r"data\.train\.type: dataset \"imagenet\" is not supported by vitkit-torch"):
        build_data({"train": {"type": "imagenet", "split": "train"}, "test": {"type": "imagenet", "split": "test"}}, 0, str(tmp_path))
    with pytest.raises(UnsupportedSpecError, match=r"train\.schedule\.type: schedule \"poly\""):
        build_schedule({"type": "poly"}, 0.1, 10, 5)
