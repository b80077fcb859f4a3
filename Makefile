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

# Benchmarks (the speed issue fills this in).
bench:
	$(GO) test -run XXX -bench . ./...

fuzz:
	$(GO) test ./config -run XXX -fuzz FuzzParse -fuzztime 60s

clean:
	rm -rf bin
