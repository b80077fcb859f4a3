package exp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/exp-runner/exp"
)

// ExampleMain runs `exp validate` on a config file: it checks the file and
// prints the model's summary. An error in the file would be printed to
// standard error as FILE:LINE:COL: key.path: message, with exit code 2.
func ExampleMain() {
	dir, err := os.MkdirTemp("", "exp-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	config := filepath.Join(dir, "linear.yaml")
	err = os.WriteFile(config, []byte(`
name: linear
data: {dataset: linear, w: 3.0, b: 2.0}
model:
  layers:
    - {type: dense, units: 1}
train: {optimizer: sgd, learning_rate: 0.5, loss: mse}
`), 0o644)
	if err != nil {
		panic(err)
	}
	// Main prints the path as given; from the config's folder that is its name.
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		panic(err)
	}
	defer os.Chdir(wd)

	code := exp.Main(context.Background(), []string{"validate", "linear.yaml"})
	fmt.Println("exit code", code)
	// Output:
	// linear.yaml: ok
	// Model: "linear"
	// ──────────────────────────────────────
	// Layer (type)    Output Shape   Param #
	// ──────────────────────────────────────
	// dense (dense)   (None, 1)            2
	// ──────────────────────────────────────
	// Total params: 2
	// Trainable params: 2
	// Non-trainable params: 0
	// Memory at batch size 32: 78.6 KiB (parameters 8 B, gradients and optimizer state 8 B, activations 512 B, data 78.1 KiB)
	// exit code 0
}
