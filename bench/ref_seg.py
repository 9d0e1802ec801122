#!/usr/bin/python3
"""Python/PyTorch reference for alchain's segmentation benchmark (bench/bench_seg.cpp).

The same work as alchain_bench_seg, written as a user would write it in plain PyTorch:
DeepLabv3+ on torchvision's own backbone modules (ResNet-18 with layer4 dilated to output
stride 16, low-level features from layer1; MobileNetV3-Small's dilated `features`, low-level
features from its last block at stride 4, high-level from its last 1x1 convolution, 576 channels),
the same head (ASPP with image pooling, rates 6/12/18, 256 channels; low-level projection to 48;
two 3x3 decoder convolutions of 256; 1x1 classifier; bilinear upsampling, align_corners=False),
on random in-memory data (3 channels, 19 classes, ~5% of the pixels 255 = ignore):
  train  1 epoch of SGD (momentum 0.9, lr 0.01, weight decay 5e-4 on weights of rank >= 2, as
         alchain's trainer), cross-entropy with ignore_index=255
  score  under torch.inference_mode(): per-pixel softmax entropy, mean per image
Prints one JSON object on stdout (the keys alchain_bench_seg prints, plus "env"), progress on
stderr. "env" reports what os.environ holds: "tuned" when the variables of
../shared/bench/README.md are set, "as installed" when none of them is. The script itself sets
nothing but torch.set_num_threads.
Run with Debian's /usr/bin/python3 (python3-torch 1.13.1, python3-torchvision).
"""
import argparse
import ctypes
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models._utils import IntermediateLayerGetter

CLASSES = 19          # Cityscapes' training classes
MAX_STORED = 64       # distinct images held; sample i is image i % stored (as alchain_bench_seg)
IGNORE = 255
# Default image counts per backbone (alchain_bench_seg has the same table): about 20-60 s per run at
# 128x256 on 2 cores. MobileNetV3-Small is not much cheaper: the decoder's 3x3 convolutions of 256
# channels at stride 4 are most of the work (2.6 of 3.3 GMACs per image at 128x256).
DEFAULT_COUNTS = {"resnet18": (128, 256), "mobilenet_v3_small": (192, 512)}
TUNED_VARS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- model
def resnet18_os16():
    """torchvision's ResNet-18 with layer4 at dilation 2 instead of stride 2 (output stride 16).

    torchvision.models.resnet18(replace_stride_with_dilation=[False, False, True]) raises
    NotImplementedError ("Dilation > 1 not supported in BasicBlock"), so the dilation is applied to
    torchvision's own modules afterwards, the way replace_stride_with_dilation does it for
    Bottleneck (and alchain's zoo for BasicBlock): the first block of layer4 keeps dilation 1 and
    loses its stride (also in its downsample), the later blocks' 3x3 convolutions get dilation 2."""
    net = torchvision.models.resnet18()
    first = net.layer4[0]
    first.conv1.stride = (1, 1)
    first.downsample[0].stride = (1, 1)
    for block in list(net.layer4)[1:]:
        for conv in (block.conv1, block.conv2):
            conv.dilation, conv.padding = (2, 2), (2, 2)
    return IntermediateLayerGetter(net, return_layers={"layer1": "low", "layer4": "high"}), 64, 512


def mobilenet_v3_small_os16():
    """torchvision's MobileNetV3-Small features, last stage dilated (as torchvision's DeepLabv3):
    low-level = the last block at stride 4 (features[1], 16 channels), high = features[-1] (576)."""
    features = torchvision.models.mobilenet_v3_small(dilated=True).features
    stride4 = [i for i, b in enumerate(features) if getattr(b, "_is_cn", False)][1] - 1  # before the 2nd stride-2 block
    return IntermediateLayerGetter(features, return_layers={str(stride4): "low", str(len(features) - 1): "high"}), \
        features[stride4].out_channels, features[-1].out_channels


BACKBONES = {"resnet18": resnet18_os16, "mobilenet_v3_small": mobilenet_v3_small_os16}


def conv_bn_relu(cin, cout, kernel, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, padding=dilation * (kernel - 1) // 2, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ASPP(nn.Module):
    """1x1, three dilated 3x3 and an image-pooling branch, concatenated, projected by a 1x1 (no dropout:
    alchain's default dropout is 0)."""

    def __init__(self, cin, cout=256, rates=(6, 12, 18)):
        super().__init__()
        self.branches = nn.ModuleList([conv_bn_relu(cin, cout, 1)] + [conv_bn_relu(cin, cout, 3, r) for r in rates])
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), conv_bn_relu(cin, cout, 1))
        self.project = conv_bn_relu(5 * cout, cout, 1)

    def forward(self, x):
        out = [b(x) for b in self.branches]
        out.append(F.interpolate(self.pool(x), size=x.shape[-2:], mode="bilinear", align_corners=False))
        return self.project(torch.cat(out, 1))


class DeepLabV3Plus(nn.Module):
    def __init__(self, backbone, num_classes=CLASSES, aspp_channels=256, low_channels=48, decoder_channels=256):
        super().__init__()
        self.backbone, low_in, high_in = BACKBONES[backbone]()
        self.aspp = ASPP(high_in, aspp_channels)
        self.low_proj = conv_bn_relu(low_in, low_channels, 1)
        self.decoder = nn.Sequential(conv_bn_relu(aspp_channels + low_channels, decoder_channels, 3),
                                     conv_bn_relu(decoder_channels, decoder_channels, 3))
        self.classifier = nn.Conv2d(decoder_channels, num_classes, 1)

    def forward(self, x):
        f = self.backbone(x)
        low = self.low_proj(f["low"])
        head = F.interpolate(self.aspp(f["high"]), size=low.shape[-2:], mode="bilinear", align_corners=False)
        d = self.decoder(torch.cat([head, low], 1))
        return F.interpolate(self.classifier(d), size=x.shape[-2:], mode="bilinear", align_corners=False)


def count_macs(model, shape):
    """Multiply-accumulates per image of the convolutions and linear layers (from shapes)."""
    macs = []

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            macs.append(out[0].numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1])
        else:
            macs.append(m.in_features * m.out_features)

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *shape))
    model.train(was_training)
    for h in hs:
        h.remove()
    return sum(macs)


# ----------------------------------------------------------------------------- stages
def sgd(model, lr, momentum, wd):
    """alchain's trainer: weight decay on weights of rank >= 2 only (not biases, not BN)."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.SGD([{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}],
                           lr=lr, momentum=momentum)


def train_epoch(model, images, labels, order, batch, opt):
    model.train()
    stored = images.shape[0]
    total, n = 0.0, 0
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        if len(idx) < 2:  # batch norm cannot train on one sample (alchain skips it too)
            continue
        x, y = images[idx % stored], labels[idx % stored]
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y, ignore_index=IGNORE)
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
        n += len(idx)
    return total / max(n, 1)


def score_pool(model, images, ids, batch, out):
    """Per image: mean over its pixels of the softmax entropy -sum p log p."""
    model.eval()
    stored = images.shape[0]
    with torch.inference_mode():
        for i in range(0, len(ids), batch):
            idx = ids[i:i + batch]
            logp = F.log_softmax(model(images[idx % stored]), dim=1)
            out[i:i + len(idx)] = -(logp.exp() * logp).sum(1).mean((1, 2))


def openblas():
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib
    except OSError:
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backbone", choices=sorted(BACKBONES), default="resnet18")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--size", default="128x256", help="input HxW (default 128x256)")
    p.add_argument("--train-images", type=int, default=0, help="images of the training epoch (0: the backbone's default)")
    p.add_argument("--batch-train", type=int, default=8)
    p.add_argument("--score-images", type=int, default=0, help="pool images scored (0: the backbone's default)")
    p.add_argument("--batch-score", type=int, default=16)
    p.add_argument("--warmup", type=int, default=1,
                   help="untimed batches before train/score (training on a throw-away model)")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    h, w = (int(v) for v in a.size.lower().split("x"))
    a.train_images = a.train_images or DEFAULT_COUNTS[a.backbone][0]
    a.score_images = a.score_images or DEFAULT_COUNTS[a.backbone][1]

    torch.set_num_threads(a.threads)
    ob = openblas()
    env_vars = {k: v for k, v in os.environ.items() if k.startswith(("MALLOC_", "OPENBLAS_", "OMP_", "GOMP_", "LD_PRELOAD"))}
    present = [k for k in TUNED_VARS if k in os.environ]
    env = "tuned" if len(present) == len(TUNED_VARS) else "as installed" if not present else "partly tuned"
    res = {"impl": "reference", "backbone": a.backbone, "size": f"{h}x{w}", "threads": torch.get_num_threads(),
           "tuning": f"threads={torch.get_num_threads()} openblas_core={ob.openblas_get_corename().decode() if ob else '?'}"
                     f" blas_threads={ob.openblas_get_num_threads() if ob else '?'}",
           "env": env, "env_vars": env_vars, "torch": torch.__version__, "torchvision": torchvision.__version__,
           "scoring": "torch.inference_mode"}

    # data: drawn as alchain_bench_seg draws them (one generator: randn, randint, rand)
    g = torch.Generator().manual_seed(a.seed)
    stored = min(max(a.train_images, a.score_images), MAX_STORED)
    images = torch.randn(stored, 3, h, w, generator=g)
    labels = torch.randint(0, CLASSES, (stored, h, w), generator=g)
    labels.masked_fill_(torch.rand(stored, h, w, generator=g) < 0.05, IGNORE)
    order = torch.randperm(a.train_images, generator=g)

    if a.warmup:  # on a throw-away model and optimizer
        warm = DeepLabV3Plus(a.backbone)
        train_epoch(warm, images, labels, order[:a.warmup * a.batch_train], a.batch_train, sgd(warm, 0.01, 0.9, 5e-4))
        del warm
    torch.manual_seed(a.seed)
    model = DeepLabV3Plus(a.backbone)
    opt = sgd(model, 0.01, 0.9, 5e-4)
    t = time.perf_counter()
    loss = train_epoch(model, images, labels, order, a.batch_train, opt)
    train_s = time.perf_counter() - t
    log(f"train {train_s:.2f} s  {a.train_images / train_s:.2f} img/s  loss {loss:.4f}")

    pool = torch.arange(a.score_images)
    scores = torch.empty(a.score_images)
    if a.warmup:
        score_pool(model, images, pool[:a.warmup * a.batch_score], a.batch_score, scores)
    t = time.perf_counter()
    score_pool(model, images, pool, a.batch_score, scores)
    score_s = time.perf_counter() - t
    log(f"score {score_s:.2f} s  {a.score_images / score_s:.2f} img/s")

    macs = count_macs(model, (3, h, w))
    res.update({"train_images": a.train_images, "batch_train": a.batch_train, "train_s": train_s,
                "train_img_per_s": a.train_images / train_s, "train_loss": loss,
                "score_images": a.score_images, "batch_score": a.batch_score, "score_s": score_s,
                "score_img_per_s": a.score_images / score_s,
                "score_gflops": 2 * macs * a.score_images / score_s / 1e9, "score_mean": scores.mean().item(),
                "macs_per_img": macs, "params": sum(q.numel() for q in model.parameters())})
    print(json.dumps(res))


if __name__ == "__main__":
    main()
