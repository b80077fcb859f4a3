package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/gomlx/gomlx/backends"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/datasets"
	"github.com/exp-runner/exp/internal/fileout"
)

// pythons are the interpreters FindTorch tries after $EXP_PYTHON, in order.
var pythons = []string{"/usr/bin/python3", "python3"}

// FindTorch sets up the PyTorch side of o: the first of envPython (from
// $EXP_PYTHON, "" for none), /usr/bin/python3 and python3 that can import
// torch, the peer script, and the MNIST files it reads. When the script is missing or no
// python imports torch, it leaves o without PyTorch and returns why; an
// error means the MNIST files cannot be found.
func FindTorch(o *Options, script, envPython string) (off string, err error) {
	if _, err := os.Stat(script); err != nil {
		return fmt.Sprintf("%s not found", script), nil
	}
	python := ""
	for _, p := range append([]string{envPython}, pythons...) {
		if p != "" && TorchAvailable(p) {
			python = p
			break
		}
	}
	if python == "" {
		return "python3 cannot import torch (Debian: apt-get install python3-torch)", nil
	}
	dir, err := datasets.FindMNIST("")
	if err != nil {
		return "", err
	}
	o.Python, o.Script, o.DataDir = python, script, dir
	return "", nil
}

// ConfigBackend returns the backend configDir's config of model names, or
// "go" if it cannot be read.
func ConfigBackend(configDir, model string) string {
	cfg, err := config.Load(filepath.Join(configDir, model+".yaml"), nil)
	if err != nil {
		return "go" // Run reports the unreadable config when it measures it
	}
	return cfg.Backend
}

// WriteCase measures case c in this process (see Measure) and writes the
// result to w as JSON: what a child of Run prints. A non-empty cpuprofile
// is the file to write a CPU profile of the measurement to.
func WriteCase(ctx context.Context, w io.Writer, c Case, configDir, backend string, steps int, cpuprofile string, newBackend func(string) (backends.Backend, error)) (err error) {
	if cpuprofile != "" {
		f, err := fileout.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer func() { // after StopCPUProfile: the profile is complete, or abandoned
			if err != nil {
				f.Abort()
			} else {
				err = f.Close()
			}
		}()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	r, err := Measure(ctx, c, configDir, backend, steps, newBackend)
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(r)
}

// Compare runs o (see Run) and prints the table, and the rows as JSON too
// with asJSON.
func Compare(ctx context.Context, w io.Writer, o Options, asJSON bool) error {
	rows, err := Run(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "exp backend %s, %d steps per epoch, best of %d round(s):\n", o.Backend, o.Steps, o.Rounds)
	if err := WriteTable(w, rows, o.Python != ""); err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(w).Encode(rows)
	}
	return nil
}
