from .build import BACKBONES, build_model

__all__ = ["BACKBONES", "build_model"]
