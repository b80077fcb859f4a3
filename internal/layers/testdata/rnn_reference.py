#!/usr/bin/python3
"""Reference values for the lstm and gru layers (internal/layers/rnn_test.go).

Computes, with PyTorch in float64, the output and the gradients of
L = Σ y·w (w fixed) with respect to the input and every weight, for fixed
inputs and weights in Keras's layout:

  lstm: kernel [d, 4u], recurrent_kernel [u, 4u], gates i, f, c, o; bias [4u]
  gru:  kernel [d, 3u], recurrent_kernel [u, 3u], gates z, r, h;
        reset_after: bias [2, 3u] (input, recurrent); else bias [3u]

torch.nn.LSTM's and torch.nn.GRU's kernels are called with the Keras weights mapped to
torch's parametrisation (differentiably, so the gradients come back in
Keras's layout): LSTM weight_ih = kernelᵀ (same gate order), bias_ih = bias,
bias_hh = 0; GRU (torch's is reset-after, gates r, z, n) rows reordered
z,r,h → r,z,n, bias_ih = bias[0], bias_hh = bias[1]. torch has no
reset-before GRU: that case is the Keras formula written with torch ops,
whose reset-after twin is checked here against torch.nn.GRU.

Run from the repository root (Debian's python3-torch):
  /usr/bin/python3 internal/layers/testdata/rnn_reference.py > internal/layers/testdata/rnn_reference.json
"""
import json

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
B, T, D, U = 3, 5, 4, 6
rng = np.random.default_rng(20261202)


def uniform(*shape, scale=0.5):
    return torch.tensor(rng.uniform(-scale, scale, size=shape), requires_grad=True)


def zrh_to_rzn(m):
    """Reorders the last axis's gate blocks from Keras's z, r, h to torch's r, z, n."""
    return torch.cat([m[..., U:2 * U], m[..., :U], m[..., 2 * U:]], dim=-1)


# torch.nn.LSTM and GRU run torch._VF.lstm and gru on their flat weight list
# [weight_ih, weight_hh, bias_ih, bias_hh]; called directly here, since
# functional_call does not replace that list in torch 1.13.
def lstm(x, k, rk, b):
    h0 = torch.zeros(1, B, U)
    weights = [k.T, rk.T, b, torch.zeros(4 * U)]
    return torch._VF.lstm(x, (h0, h0), weights, True, 1, 0.0, False, False, True)[0]


def gru(x, k, rk, b):
    weights = [zrh_to_rzn(k).T, zrh_to_rzn(rk).T, zrh_to_rzn(b[0]), zrh_to_rzn(b[1])]
    return torch._VF.gru(x, torch.zeros(1, B, U), weights, True, 1, 0.0, False, False, True)[0]


def check_vf():
    """Checks that torch._VF computes what torch.nn.LSTM and GRU do."""
    x = uniform(B, T, D)
    for mod, fn in ((torch.nn.LSTM(D, U, batch_first=True), torch._VF.lstm),
                    (torch.nn.GRU(D, U, batch_first=True), torch._VF.gru)):
        h0 = torch.zeros(1, B, U)
        hx = (h0, h0) if fn is torch._VF.lstm else h0
        diff = (mod(x)[0] - fn(x, hx, list(mod.parameters()), True, 1, 0.0, False, False, True)[0]).abs().max()
        assert diff < 1e-12, diff


def gru_by_hand(x, k, rk, b, reset_after):
    """Keras's GRU cell written out; b is [2, 3u] with reset_after, else [3u]."""
    h, outs = torch.zeros(B, U), []
    for t in range(T):
        xp = x[:, t] @ k + (b[0] if reset_after else b)
        if reset_after:
            rp = h @ rk + b[1]
            z = torch.sigmoid(xp[:, :U] + rp[:, :U])
            r = torch.sigmoid(xp[:, U:2 * U] + rp[:, U:2 * U])
            cand = torch.tanh(xp[:, 2 * U:] + r * rp[:, 2 * U:])
        else:
            rp = h @ rk[:, :2 * U]
            z = torch.sigmoid(xp[:, :U] + rp[:, :U])
            r = torch.sigmoid(xp[:, U:2 * U] + rp[:, U:])
            cand = torch.tanh(xp[:, 2 * U:] + (r * h) @ rk[:, 2 * U:])
        h = z * h + (1 - z) * cand
        outs.append(h)
    return torch.stack(outs, dim=1)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


def case(layer, fn, gates, bias_shape, return_sequences, **extra):
    x = uniform(B, T, D, scale=1.0)
    weights = {"kernel": uniform(D, gates * U), "recurrent_kernel": uniform(U, gates * U),
               "bias": uniform(*bias_shape)}
    y = fn(x, *weights.values())
    if not return_sequences:
        y = y[:, -1]
    w = uniform(*y.shape, scale=1.0)
    (y * w.detach()).sum().backward()
    out = {"layer": layer, "return_sequences": return_sequences, **extra,
           "x": flat(x), "w": flat(w), "y": flat(y), "y_shape": list(y.shape),
           "grad": {"x": flat(x.grad)}}
    for name, v in weights.items():
        out[name], out[name + "_shape"] = flat(v), list(v.shape)
        out["grad"][name] = flat(v.grad)
    return out


def check_gru_by_hand():
    x, k, rk, b = uniform(B, T, D), uniform(D, 3 * U), uniform(U, 3 * U), uniform(2, 3 * U)
    diff = (gru(x, k, rk, b) - gru_by_hand(x, k, rk, b, True)).abs().max().item()
    assert diff < 1e-12, diff


def main():
    check_vf()
    check_gru_by_hand()
    cases = []
    for seq in (False, True):
        cases.append(case("lstm", lstm, 4, (4 * U,), seq))
        cases.append(case("gru", gru, 3, (2, 3 * U), seq, reset_after=True))
        cases.append(case("gru", lambda x, k, rk, b: gru_by_hand(x, k, rk, b, False), 3, (3 * U,), seq,
                          reset_after=False))
    print(json.dumps({"batch": B, "timesteps": T, "features": D, "units": U, "torch": torch.__version__,
                      "cases": cases}))


if __name__ == "__main__":
    main()
