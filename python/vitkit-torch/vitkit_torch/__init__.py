"""vitkit-torch: vitkit's JSON specs as PyTorch modules with the same parameter names, trained with DDP."""
from .errors import SpecError, UnsupportedSpecError
from .models import build_model
from .plugins import UnregisteredComponentError, register_backbone, register_tokenizer
from .state_dict import load_state_dict, state_dict

__all__ = [
    "SpecError",
    "UnregisteredComponentError",
    "UnsupportedSpecError",
    "build_model",
    "load_state_dict",
    "register_backbone",
    "register_tokenizer",
    "state_dict",
]
