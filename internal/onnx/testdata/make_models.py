#!/usr/bin/python3
"""Writes the ONNX models internal/onnx tests against, with PyTorch's outputs.

Each model NAME gets NAME.onnx and NAME.npz: the inputs it was run on (x, in
PyTorch's layout) and PyTorch's outputs (y). Weights are random (seeded),
BatchNorm statistics too, every model is in eval mode.

  make_models.py --small DIR   the small models committed in testdata (< 1 MB)
  make_models.py --large DIR   torchvision's resnet18, mobilenet_v2,
                               mobilenet_v3_small, efficientnet_b0 and a
                               TransformerEncoder (make parity-onnx)

Needs Debian's python3-torch, python3-torchvision and python3-onnx (for
the external-data model only); runs offline.
"""
import argparse
import io
import os
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
OPSETS = (13, 17)


def randomize(model, seed):
    """Gives BatchNorm layers random affine weights and running statistics."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
    return model.eval()


class SmallCNN(nn.Module):
    """Conv-BN-ReLU blocks, max pooling, a dense layer and a BatchNorm1d."""

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c2, self.b2 = nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16)
        self.fc, self.bn = nn.Linear(16 * 4 * 4, 10), nn.BatchNorm1d(10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.relu(self.b2(self.c2(x)))
        return self.bn(self.fc(torch.flatten(x, 1)))


class Zoo(nn.Module):
    """The ops backbones use beyond a plain CNN: depthwise convolutions,
    SiLU (Sigmoid·x), HardSwish, HardSigmoid (squeeze-excitation), ReLU6,
    LeakyReLU, PReLU, ELU, GELU, padded max pooling of negative values,
    average pooling with and without the padding counted and with
    ceil_mode, ConvTranspose, nearest and bilinear Resize, channel Concat."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.dw = nn.Conv2d(8, 16, 3, padding=1, groups=8)  # depthwise, multiplier 2
        self.pw = nn.Conv2d(16, 8, 1)
        self.se1, self.se2 = nn.Conv2d(8, 4, 1), nn.Conv2d(4, 8, 1)
        self.prelu = nn.PReLU(8)
        self.up = nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1)
        self.up2 = nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1)
        self.head = nn.Linear(8 + 4 + 4 + 8 + 8, 7)

    def forward(self, x):
        x = F.silu(self.stem(x))                               # 12x12
        x = F.hardswish(self.dw(x))
        x = F.relu6(self.pw(x))
        s = F.hardsigmoid(self.se2(F.relu(self.se1(F.adaptive_avg_pool2d(x, 1)))))
        x = x * s
        x = self.prelu(x) - 0.5
        m = F.max_pool2d(x, 3, stride=2, padding=1)            # negatives at the border: 6x6
        a = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
        b = F.avg_pool2d(x, 2, stride=2, ceil_mode=True)       # 6x6
        c = F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=True)  # 7x7
        y = F.leaky_relu(m + a, 0.2) + F.elu(b)
        u = F.gelu(self.up(y))                                  # 12x12
        u = self.up2(u)                                         # 24x24
        n = F.interpolate(y, scale_factor=2, mode="nearest")    # 12x12
        l = F.interpolate(u, size=(7, 5), mode="bilinear", align_corners=False)
        k = F.interpolate(u, size=(9, 9), mode="bilinear", align_corners=True)
        feats = torch.cat([F.adaptive_avg_pool2d(n, 1), F.adaptive_avg_pool2d(l, 1),
                           F.adaptive_max_pool2d(k, 1), F.adaptive_avg_pool2d(y, 1),
                           F.adaptive_avg_pool2d(c, 1)], dim=1)
        return self.head(torch.flatten(feats, 1))


class FixedBatch(nn.Module):
    """A CNN flattening with view(size(0), -1): exported without dynamic
    axes, its Reshape bakes in the batch of 1."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c(x)), 2)
        return self.fc(x.view(x.size(0), -1))


class MixesBatch(nn.Module):
    """Flattens the whole batch into one vector: with a fixed batch of 1
    exported, the graph cannot take another batch size."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 8 * 8, 5)

    def forward(self, x):
        return self.fc(x.reshape(-1).reshape(1, -1))


class ChannelsLast(nn.Module):
    """Takes NHWC images, as a TensorFlow export does: a Transpose first."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 6, 3, padding=1)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        x = F.relu(self.c(x.permute(0, 3, 1, 2)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class Segmenter(nn.Module):
    """Outputs an image (rank 4), which exp returns channels-last."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(8, 5, 2, stride=2)

    def forward(self, x):
        return self.up(F.relu(self.c(x)))


class Unsupported(nn.Module):
    """Uses TopK, which exp does not convert."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return torch.topk(torch.flatten(self.c(x), 1), 3).values


def transformer(d_model, heads, ff, layers, seed):
    torch.manual_seed(seed)
    layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout=0.1, batch_first=True)
    enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
    with torch.no_grad():  # distinct values, so that the export keeps every weight
        for p in enc.parameters():
            p.add_(0.02 * torch.randn(p.shape))
    return enc.eval()


def export(model, x, path, opset, dynamic=True, **kw):
    # Not under no_grad: there, PyTorch runs a TransformerEncoder through a
    # fused kernel that has no ONNX export.
    axes = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic else None
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                      output_names=["output"], dynamic_axes=axes, **kw)


def reference(model, x, path):
    y = model(x).detach()  # with gradients on, as exported (see export)
    np.savez(path, x=x.numpy(), y=y.numpy())


def write(model, x, run_x, out, name, **kw):
    """Exports model (traced on x) and saves its outputs on run_x."""
    path = os.path.join(out, name)
    export(model, x, path + ".onnx", **kw)
    reference(model, run_x, path + ".npz")
    print(f"{name}: {os.path.getsize(path + '.onnx')} bytes")


def small(out):
    g = torch.Generator().manual_seed(7)
    img16 = torch.randn(3, 3, 16, 16, generator=g)
    img12 = torch.randn(3, 3, 12, 12, generator=g)
    img8 = torch.randn(2, 3, 8, 8, generator=g)
    seq = torch.randn(3, 6, 32, generator=g)
    for opset in OPSETS:
        torch.manual_seed(1)
        cnn = randomize(SmallCNN(), 1)
        write(cnn, img16, img16, out, f"cnn_bn_op{opset}", opset=opset)
        write(cnn, img16, img16, out, f"cnn_bn_preserve_op{opset}", opset=opset, do_constant_folding=False,
              training=torch.onnx.TrainingMode.PRESERVE)
        torch.manual_seed(2)
        write(Zoo().eval(), img12, img12, out, f"zoo_op{opset}", opset=opset)
        write(transformer(32, 4, 64, 2, 3), seq, seq, out, f"transformer_op{opset}", opset=opset)
    torch.manual_seed(4)
    write(FixedBatch().eval(), img8[:1], img8, out, "fixed_batch", opset=13, dynamic=False)
    torch.manual_seed(5)
    write(MixesBatch().eval(), img8[:1], img8[:1], out, "mixes_batch", opset=13, dynamic=False)
    torch.manual_seed(6)
    nhwc = img8.permute(0, 2, 3, 1).contiguous()
    write(ChannelsLast().eval(), nhwc, nhwc, out, "nhwc_input", opset=13)
    torch.manual_seed(7)
    write(Segmenter().eval(), img8, img8, out, "image_output", opset=13)
    torch.manual_seed(8)
    write(Unsupported().eval(), img8, img8, out, "unsupported", opset=13)
    external(out)


def external(out):
    """The small CNN with its weights in a separate data file."""
    import onnx
    torch.manual_seed(1)
    cnn = randomize(SmallCNN(), 1)
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(8))
    f = io.BytesIO()
    export(cnn, x, f, 13)
    m = onnx.load_from_string(f.getvalue())
    path = os.path.join(out, "external")
    if os.path.exists(path + ".onnx.data"):
        os.remove(path + ".onnx.data")  # onnx.save_model appends to it
    onnx.save_model(m, path + ".onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                    location="external.onnx.data", size_threshold=0)
    reference(cnn, x, path + ".npz")
    print(f"external: {os.path.getsize(path + '.onnx')} + {os.path.getsize(path + '.onnx.data')} bytes")


def large(out):
    import torchvision
    g = torch.Generator().manual_seed(11)
    img = torch.randn(2, 3, 224, 224, generator=g)
    seq = torch.randn(2, 32, 256, generator=g)
    builders = {
        "resnet18": torchvision.models.resnet18,
        "mobilenet_v2": torchvision.models.mobilenet_v2,
        "mobilenet_v3_small": torchvision.models.mobilenet_v3_small,
        "efficientnet_b0": torchvision.models.efficientnet_b0,
    }
    for opset in OPSETS:
        for i, (name, build) in enumerate(builders.items()):
            torch.manual_seed(20 + i)
            write(randomize(build(), 20 + i), img, img, out, f"{name}_op{opset}", opset=opset)
        write(transformer(256, 8, 1024, 4, 30), seq, seq, out, f"transformer_large_op{opset}", opset=opset)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--small", metavar="DIR")
    p.add_argument("--large", metavar="DIR")
    a = p.parse_args()
    if a.small:
        small(a.small)
    if a.large:
        large(a.large)
