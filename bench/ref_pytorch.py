#!/usr/bin/python3
# Copied from the team's shared bench (shared/bench/ref_pytorch.py), unchanged but for these two
# comment lines, so that bench/run.sh needs nothing outside the repository.
"""Python/PyTorch reference for the active-learning benchmark (Fashion-MNIST).

Stages, each timed separately (wall seconds):
  load    read the IDX .gz files with numpy, pad 28x28 -> 32x32, normalize
  train   1 epoch of SGD on a fixed subset of the train set
  test    accuracy on the 10k test set (sanity check only)
  score   entropy of the softmax + 64-d penultimate features for the 60k pool
  coreset k-center greedy over the 60k features, starting from labeled centers
  topk    top-k entropy indices
Prints one JSON object on stdout; progress goes to stderr.
With --out, saves every array a C++ port needs to check its results (see
REFERENCE.md for the exact definitions).
Run with Debian's /usr/bin/python3 (python3-torch 1.13.1).
"""
import argparse
import ctypes
import gzip
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST train-set pixel mean/std (in [0,1])


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- data
def read_idx(path):
    """IDX file (big-endian header: magic, then one int32 per dimension)."""
    with gzip.open(path, "rb") as f:
        buf = f.read()
    magic = int.from_bytes(buf[0:4], "big")
    assert magic >> 8 == 0x08, "expected unsigned-byte IDX data"
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(buf[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_split(data_dir, prefix):
    x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)))                 # zero (black) border -> 32x32
    x = (x.astype(np.float32) / np.float32(255.0) - np.float32(MEAN)) / np.float32(STD)
    return torch.from_numpy(x[:, None]), torch.from_numpy(y.astype(np.int64))


# ----------------------------------------------------------------------------- models
class BasicBlock(nn.Module):
    """3x3 conv-BN-ReLU-3x3 conv-BN, + shortcut, ReLU. Shortcut 'A' of He et al.:
    identity, or stride-2 subsampling with zero-padded extra channels (no params)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride, self.pad = stride, cout - cin

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        sc = x
        if self.stride != 1 or self.pad:
            sc = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, 0, self.pad))
        return F.relu(out + sc)


class ResNet20(nn.Module):
    """CIFAR ResNet-20 (He et al. 2016, sec. 4.2): 3 stages x 3 blocks, widths 16/32/64."""

    def __init__(self, in_ch=1, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for cout, stride in [(16, 1), (32, 2), (64, 2)]:
            for b in range(3):
                layers.append(BasicBlock(cin, cout, stride if b == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, num_classes)

    def features(self, x):                    # -> [B, 64] after global average pooling
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return x.mean(dim=(2, 3))

    def forward(self, x):
        f = self.features(x)
        return self.fc(f), f


class LeNet(nn.Module):
    """LeNet-5-like: conv5(6)-pool-conv5(16)-pool-fc120-fc64-fc10, ReLU, max-pool."""

    def __init__(self, in_ch=1, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 64)
        self.fc = nn.Linear(64, num_classes)

    def features(self, x):                    # -> [B, 64]
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return F.relu(self.fc2(x))

    def forward(self, x):
        f = self.features(x)
        return self.fc(f), f


MODELS = {"resnet20": ResNet20, "lenet": LeNet}


def count_macs(model, hw=32, in_ch=1):
    """Multiply-accumulates per image of the conv and linear layers (analytic, from shapes)."""
    macs = []

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            k = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            macs.append(out[0].numel() * k)
        elif isinstance(m, nn.Linear):
            macs.append(m.in_features * m.out_features)

    hs = [m.register_forward_hook(hook) for m in model.modules()
          if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, in_ch, hw, hw))
    model.train(was_training)
    for h in hs:
        h.remove()
    return sum(macs)


# ----------------------------------------------------------------------------- stages
def train_epoch(model, x, y, order, batch, opt):
    model.train()
    total, n = 0.0, 0
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        logits, _ = model(x[idx])
        loss = F.cross_entropy(logits, y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
        n += len(idx)
    return total / n


@torch.no_grad()
def score_pool(model, x, batch):
    """Per image: entropy H = -sum p*log p (p = softmax), logits, penultimate features."""
    model.eval()
    n = x.shape[0]
    ent, logits_all, feats = torch.empty(n), torch.empty(n, 10), torch.empty(n, 64)
    for i in range(0, n, batch):
        logits, f = model(x[i:i + batch])
        logp = F.log_softmax(logits, dim=1)
        ent[i:i + batch] = -(logp.exp() * logp).sum(dim=1)
        logits_all[i:i + batch] = logits
        feats[i:i + batch] = f
    return ent, logits_all, feats


@torch.no_grad()
def kcenter_greedy(feats, labeled, k):
    """Core-set greedy (Sener & Savarese 2018). Squared Euclidean distances computed as
    |f|^2 - 2 f.c + |c|^2, clamped at 0. min_d = distance to nearest center; repeatedly
    take argmax(min_d) (first index on ties) and update min_d with the new center."""
    sq = (feats * feats).sum(dim=1)
    d = sq[:, None] - 2.0 * (feats @ feats[labeled].T) + sq[labeled][None, :]
    min_d = d.clamp_min_(0.0).min(dim=1).values
    del d
    t_init = time.perf_counter()
    chosen = []
    for _ in range(k):
        j = int(torch.argmax(min_d))
        chosen.append(j)
        dj = (sq - 2.0 * (feats @ feats[j]) + sq[j]).clamp_min_(0.0)
        min_d = torch.minimum(min_d, dj)
    return torch.tensor(chosen, dtype=torch.int64), t_init


# ----------------------------------------------------------------------------- main
def openblas():
    """Handle on the OpenBLAS that torch links (libblas.so.3 -> libopenblas.so.0), or None."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib
    except OSError:
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", choices=sorted(MODELS), default="resnet20")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--blas-threads", type=int, default=None,
                   help="OpenBLAS threads (torch.set_num_threads does not reach it); "
                        "default: --threads, unless OPENBLAS_NUM_THREADS is set")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subset", type=int, default=6000, help="size of the training subset")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-train", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--batch-score", type=int, default=512)
    p.add_argument("--labeled", type=int, default=600, help="initial centers for the core-set")
    p.add_argument("--budget", type=int, default=1000, help="points chosen by core-set / top-k")
    p.add_argument("--warmup", type=int, default=2,
                   help="untimed batches before train/score (on a throw-away copy for training)")
    p.add_argument("--no-test", action="store_true", help="skip the test-accuracy check")
    p.add_argument("--out", default=None, help="save arrays to this .npz")
    p.add_argument("--h5", default=None, help="also save the same arrays to this HDF5 file")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    ob = openblas()
    if ob is not None and (a.blas_threads or "OPENBLAS_NUM_THREADS" not in os.environ):
        ob.openblas_set_num_threads(a.blas_threads or a.threads)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    res = {"model": a.model, "threads": torch.get_num_threads(),
           "blas_threads": ob.openblas_get_num_threads() if ob else None,
           "blas_core": ob.openblas_get_corename().decode() if ob else None,
           "torch": torch.__version__, "seed": a.seed,
           "env": {k: v for k, v in os.environ.items()
                   if k.startswith(("MALLOC_", "OPENBLAS_", "OMP_", "GOMP_", "LD_PRELOAD"))}}

    # a. data
    t = time.perf_counter()
    x_tr, y_tr = load_split(a.data_dir, "train")
    x_te, y_te = load_split(a.data_dir, "t10k")
    res["load_s"] = time.perf_counter() - t
    n_pool = x_tr.shape[0]
    log(f"loaded {tuple(x_tr.shape)} {tuple(x_te.shape)} in {res['load_s']:.2f}s")

    # fixed subsets, all from one seeded torch generator (reproducible from libtorch C++)
    g = torch.Generator().manual_seed(a.seed)
    perm = torch.randperm(n_pool, generator=g)
    subset = perm[:a.subset]
    labeled = perm[:a.labeled]                 # the first 600 of the training subset
    orders = [subset[torch.randperm(a.subset, generator=g)] for _ in range(a.epochs)]

    # b. model (default PyTorch init, after torch.manual_seed(seed))
    torch.manual_seed(a.seed)
    model = MODELS[a.model]()
    res["macs_per_img"] = count_macs(model)
    res["params"] = sum(q.numel() for q in model.parameters())
    init_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.wd)

    # c. train (warm-up on a copy so the real model/optimizer state is untouched)
    if a.warmup:
        import copy
        m2 = copy.deepcopy(model)
        o2 = torch.optim.SGD(m2.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.wd)
        train_epoch(m2, x_tr, y_tr, orders[0][:a.warmup * a.batch_train], a.batch_train, o2)
        del m2, o2
    t = time.perf_counter()
    losses = [train_epoch(model, x_tr, y_tr, o, a.batch_train, opt) for o in orders]
    res["train_s"] = time.perf_counter() - t
    res["train_img_per_s"] = a.subset * a.epochs / res["train_s"]
    res["train_loss"] = losses[-1]
    log(f"train {res['train_s']:.2f}s  {res['train_img_per_s']:.0f} img/s  loss {losses[-1]:.4f}")

    # d. score the pool (warm-up: a few batches, results discarded)
    if a.warmup:
        score_pool(model, x_tr[:a.warmup * a.batch_score], a.batch_score)
    t = time.perf_counter()
    ent, logits, feats = score_pool(model, x_tr, a.batch_score)
    res["score_s"] = time.perf_counter() - t
    res["score_img_per_s"] = n_pool / res["score_s"]
    res["score_gflops"] = 2 * res["macs_per_img"] * res["score_img_per_s"] / 1e9
    log(f"score {res['score_s']:.2f}s  {res['score_img_per_s']:.0f} img/s  "
        f"{res['score_gflops']:.1f} GFLOP/s (conv+fc only)")

    if not a.no_test:
        t = time.perf_counter()
        _, te_logits, _ = score_pool(model, x_te, a.batch_score)
        res["test_s"] = time.perf_counter() - t
        res["test_acc"] = (te_logits.argmax(1) == y_te).float().mean().item()
        log(f"test acc {res['test_acc']:.4f}  ({res['test_s']:.2f}s)")

    # e. core-set
    t = time.perf_counter()
    coreset, t_init = kcenter_greedy(feats, labeled, a.budget)
    res["coreset_s"] = time.perf_counter() - t
    res["coreset_init_s"] = t_init - t
    log(f"coreset {res['coreset_s']:.3f}s (initial min-distances {res['coreset_init_s']:.3f}s)")

    # f. top-k entropy
    t = time.perf_counter()
    topk = torch.topk(ent, a.budget, largest=True, sorted=True).indices
    res["topk_s"] = time.perf_counter() - t

    assert len(set(coreset.tolist()) & set(labeled.tolist())) == 0
    assert len(set(coreset.tolist())) == a.budget
    res["coreset_first5"] = coreset[:5].tolist()
    res["topk_first5"] = topk[:5].tolist()

    if a.out or a.h5:
        arrays = {"entropy": ent, "logits": logits, "features": feats, "topk_idx": topk,
                  "coreset_idx": coreset, "labeled_idx": labeled, "subset_idx": subset,
                  "train_order": torch.stack(orders), "test_logits": None if a.no_test else te_logits}
        arrays = {k: v.numpy() for k, v in arrays.items() if v is not None}
        arrays.update({"init." + k: v.numpy() for k, v in init_state.items()})
        arrays.update({"param." + k: v.detach().numpy() for k, v in model.state_dict().items()})
        arrays["norm_mean_std"] = np.array([MEAN, STD], dtype=np.float32)
        if a.out:
            np.savez(a.out, **arrays)
        if a.h5:
            import h5py
            with h5py.File(a.h5, "w") as h:
                for k, v in arrays.items():
                    h.create_dataset(k, data=v)
                h.attrs["result_json"] = json.dumps(res)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
