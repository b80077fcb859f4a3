#!/usr/bin/env python3
"""The depthwise-separable CNN of configs/separable.yaml in PyTorch, for a
side-by-side speed comparison with BenchmarkSeparableCNN: ms per training
step (forward, backward, Adam) at batch 32 on MNIST-shaped random inputs.

    OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 separable_torch.py --steps 100
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SeparableConv2d(nn.Module):
    """Keras SeparableConv2D, padding same, stride 1: depthwise then pointwise."""

    def __init__(self, cin, cout, k=3):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, k, padding=k // 2, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


def model():
    m = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        SeparableConv2d(16, 32), nn.ReLU(), nn.MaxPool2d(2),
        SeparableConv2d(32, 64), nn.ReLU(), nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    for p in m.modules():  # Keras initialisers: glorot-uniform kernels, zero biases
        if isinstance(p, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(p.weight)
            if p.bias is not None:
                nn.init.zeros_(p.bias)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    m = model()
    params = sum(p.numel() for p in m.parameters())
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
    x = torch.rand(32, 1, 28, 28)
    y = torch.randint(0, 10, (32,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    t = time.perf_counter()
    for _ in range(args.steps):
        step()
    ms = (time.perf_counter() - t) * 1000 / args.steps
    print(f"torch {torch.__version__} separable CNN: {params} parameters, {ms:.2f} ms/step (batch 32)")


if __name__ == "__main__":
    main()
