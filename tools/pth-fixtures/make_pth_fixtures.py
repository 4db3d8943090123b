"""Writes the small PyTorch checkpoints that test vitkit's .pth reader (packages/core/src/io/pth/testdata/).

Run from the repository root with a Python that has torch (any version >= 1.6 writes both formats):

    python3 tools/pth-fixtures/make_pth_fixtures.py

Each file is a few KB. `expected.json` holds, per file, the weights the reader must return by default
(name -> shape, dtype and the values as float32 would hold them), computed by torch itself.
The `evil_*` files contain pickles that would run a shell command if loaded with plain `pickle`/`torch.load`
(`weights_only=False`); the reader must refuse them without running anything. Nothing here is ever unpickled by
this script after writing.
"""
import argparse
import collections
import io
import json
import math
import os
import pickle
import zipfile

import torch

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'core', 'src', 'io', 'pth', 'testdata')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)
expected = {'torch': torch.__version__}

DTYPE = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64', torch.int64: 'I64',
         torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8', torch.bool: 'BOOL'}


def finite_or_name(x):
    # JSON has no inf/nan: they are written as strings.
    return x if math.isfinite(x) else repr(x)


def describe(sd):
    return {k: {'shape': list(v.shape), 'dtype': DTYPE[v.dtype],
                'values': [finite_or_name(x) for x in v.detach().double().flatten().float().tolist()]}
            for k, v in sd.items()}


def save(name, obj, weights, **kw):
    torch.save(obj, os.path.join(OUT, name), **kw)
    expected[name] = describe(weights)


def dtypes():
    sd = collections.OrderedDict()
    sd['f32'] = torch.randn(2, 3)
    sd['f16'] = torch.tensor([1.0, -2.5, 65504.0, 1e-7, float('inf')], dtype=torch.float16)
    sd['bf16'] = torch.tensor([1.0, -3.140625, 1e30], dtype=torch.bfloat16)
    sd['f64'] = torch.tensor([[0.1, -1e-300], [1e300, 2.0]], dtype=torch.float64)
    sd['i64'] = torch.tensor([0, -1, 2 ** 40], dtype=torch.int64)
    sd['i32'] = torch.tensor([7, -7], dtype=torch.int32)
    sd['i16'] = torch.tensor([-300], dtype=torch.int16)
    sd['i8'] = torch.tensor([-5, 5], dtype=torch.int8)
    sd['u8'] = torch.tensor([0, 255], dtype=torch.uint8)
    sd['b'] = torch.tensor([True, False])
    sd['bn.num_batches_tracked'] = torch.tensor(1234)
    sd['empty'] = torch.zeros(0, 4)
    return sd


def views():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    sd = collections.OrderedDict()
    sd['transposed'] = base.t()                      # strides (1, 6)
    sd['sliced'] = base[1:, ::2]                     # offset 6, strides (6, 2)
    sd['row'] = base[2]                              # offset 12, shares base's storage
    sd['base'] = base
    sd['tied_a'] = torch.randn(3, 2)
    sd['tied_b'] = sd['tied_a']                      # same tensor twice (tied weights)
    sd['expanded'] = torch.tensor([1.0, 2.0, 3.0]).expand(2, 3)  # stride 0
    sd['conv_nhwc'] = torch.randn(2, 3, 2, 2).contiguous(memory_format=torch.channels_last)
    sd['param'] = torch.nn.Parameter(torch.randn(2))
    return sd


def small_model_sd(prefix=''):
    m = torch.nn.Sequential(collections.OrderedDict(fc=torch.nn.Linear(3, 2), bn=torch.nn.BatchNorm1d(2)))
    return collections.OrderedDict((prefix + k, v) for k, v in m.state_dict().items())


d = dtypes()
save('dtypes.pth', d, d)
save('dtypes_legacy.pth', d, d, _use_new_zipfile_serialization=False)
v = views()
save('views.pth', v, v)
save('views_legacy.pth', v, v, _use_new_zipfile_serialization=False)
save('views_protocol4.pth', v, v, pickle_protocol=4)

# An official-T2T-ViT-style training checkpoint: DDP prefixes, live + EMA weights, optimizer, argparse args.
live = small_model_sd('module.')
ema = collections.OrderedDict((k, t + 1) for k, t in live.items())
args = argparse.Namespace(model='t2t_vit_14', lr=5e-4, img_size=224, sched='cosine', nested={'a': [1, 2]})
ck = {'epoch': 309, 'arch': 't2t_vit_14', 'state_dict': live, 'state_dict_ema': ema,
      'optimizer': torch.optim.SGD(torch.nn.Linear(3, 2).parameters(), lr=0.1, momentum=0.9).state_dict(),
      'args': args, 'version': 2, 'metric': 81.5}
strip = lambda sd: collections.OrderedDict((k[len('module.'):], t) for k, t in sd.items())
save('train_t2t.pth.tar', ck, strip(ema))
expected['train_t2t.pth.tar#live'] = describe(strip(live))
save('train_t2t_legacy.pth.tar', ck, strip(ema), _use_new_zipfile_serialization=False)

# A DeiT / CrossViT-style checkpoint: {model, model_ema, optimizer, lr_scheduler, epoch, args}.
m_live = small_model_sd()
m_ema = collections.OrderedDict((k, t * 2) for k, t in m_live.items())
save('train_deit.pth', {'model': m_live, 'model_ema': m_ema, 'optimizer': {'state': {}, 'param_groups': []},
                        'lr_scheduler': {'last_epoch': 3}, 'epoch': 3, 'args': args}, m_live)
expected['train_deit.pth#ema'] = describe(m_ema)

# torch.save(model): a pickled nn.Module, not a state dict.
torch.save(torch.nn.Linear(2, 2), os.path.join(OUT, 'whole_module.pth'))


class Evil:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


# Would run a shell command under torch.load(weights_only=False); the reader must refuse and run nothing.
PWNED = 'touch /tmp/vitkit-pth-pwned'
torch.save({'state_dict': small_model_sd(), 'args': Evil(os.system, PWNED)}, os.path.join(OUT, 'evil_os_system.pth'))
torch.save(collections.OrderedDict(w=torch.zeros(1), x=Evil(eval, "__import__('os').system('%s')" % PWNED)),
           os.path.join(OUT, 'evil_builtins_eval.pth'), _use_new_zipfile_serialization=False)
# Protocol 4 names globals with STACK_GLOBAL and spells Python 3's module (builtins, not __builtin__).
torch.save({'model': small_model_sd(), 'x': Evil(eval, "__import__('os').system('%s')" % PWNED)},
           os.path.join(OUT, 'evil_protocol4.pth'), pickle_protocol=4)


# A zip checkpoint whose first storage entry is cut short (the pickle declares more elements than it holds).
def short_storage():
    buf = io.BytesIO()
    torch.save(collections.OrderedDict(w=torch.randn(4, 4)), buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = zipfile.ZipFile(os.path.join(OUT, 'short_storage.pth'), 'w', zipfile.ZIP_STORED)
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename.endswith('/data/0'):
            data = data[:20]
        out.writestr(info.filename, data)
    out.close()


# The same checkpoint re-packed with deflate (torch itself always stores); the reader inflates it.
def deflated():
    buf = io.BytesIO()
    sd = small_model_sd()
    torch.save(sd, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = zipfile.ZipFile(os.path.join(OUT, 'deflated.pth'), 'w', zipfile.ZIP_DEFLATED)
    for info in src.infolist():
        out.writestr(info.filename, src.read(info.filename))
    out.close()
    expected['deflated.pth'] = describe(sd)


# A position table resized as the official T2T-ViT `utils.resize_pos_embed` and timm do: class row kept, the grid
# resized with F.interpolate(mode='bicubic', align_corners=False).
def pos_resize():
    pos = torch.randn(1, 1 + 4 * 4, 3)
    grid = pos[:, 1:].reshape(1, 4, 4, 3).permute(0, 3, 1, 2)
    grid = torch.nn.functional.interpolate(grid, size=(6, 6), mode='bicubic', align_corners=False)
    after = torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, 36, 3)], dim=1)
    sd = collections.OrderedDict(before=pos, after=after)
    save('pos_resize.pth', sd, sd)


# A zip checkpoint as a big-endian machine writes it: `byteorder` says "big" and every element is byte-swapped.
def big_endian():
    buf = io.BytesIO()
    sd = collections.OrderedDict(f32=torch.randn(2, 3), f16=torch.randn(4).half(), i64=torch.tensor([1, -2, 2 ** 40]))
    torch.save(sd, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    width = {}
    for key, t in enumerate(sd.values()):
        width['%d' % key] = t.element_size()
    out = zipfile.ZipFile(os.path.join(OUT, 'big_endian.pth'), 'w', zipfile.ZIP_STORED)
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename.endswith('/byteorder'):
            continue
        key = info.filename.rsplit('/data/', 1)[-1] if '/data/' in info.filename else None
        if key in width:
            w = width[key]
            data = b''.join(data[i:i + w][::-1] for i in range(0, len(data), w))
        out.writestr(info.filename, data)
    out.writestr(src.infolist()[0].filename.split('/')[0] + '/byteorder', b'big')
    out.close()
    expected['big_endian.pth'] = describe(sd)


short_storage()
deflated()
pos_resize()
big_endian()
with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
for n in sorted(os.listdir(OUT)):
    print(n, os.path.getsize(os.path.join(OUT, n)))
