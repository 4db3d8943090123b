"""BatchNorm over the global batch of a distributed run, on CPU (gloo) as on GPU.

torch's `nn.SyncBatchNorm` needs CUDA; this one normalises with the statistics of all ranks' rows through a
differentiable all-reduce, so W processes compute exactly what one process computes on the full batch (vitkit's
semantics: biased batch variance to normalise, unbiased for the running variance, momentum 0.1). Parameter and
buffer names stay those of `nn.BatchNorm2d`."""
import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.nn.functional import all_reduce


class GlobalBatchNorm2d(nn.BatchNorm2d):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        local_n = torch.tensor([x.shape[0] * x.shape[2] * x.shape[3]], dtype=x.dtype, device=x.device)
        n = all_reduce(local_n)
        mean = all_reduce(x.sum(dim=(0, 2, 3))) / n
        centred = x - mean[None, :, None, None]
        var = all_reduce((centred * centred).sum(dim=(0, 2, 3))) / n
        with torch.no_grad():
            m = self.momentum
            self.running_mean.mul_(1 - m).add_(mean.detach() * m)
            self.running_var.mul_(1 - m).add_(var.detach() * (n / torch.clamp(n - 1, min=1)) * m)
            self.num_batches_tracked.add_(1)
        scale = torch.rsqrt(var + self.eps) * self.weight
        return centred * scale[None, :, None, None] + self.bias[None, :, None, None]


def convert_global_batch_norm(module: nn.Module) -> nn.Module:
    """Turns every BatchNorm2d into a GlobalBatchNorm2d when more than one process trains."""
    if not (dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
        return module
    for m in module.modules():
        if type(m) is nn.BatchNorm2d:
            # Same object, new forward: the optimizer and EMA keep referring to the very same parameters.
            m.__class__ = GlobalBatchNorm2d
    return module
