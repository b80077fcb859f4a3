#!/usr/bin/python3
"""PyTorch twin of BenchmarkRNNTrainStep (internal/layers/rnn_test.go).

One Adam step (lr 1e-3, epsilon 1e-7) of MNIST's rows as a sequence: batch 32,
28 timesteps of 28 features, an LSTM (or GRU) of 64 units, its last output
into a dense layer of 10 classes, softmax cross-entropy; random inputs.
Prints ms/step over --steps steps after --warmup steps.

  /usr/bin/python3 internal/layers/testdata/rnn_bench.py
  OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 internal/layers/testdata/rnn_bench.py
"""
import argparse
import time

import torch


class Net(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(28, 64, batch_first=True)
        self.dense = torch.nn.Linear(64, 10)

    def forward(self, x):
        return self.dense(self.rnn(x)[0][:, -1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x, y = torch.rand(32, 28, 28), torch.randint(0, 10, (32,))
    for kind in ("lstm", "gru"):
        net = Net(kind)
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
        print(f"{kind}: {ms:.3f} ms/step (torch {torch.__version__}, {torch.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
