#!/usr/bin/python3
"""PyTorch's side of make bench-onnx: torchvision's resnet18 (or mobilenet_v2) at batch 8 of
224x224 images, as BenchmarkBackbone runs it in exp.

  forward       eval mode, no gradients
  train_frozen  an Adam step (lr 1e-3) of a dense head of 10 classes on the
                pooled features, the backbone frozen (no gradients)
  train_full    the same step with every weight trained, BatchNorm in eval
                mode (its running statistics, as exp runs an imported graph)

  bench_torch.py [--model resnet18|mobilenet_v2] [--export PATH] [--steps N]

--export writes the model exp benchmarks (ONNX, opset 17, dynamic batch).
Prints one line per case: "NAME ms/step MS ms/image MS", the best of 3
rounds of N steps after 2 warm-up steps.
"""
import argparse
import time
import warnings

import torch
import torch.nn as nn
import torchvision

warnings.filterwarnings("ignore")
BATCH = 8


def timed(step, steps):
    for _ in range(2):
        step()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - start) / steps)
    return best * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--export", metavar="PATH")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--model", default="resnet18", choices=["resnet18", "mobilenet_v2"])
    a = p.parse_args()
    torch.manual_seed(0)
    net = getattr(torchvision.models, a.model)().eval()
    if a.export:
        torch.onnx.export(net, torch.randn(1, 3, 224, 224), a.export, opset_version=17,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        return
    x = torch.randn(BATCH, 3, 224, 224)
    y = torch.randint(0, 10, (BATCH,))
    print(f"torch {torch.__version__}, {a.model}, {torch.get_num_threads()} threads")

    def forward():
        with torch.no_grad():
            net(x)

    ms = timed(forward, a.steps)
    print(f"forward ms/step {ms:.1f} ms/image {ms / BATCH:.2f}", flush=True)

    if a.model == "resnet18":
        backbone, features = nn.Sequential(*list(net.children())[:-1], nn.Flatten()).eval(), 512
    else:
        backbone = nn.Sequential(net.features, nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval()
        features = 1280
    for trainable in (False, True):
        head = nn.Linear(features, 10)
        for q in backbone.parameters():
            q.requires_grad_(trainable)
        params = list(head.parameters()) + (list(backbone.parameters()) if trainable else [])
        opt = torch.optim.Adam(params, lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            if trainable:
                feats = backbone(x)
            else:
                with torch.no_grad():
                    feats = backbone(x)
            loss = loss_fn(head(feats), y)
            loss.backward()
            opt.step()

        ms = timed(step, a.steps)
        name = "train_full" if trainable else "train_frozen"
        print(f"{name} ms/step {ms:.1f} ms/image {ms / BATCH:.2f}", flush=True)


if __name__ == "__main__":
    main()
