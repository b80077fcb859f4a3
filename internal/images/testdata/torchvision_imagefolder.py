"""Times torchvision's ImageFolder + DataLoader on one folder: one full pass
producing decoded uint8 batches. Used by BenchmarkMNISTFolder (see
bench_test.go); prints one JSON line.

usage: torchvision_imagefolder.py ROOT WORKERS BATCH gray|rgb
"""
import json
import resource
import sys
import time

import torch
from PIL import Image
from torchvision import datasets, transforms


def gray_loader(path):
    with open(path, "rb") as f:
        return Image.open(f).convert("L")


def rgb_loader(path):
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


def cpu_seconds():
    """User + system time of this process and its finished workers."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        u = resource.getrusage(who)
        total += u.ru_utime + u.ru_stime
    return total


def main():
    root, workers, batch, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    loader = gray_loader if mode == "gray" else rgb_loader
    start, cpu0 = time.perf_counter(), cpu_seconds()
    ds = datasets.ImageFolder(root, transform=transforms.PILToTensor(), loader=loader)
    dl = torch.utils.data.DataLoader(ds, batch_size=batch, num_workers=workers, shuffle=False)
    n, shape = 0, None
    for x, _ in dl:
        n += x.shape[0]
        shape = list(x.shape[1:])
    del dl  # joins the workers, so their time is counted
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "images": n, "shape": shape,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
