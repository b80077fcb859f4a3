#!/usr/bin/python3
"""Reference values for the text layers (internal/layers/text_reference_test.go):
multiheadattention, transformer, positionembedding, sinepositionencoding,
bidirectional and masked lstm and gru, and the 1-D global poolings with a
padding mask.

Each case has fixed inputs, padding masks (true at real steps) and weights in
Keras's layout, an upstream gradient v, and PyTorch's (float64) y = layer(x),
dL/dx and dL/dw for L = Σ y·v. The weights are mapped to PyTorch's
parametrisation differentiably, so the gradients come back in Keras's layout:

  multiheadattention: torch.nn.functional.multi_head_attention_forward with
      separate projections, q_proj_weight = query/kernel [d, H, k] reshaped
      to [d, H·k] and transposed (PyTorch splits heads the same way), the
      output projection attention_output/kernel [H, v, d] as [H·v, d]ᵀ.
      PyTorch needs H·key_dim = the query's features and value_dim = key_dim;
      the other cases are the same formula written with einsum
      (mha_by_hand), itself checked against PyTorch here. A padding mask is
      key_padding_mask, and the output at padded query steps is zeroed (exp's
      semantics; see attention.go).
  transformer: torch.nn.TransformerEncoderLayer(batch_first=True, dropout=0)
      in training mode (no fast path) through
      torch.nn.utils.stateless.functional_call, norm1 = self_attention_layer_norm,
      norm2 = feedforward_layer_norm, linear1/2 = the feedforward dense
      layers; a padding mask is src_key_padding_mask.
  lstm, gru: torch._VF.lstm / gru (as rnn_reference.py), bidirectional, on
      sequences packed by length (masks are padding at the end):
      pad_packed_sequence gives zeros at padded steps (Keras's Bidirectional
      with return_sequences), h_n the state after each direction's last real
      step. A unidirectional layer with return_sequences outputs at a padded
      step its previous output (Keras's RNN): the padded rows are filled with
      the last real one.
  positionembedding, sinepositionencoding, global poolings: written out.

Run from the repository root (Debian's python3-torch):
  /usr/bin/python3 internal/layers/testdata/text_reference.py > internal/layers/testdata/text_reference.json
"""
import json
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from torch.nn.utils.stateless import functional_call

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20261219)


def uniform(*shape, scale=0.5):
    return torch.tensor(rng.uniform(-scale, scale, size=shape), requires_grad=True)


def lengths_mask(lengths, t):
    return torch.tensor([[i < n for i in range(t)] for n in lengths])


# ---- multi-head attention -------------------------------------------------

def mha_weights(dq, dv, h, k, vd, bias=True):
    w = {"query/kernel": uniform(dq, h, k), "key/kernel": uniform(dv, h, k),
         "value/kernel": uniform(dv, h, vd), "attention_output/kernel": uniform(h, vd, dq)}
    if bias:
        w.update({"query/bias": uniform(h, k), "key/bias": uniform(h, k), "value/bias": uniform(h, vd),
                  "attention_output/bias": uniform(dq)})
    return w


def mha_torch(q, v, w, h, key_mask=None, query_mask=None, causal=False):
    """PyTorch's multi-head attention with Keras-layout weights."""
    dq, dv = q.shape[-1], v.shape[-1]
    k = w["query/kernel"].shape[-1]
    bias = "query/bias" in w
    attn_mask = None
    if causal:
        tq, tv = q.shape[1], v.shape[1]
        attn_mask = torch.triu(torch.ones(tq, tv, dtype=torch.bool), diagonal=1)
    y, _ = F.multi_head_attention_forward(
        q.transpose(0, 1), v.transpose(0, 1), v.transpose(0, 1), dq, h,
        None, torch.cat([w["query/bias"].reshape(-1), w["key/bias"].reshape(-1), w["value/bias"].reshape(-1)])
        if bias else None,
        None, None, False, 0.0,
        w["attention_output/kernel"].reshape(h * k, dq).T, w["attention_output/bias"] if bias else None,
        training=True, key_padding_mask=None if key_mask is None else ~key_mask, need_weights=False,
        attn_mask=attn_mask, use_separate_proj_weight=True,
        q_proj_weight=w["query/kernel"].reshape(dq, h * k).T, k_proj_weight=w["key/kernel"].reshape(dv, h * k).T,
        v_proj_weight=w["value/kernel"].reshape(dv, h * k).T)
    y = y.transpose(0, 1)
    if query_mask is not None:
        y = y * query_mask.unsqueeze(-1)
    return y


def mha_by_hand(q, v, w, h, key_mask=None, query_mask=None, causal=False):
    """Keras's MultiHeadAttention (exp's masking) written with einsum."""
    k = w["query/kernel"].shape[-1]
    bias = "query/bias" in w
    qp = torch.einsum("btd,dhk->bthk", q, w["query/kernel"])
    kp = torch.einsum("btd,dhk->bthk", v, w["key/kernel"])
    vp = torch.einsum("btd,dhk->bthk", v, w["value/kernel"])
    if bias:
        qp, kp, vp = qp + w["query/bias"], kp + w["key/bias"], vp + w["value/bias"]
    scores = torch.einsum("bqhk,bthk->bhqt", qp / math.sqrt(k), kp)
    allowed = torch.ones(scores.shape, dtype=torch.bool)
    if key_mask is not None:
        allowed = allowed & key_mask[:, None, None, :]
    if causal:
        tq, tv = scores.shape[2], scores.shape[3]
        allowed = allowed & torch.tril(torch.ones(tq, tv, dtype=torch.bool))
    probs = torch.softmax(scores.masked_fill(~allowed, -math.inf), dim=-1)
    y = torch.einsum("bhqt,bthv->bqhv", probs, vp)
    y = torch.einsum("bqhv,hvd->bqd", y, w["attention_output/kernel"])
    if bias:
        y = y + w["attention_output/bias"]
    if query_mask is not None:
        y = y * query_mask.unsqueeze(-1)
    return y


def check_mha_by_hand():
    q, v = uniform(2, 4, 6), uniform(2, 5, 6)
    w = mha_weights(6, 6, 2, 3, 3)
    mask = lengths_mask([5, 2], 5)
    for causal in (False, True):
        vv = q if causal else v
        km = None if causal else mask
        diff = (mha_torch(q, vv, w, 2, km, causal=causal) - mha_by_hand(q, vv, w, 2, km, causal=causal)).abs().max()
        assert diff < 1e-12, diff


# ---- transformer ------------------------------------------------------------

def transformer(x, w, p, mask=None):
    d = x.shape[-1]
    h = p["num_heads"]
    layer = torch.nn.TransformerEncoderLayer(d, h, p["intermediate_dim"], dropout=0.0,
                                             activation=p.get("activation", "relu"),
                                             layer_norm_eps=p.get("layer_norm_epsilon", 1e-5), batch_first=True,
                                             norm_first=p.get("normalize_first", False))
    layer.train()
    a = "self_attention_layer/"
    params = {
        "self_attn.in_proj_weight": torch.cat([w[a + n + "/kernel"].reshape(d, d).T for n in ("query", "key", "value")]),
        "self_attn.in_proj_bias": torch.cat([w[a + n + "/bias"].reshape(d) for n in ("query", "key", "value")]),
        "self_attn.out_proj.weight": w[a + "attention_output/kernel"].reshape(d, d).T,
        "self_attn.out_proj.bias": w[a + "attention_output/bias"],
        "linear1.weight": w["feedforward_intermediate_dense/kernel"].T,
        "linear1.bias": w["feedforward_intermediate_dense/bias"],
        "linear2.weight": w["feedforward_output_dense/kernel"].T,
        "linear2.bias": w["feedforward_output_dense/bias"],
        "norm1.weight": w["self_attention_layer_norm/gamma"], "norm1.bias": w["self_attention_layer_norm/beta"],
        "norm2.weight": w["feedforward_layer_norm/gamma"], "norm2.bias": w["feedforward_layer_norm/beta"],
    }
    kpm = None if mask is None else ~mask
    return functional_call(layer, params, (x,), {"src_key_padding_mask": kpm})


def transformer_weights(d, h, inter):
    w = {"self_attention_layer/" + k: t for k, t in mha_weights(d, d, h, d // h, d // h).items()}
    w.update({
        "self_attention_layer_norm/gamma": uniform(d, scale=1.0), "self_attention_layer_norm/beta": uniform(d),
        "feedforward_layer_norm/gamma": uniform(d, scale=1.0), "feedforward_layer_norm/beta": uniform(d),
        "feedforward_intermediate_dense/kernel": uniform(d, inter), "feedforward_intermediate_dense/bias": uniform(inter),
        "feedforward_output_dense/kernel": uniform(inter, d), "feedforward_output_dense/bias": uniform(d),
    })
    return w


# ---- recurrent layers -------------------------------------------------------

def zrh_to_rzn(m, u):
    return torch.cat([m[..., u:2 * u], m[..., :u], m[..., 2 * u:]], dim=-1)


def rnn_flat(kind, w, prefix, u):
    if kind == "lstm":
        return [w[prefix + "kernel"].T, w[prefix + "recurrent_kernel"].T, w[prefix + "bias"], torch.zeros(4 * u)]
    b = w[prefix + "bias"]
    return [zrh_to_rzn(w[prefix + "kernel"], u).T, zrh_to_rzn(w[prefix + "recurrent_kernel"], u).T,
            zrh_to_rzn(b[0], u), zrh_to_rzn(b[1], u)]


def rnn(x, w, p, lengths):
    """The layer on x [B, T, D] with the sequences' lengths (padding at the end)."""
    kind, u = p["kind"], p["units"]
    bi = p.get("bidirectional", False)
    b, t = x.shape[0], x.shape[1]
    prefixes = ["forward/", "backward/"] if bi else [""]
    flat = [v for pre in prefixes for v in rnn_flat(kind, w, pre, u)]
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    h0 = torch.zeros(len(prefixes), b, u)
    hx = (h0, h0) if kind == "lstm" else h0
    fn = torch._VF.lstm if kind == "lstm" else torch._VF.gru
    out = fn(packed.data, packed.batch_sizes, hx, flat, True, 1, 0.0, False, bi)
    seq = torch.nn.utils.rnn.PackedSequence(out[0], packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
    y, _ = pad_packed_sequence(seq, batch_first=True, total_length=t)
    hn = out[1]  # h_n [directions, B, u], in the packed order
    hn = hn.index_select(1, packed.unsorted_indices)
    if not p.get("return_sequences", False):
        return torch.cat(list(hn), dim=-1)
    if not bi:  # Keras's RNN: a padded step outputs the previous output
        rows = [torch.cat([y[i, :n], y[i, n - 1:n].expand(t - n, u)]) for i, n in enumerate(lengths)]
        y = torch.stack(rows)
    return y


def rnn_weights(kind, d, u, bi):
    gates = 4 if kind == "lstm" else 3
    w = {}
    for pre in (["forward/", "backward/"] if bi else [""]):
        w[pre + "kernel"] = uniform(d, gates * u)
        w[pre + "recurrent_kernel"] = uniform(u, gates * u)
        w[pre + "bias"] = uniform(4 * u) if kind == "lstm" else uniform(2, 3 * u)
    return w


def check_rnn_unpacked():
    """Packed sequences of full length are torch.nn.LSTM / GRU (bidirectional)."""
    for kind, mod in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
        net = mod(3, 4, batch_first=True, bidirectional=True)
        x = uniform(2, 5, 3)
        packed = pack_padded_sequence(x, torch.tensor([5, 5]), batch_first=True)
        fn = torch._VF.lstm if kind == "lstm" else torch._VF.gru
        h0 = torch.zeros(2, 2, 4)
        out = fn(packed.data, packed.batch_sizes, (h0, h0) if kind == "lstm" else h0, list(net.parameters()),
                 True, 1, 0.0, False, True)
        y, _ = pad_packed_sequence(torch.nn.utils.rnn.PackedSequence(out[0], packed.batch_sizes), batch_first=True)
        diff = (y - net(x)[0]).abs().max()
        assert diff < 1e-12, diff


# ---- the cases ----------------------------------------------------------------

def tensor_json(t):
    if t is None:
        return None
    t = t.detach()
    if t.dtype == torch.bool:
        t = t.double()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1)]}


def case(name, typ, params, xs, masks, w, fn):
    y = fn(xs, w)
    v = uniform(*y.shape, scale=1.0).detach()
    (y * v).sum().backward()
    return {"name": name, "type": typ, "params": params,
            "inputs": [tensor_json(x) for x in xs], "masks": [tensor_json(m) for m in masks],
            "weights": {k: tensor_json(t) for k, t in w.items()},
            "v": tensor_json(v), "y": tensor_json(y),
            "dx": [tensor_json(x.grad) for x in xs],
            "dweights": {k: tensor_json(t.grad) for k, t in w.items()}}


def attention_cases():
    out = []
    x = uniform(2, 5, 6)
    w = mha_weights(6, 6, 2, 3, 3)
    out.append(case("mha self", "multiheadattention", {"num_heads": 2, "key_dim": 3}, [x], [None], w,
                    lambda xs, w: mha_torch(xs[0], xs[0], w, 2)))
    x, m = uniform(3, 5, 6), lengths_mask([5, 3, 1], 5)
    w = mha_weights(6, 6, 2, 3, 3)
    out.append(case("mha self masked", "multiheadattention", {"num_heads": 2, "key_dim": 3}, [x], [m], w,
                    lambda xs, w: mha_torch(xs[0], xs[0], w, 2, key_mask=m, query_mask=m)))
    x = uniform(2, 4, 6)
    w = mha_weights(6, 6, 3, 2, 2, bias=False)
    out.append(case("mha causal no bias", "multiheadattention",
                    {"num_heads": 3, "key_dim": 2, "causal": True, "use_bias": False}, [x], [None], w,
                    lambda xs, w: mha_torch(xs[0], xs[0], w, 3, causal=True)))
    q, v = uniform(2, 4, 6), uniform(2, 5, 4)
    qm, vm = lengths_mask([4, 2], 4), lengths_mask([3, 5], 5)
    w = mha_weights(6, 4, 2, 3, 3)
    out.append(case("mha cross masked", "multiheadattention", {"num_heads": 2, "key_dim": 3}, [q, v], [qm, vm], w,
                    lambda xs, w: mha_torch(xs[0], xs[1], w, 2, key_mask=vm, query_mask=qm)))
    q, v = uniform(2, 3, 5), uniform(2, 4, 3)
    w = mha_weights(5, 3, 2, 4, 3)
    out.append(case("mha cross value_dim", "multiheadattention", {"num_heads": 2, "key_dim": 4, "value_dim": 3},
                    [q, v], [None, None], w, lambda xs, w: mha_by_hand(xs[0], xs[1], w, 2)))
    return out


def transformer_cases():
    out = []
    p = {"num_heads": 2, "intermediate_dim": 12}
    x = uniform(2, 5, 8, scale=1.0)
    out.append(case("transformer", "transformer", p, [x], [None], transformer_weights(8, 2, 12),
                    lambda xs, w: transformer(xs[0], w, p)))
    p = {"num_heads": 4, "intermediate_dim": 6, "activation": "gelu", "normalize_first": True,
         "layer_norm_epsilon": 1e-3}
    x, m = uniform(3, 5, 8, scale=1.0), lengths_mask([5, 2, 4], 5)
    out.append(case("transformer gelu normalize_first masked", "transformer", p, [x], [m],
                    transformer_weights(8, 4, 6), lambda xs, w: transformer(xs[0], w, p, m)))
    return out


def rnn_cases():
    out = []
    d, u, t = 4, 5, 6
    lengths = [6, 4, 1]
    m = lengths_mask(lengths, t)
    for kind, bi, seq, masked in (("lstm", True, False, False), ("lstm", True, True, True),
                                  ("lstm", True, False, True), ("lstm", False, True, True),
                                  ("gru", True, True, False), ("gru", True, False, True),
                                  ("gru", False, False, True), ("gru", True, True, True)):
        p = {"units": u, "return_sequences": seq}
        if bi:
            p["bidirectional"] = True
        name = kind + (" bidirectional" if bi else "") + (" sequences" if seq else "") + (" masked" if masked else "")
        x = uniform(3, t, d, scale=1.0)
        lens = lengths if masked else [t] * 3
        out.append(case(name, kind, p, [x], [m if masked else None], rnn_weights(kind, d, u, bi),
                        lambda xs, w, p=p, lens=lens, kind=kind: rnn(xs[0], w, dict(p, kind=kind), lens)))
    return out


def other_cases():
    out = []
    x = uniform(2, 4, 3, scale=1.0)
    out.append(case("positionembedding sequence_length 6", "positionembedding", {"sequence_length": 6}, [x], [None],
                    {"embeddings": uniform(6, 3)}, lambda xs, w: xs[0] + w["embeddings"][:4]))
    x = uniform(2, 5, 6, scale=1.0)

    def sine(xs, w):
        t, d = xs[0].shape[1], xs[0].shape[2]
        i = torch.arange(d)
        rate = torch.pow(torch.tensor(10000.0), -(2 * (i // 2)).double() / d)
        angle = torch.arange(t).double()[:, None] * rate[None, :]
        return xs[0] + torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle))

    out.append(case("sinepositionencoding", "sinepositionencoding", {}, [x], [None], {}, sine))
    m = lengths_mask([5, 2, 3], 5)
    x = uniform(3, 5, 4, scale=1.0)
    out.append(case("globalavgpool1d masked", "globalavgpool1d", {}, [x], [m], {},
                    lambda xs, w: (xs[0] * m[..., None]).sum(1) / m.sum(1, keepdim=True)))
    x = uniform(3, 5, 4, scale=1.0)
    out.append(case("globalmaxpool1d masked", "globalmaxpool1d", {}, [x], [m], {},
                    lambda xs, w: xs[0].masked_fill(~m[..., None], -math.inf).amax(1)))
    return out


def main():
    check_mha_by_hand()
    check_rnn_unpacked()
    cases = attention_cases() + transformer_cases() + rnn_cases() + other_cases()
    print(json.dumps({"torch": torch.__version__, "cases": cases}))


if __name__ == "__main__":
    main()
