package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFindTorchOff: without the peer script, or without a python that can
// import torch, the comparison is off with the reason, and o keeps no
// PyTorch settings.
func TestFindTorchOff(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "torch_mnist.py")
	saved := pythons
	defer func() { pythons = saved }()
	pythons = []string{filepath.Join(dir, "no-python")}

	var o Options
	off, err := FindTorch(&o, script, "")
	if err != nil || !strings.Contains(off, "torch_mnist.py not found") || o.Python != "" {
		t.Errorf("missing script: off %q, err %v, python %q", off, err, o.Python)
	}
	if err := os.WriteFile(script, []byte("import torch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	off, err = FindTorch(&o, script, filepath.Join(dir, "no-python-either"))
	if err != nil || !strings.Contains(off, "cannot import torch") || o.Python != "" || o.Script != "" {
		t.Errorf("no python: off %q, err %v, options %+v", off, err, o)
	}
}

func TestConfigBackendMissing(t *testing.T) {
	if got := ConfigBackend(t.TempDir(), "mlp"); got != "go" {
		t.Errorf("backend of a missing config %q, want go", got)
	}
}
