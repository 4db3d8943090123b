"""The twin's component registry: the first-party backbones and tokenizers, plus the Python counterparts that
third-party packages register for the components their vitkit (npm) plugins add.

A package registers its counterparts either by calling `register_backbone` / `register_tokenizer` when imported, or,
so that `torchrun -m vitkit_torch.train` finds them without an import, through an entry point in the
``vitkit_torch.plugins`` group naming a function that takes this module and registers::

    [project.entry-points."vitkit_torch.plugins"]
    doubled = "vitkit_plugin_doubled.torch:register"

Entry points are loaded once, the first time a spec names a component that is not registered, together with the
modules named in ``VITKIT_TORCH_PLUGINS`` (comma-separated importable names, for counterparts not installed as
packages), each exposing the same ``register(vitkit_torch)``.
"""
import importlib
import os
from importlib.metadata import entry_points
from typing import Any, Callable, Dict, Mapping, Tuple

from torch import nn

from .errors import UnsupportedSpecError

ENTRY_POINT_GROUP = "vitkit_torch.plugins"

BackboneClass = Callable[[Dict[str, Any], str], nn.Module]
"""`cls(options, spec_path)`: options are the spec's values with the registered defaults filled in."""
TokenizerBuild = Callable[[Dict[str, Any], str], nn.Module]
"""`build(options, spec_path)`: options also receive the backbone's hints (imgSize, inChans, embedDim) it declares."""

_backbones: Dict[str, Tuple[Mapping[str, Any], BackboneClass]] = {}
_tokenizers: Dict[str, Tuple[Mapping[str, Any], TokenizerBuild]] = {}
_entry_points_loaded = False

_REGISTER_FN = {"backbone": "register_backbone", "tokenizer": "register_tokenizer"}


class UnregisteredComponentError(UnsupportedSpecError):
    """A spec names a component (e.g. from a vitkit plugin) that has no PyTorch counterpart registered in the twin."""

    def __init__(self, path: str, kind: str, name: str):
        self.kind, self.name = kind, name
        fn = _REGISTER_FN[kind]
        message = (
            f"{kind} \"{name}\" is not supported by vitkit-torch: no PyTorch counterpart is registered. If a vitkit "
            f"plugin provides it, register one from Python with vitkit_torch.{fn}(\"{name}\", defaults, ...) in a "
            f"package that declares a \"{ENTRY_POINT_GROUP}\" entry point (or a module named in VITKIT_TORCH_PLUGINS); "
            f"otherwise train this spec with vitkit (npm)"
        )
        super(UnsupportedSpecError, self).__init__(path, message)


def _add(table: Dict[str, Any], kind: str, name: str, entry: Tuple[Mapping[str, Any], Any]) -> None:
    if name in table:
        raise ValueError(f"vitkit-torch: {kind} \"{name}\" is already registered")
    table[name] = entry


def register_backbone(name: str, defaults: Mapping[str, Any], cls: BackboneClass) -> None:
    """Registers the PyTorch counterpart of backbone `name` (`{"type": name, ...}` as a spec's model)."""
    _add(_backbones, "backbone", name, (defaults, cls))


def register_tokenizer(name: str, defaults: Mapping[str, Any], build: TokenizerBuild) -> None:
    """Registers the PyTorch counterpart of tokenizer `name` (a backbone's `tokenizer` option)."""
    _add(_tokenizers, "tokenizer", name, (defaults, build))


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    eps = entry_points()
    group = eps.select(group=ENTRY_POINT_GROUP) if hasattr(eps, "select") else eps.get(ENTRY_POINT_GROUP, [])
    import vitkit_torch

    for ep in group:
        ep.load()(vitkit_torch)
    for name in filter(None, (n.strip() for n in os.environ.get("VITKIT_TORCH_PLUGINS", "").split(","))):
        module = importlib.import_module(name)
        if not callable(getattr(module, "register", None)):
            raise ImportError(f"VITKIT_TORCH_PLUGINS: module {name} has no register(vitkit_torch) function")
        module.register(vitkit_torch)


def _lookup(table: Dict[str, Any], kind: str, name: str, path: str) -> Tuple[Mapping[str, Any], Any]:
    if name not in table:
        _load_entry_points()
    if name not in table:
        raise UnregisteredComponentError(path, kind, name)
    return table[name]


def backbone(name: str, path: str) -> Tuple[Mapping[str, Any], BackboneClass]:
    return _lookup(_backbones, "backbone", name, path)


def tokenizer(name: str, path: str) -> Tuple[Mapping[str, Any], TokenizerBuild]:
    return _lookup(_tokenizers, "tokenizer", name, path)


def registered(kind: str) -> Tuple[str, ...]:
    """The registered names of a kind (`"backbone"` or `"tokenizer"`), sorted."""
    return tuple(sorted({"backbone": _backbones, "tokenizer": _tokenizers}[kind]))
