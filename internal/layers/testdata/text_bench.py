#!/usr/bin/python3
"""PyTorch twin of BenchmarkTextTrainStep (internal/layers/text_bench_test.go).

One Adam step (lr 1e-3, epsilon 1e-7), softmax cross-entropy over 10 classes,
random inputs:
  transformer: batch 32 of 128 steps × 64 features, two
      nn.TransformerEncoderLayer(64, 4, 128, dropout=0, batch_first=True)
      (post-norm, relu, as KerasHub's TransformerEncoder), the mean over the
      steps, a dense layer;
  bilstm: batch 32 of 28 steps × 28 features, nn.LSTM(28, 64,
      bidirectional=True), the last outputs of both directions
      (output[:, -1, :64] and output[:, 0, 64:]), a dense layer.
Prints ms/step over --steps steps after --warmup steps.

  /usr/bin/python3 internal/layers/testdata/text_bench.py
  OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 internal/layers/testdata/text_bench.py
"""
import argparse
import time

import torch


class Transformer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = torch.nn.Sequential(*[
            torch.nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True) for _ in range(2)])
        self.dense = torch.nn.Linear(64, 10)

    def forward(self, x):
        return self.dense(self.blocks(x).mean(1))


class BiLSTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(28, 64, batch_first=True, bidirectional=True)
        self.dense = torch.nn.Linear(128, 10)

    def forward(self, x):
        y = self.rnn(x)[0]
        return self.dense(torch.cat([y[:, -1, :64], y[:, 0, 64:]], dim=-1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave)")
    p.add_argument("--cases", default="transformer,bilstm")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name in args.cases.split(","):
        net, shape = (Transformer(), (32, 128, 64)) if name == "transformer" else (BiLSTM(), (32, 28, 28))
        net.train()
        x, y = torch.rand(*shape), torch.randint(0, 10, (32,))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss_fn(net(x), y).backward()
            opt.step()

        for _ in range(args.warmup):
            step()
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        ms = (time.perf_counter() - start) * 1000 / args.steps
        print(f"{name}: {ms:.3f} ms/step (torch {torch.__version__}, {torch.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
