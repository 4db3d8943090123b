"""Third-party components: a Python counterpart registered in the twin builds; a missing one is named with the fix."""
import pytest
import torch
from torch import nn

import vitkit_torch
from vitkit_torch import UnregisteredComponentError, build_model, plugins, register_backbone, register_tokenizer
from vitkit_torch.models.tokenizers import PatchEmbed

SPEC = {"type": "vit", "imgSize": 8, "embedDim": 8, "depth": 1, "numHeads": 2, "mlpRatio": 2, "numClasses": 3, "tokenizer": "doubled-patch"}


class DoubledPatch(nn.Module):
    """The test plugin's tokenizer: patch tokens times two (the same component as onnx's registry test)."""

    def __init__(self, o, path):
        super().__init__()
        self.inner = PatchEmbed([o["imgSize"], o["imgSize"]], 4, o["inChans"], o["embedDim"], f"{path}.inner")
        self.embed_dim = o["embedDim"]
        self.num_tokens = self.inner.num_tokens

    def forward(self, x):
        return self.inner(x) * 2


@pytest.fixture
def clean_registry(monkeypatch):
    """Each test sees the first-party registry only, and entry points it provides itself."""
    monkeypatch.setattr(plugins, "_tokenizers", dict(plugins._tokenizers))
    monkeypatch.setattr(plugins, "_backbones", dict(plugins._backbones))
    monkeypatch.setattr(plugins, "_entry_points_loaded", False)
    monkeypatch.setattr(plugins, "entry_points", lambda: {})
    return monkeypatch


def test_first_party_components_are_registered():
    assert plugins.registered("backbone") == ("deep-narrow", "dual-branch", "resnet", "vit", "vt-resnet")
    assert plugins.registered("tokenizer") == ("conv-stem", "patch", "t2t")


def test_missing_counterpart_names_the_component_and_how_to_register(clean_registry):
    with pytest.raises(UnregisteredComponentError, match=r'model\.tokenizer: tokenizer "doubled-patch" is not supported by vitkit-torch: no PyTorch counterpart is registered') as e:
        build_model(SPEC)
    assert 'vitkit_torch.register_tokenizer("doubled-patch", defaults, ...)' in str(e.value)
    assert '"vitkit_torch.plugins" entry point' in str(e.value)
    with pytest.raises(UnregisteredComponentError, match=r'model\.type: backbone "my-net" .*vitkit_torch\.register_backbone\("my-net"'):
        build_model({"type": "my-net"})


def test_registered_tokenizer_builds_with_the_backbone_hints(clean_registry):
    register_tokenizer("doubled-patch", {"imgSize": None, "inChans": 3, "embedDim": None}, DoubledPatch)
    model = build_model(SPEC).eval()
    assert "patch_embed.inner.proj.weight" in dict(model.named_parameters())
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        tokens = model.patch_embed(x)
        assert torch.equal(tokens, 2 * model.patch_embed.inner(x))
        assert model(x).shape == (2, 3)


def test_entry_points_register_on_first_miss(clean_registry):
    loaded = []

    class EntryPoint:
        def load(self):
            def register(module):
                loaded.append(module)
                module.register_tokenizer("doubled-patch", {"imgSize": None, "inChans": 3, "embedDim": None}, DoubledPatch)

            return register

    clean_registry.setattr(plugins, "entry_points", lambda: {plugins.ENTRY_POINT_GROUP: [EntryPoint()]})
    build_model(SPEC)
    build_model(SPEC)
    assert loaded == [vitkit_torch]


def test_a_name_registers_once(clean_registry):
    with pytest.raises(ValueError, match=r'backbone "vit" is already registered'):
        register_backbone("vit", {}, nn.Identity)


def test_modules_named_in_the_environment_register_on_first_miss(clean_registry, tmp_path):
    (tmp_path / "my_counterparts.py").write_text(
        "from test_plugins import DoubledPatch\n"
        "def register(vt):\n"
        "    vt.register_tokenizer('doubled-patch', {'imgSize': None, 'inChans': 3, 'embedDim': None}, DoubledPatch)\n"
    )
    (tmp_path / "no_register.py").write_text("x = 1\n")
    clean_registry.syspath_prepend(str(tmp_path))
    clean_registry.setenv("VITKIT_TORCH_PLUGINS", "my_counterparts")
    assert build_model(SPEC)(torch.randn(1, 3, 8, 8)).shape == (1, 3)
    clean_registry.setattr(plugins, "_entry_points_loaded", False)
    clean_registry.setenv("VITKIT_TORCH_PLUGINS", "no_register")
    with pytest.raises(ImportError, match=r"VITKIT_TORCH_PLUGINS: module no_register has no register\(vitkit_torch\) function"):
        build_model({"type": "other-net"})
