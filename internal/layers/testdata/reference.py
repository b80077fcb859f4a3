#!/usr/bin/env python3
"""Writes reference.json: forward outputs and gradients of exp's layers
computed by PyTorch, for layers_reference_test.go.

Each case has fixed inputs and weights (a seeded generator; weights in Keras's
layouts), an upstream gradient v, and PyTorch's y = layer(x), dL/dx and dL/dw
for L = Σ y·v. Layouts are channels-last as in Keras; PyTorch's channels-first
ops get permuted tensors. Run with Debian's python3-torch:
    /usr/bin/python3 reference.py > reference.json
"""
import json
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(1234)


def rand(*shape):
    return (torch.rand(*shape, generator=gen) * 2 - 1).requires_grad_(True)


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def tf_pads(size, k, s, padding):
    """TensorFlow's (before, after) padding and output size along one axis."""
    if padding == "valid":
        return (0, 0)
    out = (size + s - 1) // s
    total = max((out - 1) * s + k - size, 0)
    return (total // 2, total - total // 2)


def conv2d_ref(x, kernel, strides, padding):
    kh, kw = kernel.shape[0], kernel.shape[1]
    ph = tf_pads(x.shape[1], kh, strides[0], padding)
    pw = tf_pads(x.shape[2], kw, strides[1], padding)
    xp = F.pad(nchw(x), (pw[0], pw[1], ph[0], ph[1]))
    return nhwc(F.conv2d(xp, kernel.permute(3, 2, 0, 1), stride=tuple(strides)))


def depthwise_ref(x, kernel, strides, padding):
    kh, kw, c, m = kernel.shape
    ph = tf_pads(x.shape[1], kh, strides[0], padding)
    pw = tf_pads(x.shape[2], kw, strides[1], padding)
    xp = F.pad(nchw(x), (pw[0], pw[1], ph[0], ph[1]))
    w = kernel.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw)
    return nhwc(F.conv2d(xp, w, stride=tuple(strides), groups=c))


def conv1d(x, p, w):
    k = w["kernel"]
    ks, s = k.shape[0], p.get("strides", 1)
    pad = p.get("padding", "valid")
    pads = (ks - 1, 0) if pad == "causal" else tf_pads(x.shape[1], ks, s, pad)
    xp = F.pad(x.permute(0, 2, 1), pads)
    return F.conv1d(xp, k.permute(2, 1, 0), w["bias"], stride=s).permute(0, 2, 1)


def pair(v):
    return [v, v] if isinstance(v, int) else v


def depthwiseconv2d(x, p, w):
    s = pair(p.get("strides", 1))
    y = depthwise_ref(x, w["depthwise_kernel"], s, p.get("padding", "valid"))
    return y + w["bias"]


def separableconv2d(x, p, w):
    s = pair(p.get("strides", 1))
    y = depthwise_ref(x, w["depthwise_kernel"], s, p.get("padding", "valid"))
    return conv2d_ref(y, w["pointwise_kernel"], [1, 1], "valid") + w["bias"]


def layernorm(x, p, w):
    return F.layer_norm(x, x.shape[-1:], w["gamma"], w["beta"], eps=1e-3)


def embedding(x, p, w):
    return F.embedding(x.detach().long(), w["embeddings"])


def upsampling2d(x, p, w):
    sh, sw = p["size"]
    return x.repeat_interleave(sh, dim=1).repeat_interleave(sw, dim=2)


def zeropadding2d(x, p, w):
    (t, b), (l, r) = p["padding"]
    return F.pad(x, (0, 0, l, r, t, b))


def cropping2d(x, p, w):
    (t, b), (l, r) = p["cropping"]
    return x[:, t:x.shape[1] - b, l:x.shape[2] - r, :]


def pool1d(kind):
    def f(x, p, w):
        k = p["pool_size"]
        s = p.get("strides", k)
        op = F.max_pool1d if kind == "max" else F.avg_pool1d
        return op(x.permute(0, 2, 1), k, s).permute(0, 2, 1)
    return f


def global_pool(kind, axes):
    def f(x, p, w):
        return x.amax(dim=axes) if kind == "max" else x.mean(dim=axes)
    return f


CASES = [
    # name, type, params, input shapes, weights {name: shape}, reference
    ("conv1d valid", "conv1d", {"filters": 3, "kernel_size": 3}, [(2, 7, 2)],
     {"kernel": (3, 2, 3), "bias": (3,)}, conv1d),
    ("conv1d same stride 2", "conv1d", {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"}, [(2, 9, 3)],
     {"kernel": (4, 3, 2), "bias": (2,)}, conv1d),
    ("conv1d causal", "conv1d", {"filters": 2, "kernel_size": 3, "padding": "causal"}, [(2, 5, 2)],
     {"kernel": (3, 2, 2), "bias": (2,)}, conv1d),
    ("depthwise valid", "depthwiseconv2d", {"kernel_size": 3}, [(2, 5, 6, 3)],
     {"depthwise_kernel": (3, 3, 3, 1), "bias": (3,)}, depthwiseconv2d),
    ("depthwise same stride 2 multiplier 2", "depthwiseconv2d",
     {"kernel_size": [3, 2], "strides": 2, "padding": "same", "depth_multiplier": 2}, [(2, 7, 6, 2)],
     {"depthwise_kernel": (3, 2, 2, 2), "bias": (4,)}, depthwiseconv2d),
    ("separable same", "separableconv2d", {"filters": 4, "kernel_size": 3, "padding": "same"}, [(2, 5, 5, 3)],
     {"depthwise_kernel": (3, 3, 3, 1), "pointwise_kernel": (1, 1, 3, 4), "bias": (4,)}, separableconv2d),
    ("separable multiplier 2", "separableconv2d", {"filters": 3, "kernel_size": 2, "depth_multiplier": 2},
     [(2, 4, 5, 2)],
     {"depthwise_kernel": (2, 2, 2, 2), "pointwise_kernel": (1, 1, 4, 3), "bias": (3,)}, separableconv2d),
    ("layernorm 2-D", "layernorm", {}, [(3, 5)], {"gamma": (5,), "beta": (5,)}, layernorm),
    ("layernorm 4-D", "layernorm", {}, [(2, 3, 2, 4)], {"gamma": (4,), "beta": (4,)}, layernorm),
    ("embedding", "embedding", {"input_dim": 6, "output_dim": 3}, [(2, 4)], {"embeddings": (6, 3)}, embedding),
    ("upsampling2d", "upsampling2d", {"size": [2, 3]}, [(2, 3, 2, 2)], {}, upsampling2d),
    ("zeropadding2d", "zeropadding2d", {"padding": [[1, 2], [0, 3]]}, [(2, 3, 2, 2)], {}, zeropadding2d),
    ("cropping2d", "cropping2d", {"cropping": [[1, 0], [2, 1]]}, [(2, 4, 5, 2)], {}, cropping2d),
    ("maxpool1d", "maxpool1d", {"pool_size": 2}, [(2, 7, 3)], {}, pool1d("max")),
    ("avgpool1d stride 1", "avgpool1d", {"pool_size": 3, "strides": 1}, [(2, 6, 2)], {}, pool1d("avg")),
    ("globalavgpool2d", "globalavgpool2d", {}, [(2, 3, 4, 3)], {}, global_pool("avg", (1, 2))),
    ("globalmaxpool2d", "globalmaxpool2d", {}, [(2, 3, 4, 3)], {}, global_pool("max", (1, 2))),
    ("globalavgpool1d", "globalavgpool1d", {}, [(2, 5, 3)], {}, global_pool("avg", (1,))),
    ("globalmaxpool1d", "globalmaxpool1d", {}, [(2, 5, 3)], {}, global_pool("max", (1,))),
    ("add", "add", {}, [(2, 3, 2), (2, 3, 2), (2, 3, 2)], {}, lambda xs, p, w: xs[0] + xs[1] + xs[2]),
    ("multiply", "multiply", {}, [(2, 4), (2, 4)], {}, lambda xs, p, w: xs[0] * xs[1]),
    ("concat", "concat", {}, [(2, 3, 2), (2, 3, 4)], {}, lambda xs, p, w: torch.cat(xs, -1)),
    ("concat axis 1", "concat", {"axis": 1}, [(2, 1, 2), (2, 3, 2)], {}, lambda xs, p, w: torch.cat(xs, 1)),
]


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1)]}


def run(case):
    name, typ, params, in_shapes, wshapes, fn = case
    xs = [rand(*s) for s in in_shapes]
    if typ == "embedding":
        xs = [torch.randint(0, params["input_dim"], in_shapes[0], generator=gen).double()]
    w = {k: rand(*s) for k, s in wshapes.items()}
    y = fn(xs if len(xs) > 1 else xs[0], params, w)
    v = torch.rand(*y.shape, generator=gen) * 2 - 1
    (y * v).sum().backward()
    return {
        "name": name, "type": typ, "params": params,
        "inputs": [tensor_json(x) for x in xs],
        "weights": {k: tensor_json(t) for k, t in w.items()},
        "v": tensor_json(v), "y": tensor_json(y),
        "dx": [tensor_json(x.grad) if x.grad is not None else None for x in xs],
        "dweights": {k: tensor_json(t.grad) for k, t in w.items()},
    }


print(json.dumps({"torch": torch.__version__, "cases": [run(c) for c in CASES]}, indent=None))
