"""vitkit's state dicts: parameters (frozen ones included) and BatchNorm running statistics, official names, float32,
without `num_batches_tracked` (vitkit has no such buffer); files are safetensors."""
from typing import Dict, Iterable, List, Mapping, Tuple

import torch
from torch import nn

TIMM_CROSSVIT_KEY = __import__("re").compile(r"^(pos_embed|cls_token)_(\d+)$")


def _ignored(name: str) -> bool:
    return name.startswith("__") or name.endswith("num_batches_tracked")


def state_dict(model: nn.Module) -> Dict[str, torch.Tensor]:
    """Name -> contiguous float32 CPU tensor, exactly the tensors vitkit saves for the same spec."""
    return {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items() if not _ignored(k)}


def adapt_key(key: str) -> str:
    """Accepts DDP checkpoints (`module.`) and timm's CrossViT names (`pos_embed_0`), as vitkit does."""
    if key.startswith("module."):
        key = key[len("module."):]
    return TIMM_CROSSVIT_KEY.sub(r"\1.\2", key)


class StateDictMismatch(ValueError):
    def __init__(self, missing: List[str], unexpected: List[str], mismatched: List[str], source: str):
        parts = [f"state dict from {source} does not match the model:"]
        if missing:
            parts.append(f"  missing ({len(missing)}): {', '.join(missing)}")
        if unexpected:
            parts.append(f"  unexpected ({len(unexpected)}): {', '.join(unexpected)}")
        if mismatched:
            parts.append(f"  wrong shape ({len(mismatched)}): {'; '.join(mismatched)}")
        super().__init__("\n".join(parts))


def load_state_dict(model: nn.Module, tensors: Mapping[str, torch.Tensor], source: str = "state dict", strict: bool = True) -> Tuple[List[str], List[str]]:
    incoming = {adapt_key(k): v for k, v in tensors.items() if not _ignored(k)}
    own = {k: v for k, v in model.state_dict().items() if not _ignored(k)}
    missing = [k for k in own if k not in incoming]
    unexpected = [k for k in incoming if k not in own]
    mismatched = [f"{k}: checkpoint {list(incoming[k].shape)} vs model {list(v.shape)}" for k, v in own.items() if k in incoming and tuple(incoming[k].shape) != tuple(v.shape)]
    if strict and (missing or unexpected or mismatched):
        raise StateDictMismatch(missing, unexpected, mismatched, source)
    with torch.no_grad():
        for k, v in own.items():
            if k in incoming and tuple(incoming[k].shape) == tuple(v.shape):
                v.copy_(incoming[k].to(v.dtype))
    return missing, unexpected
