# exp — see README.md.
GO ?= go
BIN := bin/exp
DB ?= runs.db

.PHONY: build run test bench fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/exp

# The main job: train the reference MLP for a few epochs and compare runs.
run: build
	./$(BIN) run configs/mlp.yaml --epochs 5 --db $(DB)
	./$(BIN) table --db $(DB)

test:
	$(GO) vet ./...
	$(GO) test ./...

# Training and evaluation speed of the reference models, side by side with
# PyTorch when python3 can import torch (apt-get install python3-torch).
BENCH_FLAGS ?=
bench: build
	./$(BIN) bench $(BENCH_FLAGS)

fuzz:
	$(GO) test ./config -run XXX -fuzz FuzzParse -fuzztime 60s

clean:
	rm -rf bin
