package config_test

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/datasets"
	"github.com/exp-runner/exp/internal/plan"
)

var update = flag.Bool("update", false, "rewrite testdata/config_hashes.golden (only when a hash is meant to change)")

// lstmEmbedding is a text-style model of the layers that gain keys for text
// (embedding: mask_zero; lstm, gru: bidirectional) or read a mask (the
// 1-D global poolings), written without the new keys.
const lstmEmbedding = `
data: {dataset: mnist}
model:
  layers:
    - {type: reshape, shape: [784]}
    - {type: embedding, input_dim: 256, output_dim: 16}
    - {type: lstm, units: 8, return_sequences: true}
    - {type: gru, units: 8, return_sequences: true}
    - {name: max, type: globalmaxpool1d}
    - {name: avg, type: globalavgpool1d, inputs: [gru]}
    - {type: concat, inputs: [max, avg]}
    - {type: dense, units: 10, activation: softmax}
train: {optimizer: adam, learning_rate: 0.001, epochs: 2}
`

// TestConfigHashesPinned pins the config_hash of every trial of every
// configs/*.yaml, and of an embedding + lstm + gru config, as they were
// before the text keys (mask_zero, bidirectional, …) existed: a new key left
// at its default must not change the hash of a config that does not name it,
// or runs recorded before would no longer match their configs. The golden
// file is not meant to be regenerated: a config added to configs/ adds its
// line, and any other difference is a bug in a new key. The text configs'
// lines pin data.text and an embedding whose input_dim the vocabulary sets
// (left out of the hash).
func TestConfigHashesPinned(t *testing.T) {
	files, err := filepath.Glob("../../configs/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no configs: %v", err)
	}
	var got strings.Builder
	for _, f := range files {
		name := filepath.Base(f)
		switch name {
		case "images-mnist.yaml":
			f = imagesMNIST(t, f)
		case "transfer-mnist.yaml":
			f = transferMNIST(t, f)
		}
		p, err := plan.Load(f, nil, plan.Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tr := range p.Trials {
			fmt.Fprintf(&got, "%s#%d %s\n", name, tr.Index, tr.Config.Hash())
		}
	}
	c, err := config.Parse("lstm-embedding.yaml", []byte(lstmEmbedding), nil)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&got, "lstm-embedding.yaml %s\n", c.Hash())
	const golden = "testdata/config_hashes.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("config hashes moved:\n got:\n%s\nwant:\n%s", got.String(), want)
	}
}

// transferMNIST copies configs/transfer-mnist.yaml into a temporary folder
// beside the files it names: its backbone, and its data written as
// exp data export writes it (the hash covers their contents).
func transferMNIST(t *testing.T, config string) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := datasets.ExportMNISTNpz(context.Background(), "", filepath.Join(dir, "data", "digits59"),
		datasets.NpzExport{Classes: []int{5, 6, 7, 8, 9}, PerClass: 20}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Base(config), filepath.Join("backbones", "mnist04.onnx")} {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(config), f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, filepath.Base(config))
}

// imagesMNIST copies configs/images-mnist.yaml into a temporary folder
// beside the files it names, written small: two 28×28 gray PNGs per split
// with their labels.csv (the hash covers their contents, not their paths).
func imagesMNIST(t *testing.T, config string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	for _, split := range []string{"train", "test"} {
		d := filepath.Join(dir, "data", "mnist-png", split)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		labels := "file,label\n"
		for k := range 2 {
			img := image.NewGray(image.Rect(0, 0, 28, 28))
			for i := range img.Pix {
				img.Pix[i] = uint8(i*7 + k*31)
			}
			file := fmt.Sprintf("%d.png", k)
			out, err := os.Create(filepath.Join(d, file))
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(out, img); err != nil {
				t.Fatal(err)
			}
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}
			labels += fmt.Sprintf("%s,%d\n", file, k)
		}
		if err := os.WriteFile(filepath.Join(d, "labels.csv"), []byte(labels), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, filepath.Base(config))
	if err := os.WriteFile(out, src, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
