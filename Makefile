# exp — see README.md.
GO ?= go
BIN := bin/exp
DB ?= runs.db

.PHONY: build setup run test bench bench-search load load-attack fuzz parity-onnx bench-onnx clean

build:
	$(GO) build -o $(BIN) ./cmd/exp

# What the fast path needs beyond Go: OpenBLAS, which the cpu backend loads
# at run time if it is there (it works without it, a little slower).
setup:
	@if ldconfig -p 2>/dev/null | grep -q libopenblas; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas0-pthread || echo "exp: could not install OpenBLAS; going on without it"; \
	elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
		sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas0-pthread || echo "exp: could not install OpenBLAS; going on without it"; \
	else echo "exp: OpenBLAS not found (Debian: apt-get install libopenblas0-pthread); going on without it"; fi

# The main job: train the reference MLP for a few epochs and compare runs.
run: setup build
	./$(BIN) run configs/mlp.yaml --epochs 5 --db $(DB) --new
	./$(BIN) table --db $(DB)

test:
	$(GO) vet ./...
	$(GO) test ./...

# Training and evaluation speed of the reference models, side by side with
# PyTorch when python3 can import torch (apt-get install python3-torch).
BENCH_FLAGS ?=
bench: build
	./$(BIN) bench $(BENCH_FLAGS)

# TPE against random search: three test functions and the reference MLP on
# 3,000 MNIST images (slow: 144 short trials).
bench-search: build
	./$(BIN) bench --search all --jobs 2

# exp serve under load: 1,000 runs × 100 epochs in one SQLite file, 50
# clients polling a sweep's JSON once a second on 127.0.0.1 and a writer
# committing epochs, for EXP_LOAD_SECONDS (default 30); prints latency
# percentiles and errors.
load:
	$(GO) test ./internal/serve -run '^$$' -bench BenchmarkLoad -benchtime 1x -timeout 15m

# The same load while attackers flood the server with ever new sort and
# group-by options and a 60 KB key path; the server runs in a child
# process and its resident memory is reported (Linux).
load-attack:
	$(GO) test ./internal/serve -run '^$$' -bench BenchmarkAttack -benchtime 1x -timeout 15m

fuzz:
	$(GO) test ./internal/config -run XXX -fuzz FuzzParse -fuzztime 60s

# Parity of ONNX backbones in exp with PyTorch: torchvision's resnet18,
# mobilenet_v2, mobilenet_v3_small, efficientnet_b0 and a TransformerEncoder,
# random weights, opsets 13 and 17, exported to a temporary folder by
# internal/onnx/testdata/make_models.py (needs python3-torch,
# python3-torchvision), then run on the cpu backend (about 1 minute).
PYTHON ?= /usr/bin/python3
parity-onnx:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	$(PYTHON) internal/onnx/testdata/make_models.py --large "$$dir" && \
	EXP_ONNX_PARITY_DIR="$$dir" $(GO) test ./internal/onnx -run '^TestParityLarge$$' -count=1 -v

# torchvision's resnet18 (ONNX_MODEL=mobilenet_v2 for that one) imported from
# ONNX, batch 8 of 224×224 images, beside PyTorch in the same run: forward;
# an Adam step of a dense head with the backbone frozen, then fully
# trainable. Two rounds of exp, PyTorch with 2 OpenMP threads, PyTorch's
# defaults. Run it on a quiet machine.
ONNX_MODEL ?= resnet18
bench-onnx:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	$(PYTHON) internal/onnx/testdata/bench_torch.py --model $(ONNX_MODEL) --export "$$dir/model.onnx" && \
	for round in 1 2; do \
	EXP_ONNX_BENCH_MODEL="$$dir/model.onnx" $(GO) test ./internal/onnx -run '^$$' -bench Backbone -benchtime 5x | grep Benchmark && \
	OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 $(PYTHON) internal/onnx/testdata/bench_torch.py --model $(ONNX_MODEL) && \
	$(PYTHON) internal/onnx/testdata/bench_torch.py --model $(ONNX_MODEL) || exit 1; done

clean:
	rm -rf bin
