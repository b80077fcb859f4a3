# exp — see README.md.
GO ?= go
BIN := bin/exp
DB ?= runs.db

.PHONY: build setup run test bench bench-search bench-restart load fuzz clean

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

# What starting and restarting trials costs: a 1-step MNIST trial's wall
# time (exp run with its trial process, median of 5 after a warm-up), and an
# 8-trial × 3-epoch sweep with --jobs 2 killed with SIGKILL 8 times at
# seeded random moments against the same sweep uninterrupted (5 rounds).
bench-restart: build
	$(GO) run ./internal/bench/killloop -exe $(BIN) -start
	$(GO) run ./internal/bench/killloop -exe $(BIN) -rounds 5

# exp serve under load: 1,000 runs × 100 epochs in one SQLite file, 50
# clients polling a sweep's JSON once a second on 127.0.0.1 and a writer
# committing epochs, for EXP_LOAD_SECONDS (default 30); prints latency
# percentiles and errors.
load:
	$(GO) test ./internal/serve -run '^$$' -bench BenchmarkLoad -benchtime 1x -timeout 15m

fuzz:
	$(GO) test ./internal/config -run XXX -fuzz FuzzParse -fuzztime 60s

clean:
	rm -rf bin
