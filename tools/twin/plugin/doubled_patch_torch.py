"""The PyTorch counterpart of the round trip's plugin tokenizer "doubled-patch" (doubled-patch.js): same parameter
names (inner.proj.*), same function."""
from torch import nn

from vitkit_torch.models.tokenizers import PatchEmbed


class DoubledPatch(nn.Module):
    def __init__(self, o, path):
        super().__init__()
        self.inner = PatchEmbed([o["imgSize"], o["imgSize"]], 4, o["inChans"], o["embedDim"], f"{path}.inner")
        self.embed_dim, self.num_tokens = o["embedDim"], self.inner.num_tokens

    def forward(self, x):
        return self.inner(x) * 2


def register(vitkit_torch):
    vitkit_torch.register_tokenizer("doubled-patch", {"imgSize": None, "inChans": 3, "embedDim": None}, DoubledPatch)
