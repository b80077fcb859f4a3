package datasets

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/registry"
)

func idxBytes(magic byte, dims []uint32, data []byte) []byte {
	b := []byte{0, 0, 8, magic}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return append(b, data...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestReadIDX(t *testing.T) {
	dir := t.TempDir()
	good := idxBytes(3, []uint32{2, 2, 3}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	for _, tt := range []struct {
		name    string
		content []byte
		wantErr string
	}{
		{"good", good, ""},
		{"good.gz", gz(good), ""},
		{"truncated", good[:19], "truncated: header [2 2 3] promises 12 bytes of data, found 3"},
		{"truncated.gz", gz(good[:20]), "truncated: header [2 2 3] promises 12 bytes of data, found 4"},
		{"short-header", good[:6], "truncated idx header"},
		{"extra", append(append([]byte{}, good...), 0), "corrupt: more data than the header [2 2 3] promises"},
		{"magic", append([]byte{1, 2}, good[2:]...), "not an idx file (magic number 0x01020803)"},
		{"float", append([]byte{0, 0, 0x0d}, good[3:]...), "idx data type 0x0d is not unsigned bytes"},
		{"notgzip.gz", good, "not a valid gzip file"},
		{"corruptgzip.gz", append(gz(good)[:20], make([]byte, 30)...), ""},
		// Headers promising 2 GiB: refused from the file's size, or read
		// as the gzip stream delivers, never allocated whole.
		{"bomb", idxBytes(3, []uint32{2, 1 << 15, 1 << 15}, []byte{1, 2}), "truncated: header [2 32768 32768] promises 2147483648 bytes of data, found 2"},
		{"bomb.gz", gz(idxBytes(3, []uint32{2, 1 << 15, 1 << 15}, []byte{1, 2})), "truncated: header [2 32768 32768] promises 2147483648 bytes of data, found 2"},
	} {
		path := filepath.Join(dir, tt.name)
		if err := os.WriteFile(path, tt.content, 0o644); err != nil {
			t.Fatal(err)
		}
		idx, err := ReadIDX(context.Background(), path, 0)
		switch {
		case tt.name == "corruptgzip.gz":
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: error %v, want one naming the file", tt.name, err)
			}
		case tt.wantErr == "":
			if err != nil || len(idx.Data) != 12 || idx.Dims[2] != 3 || idx.Data[11] != 12 {
				t.Errorf("%s: %v %v", tt.name, idx, err)
			}
		default:
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("%s: error %v, want %q after the path", tt.name, err, tt.wantErr)
			}
		}
	}
}

// TestReadIDXLimit: data larger than the limit is refused from the
// header, naming the file.
func TestReadIDXLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	os.WriteFile(path, idxBytes(3, []uint32{1000, 28, 28}, make([]byte, 784000)), 0o644)
	_, err := ReadIDX(context.Background(), path, 1000)
	if err == nil || err.Error() != path+": the data (dimensions [1000 28 28]) holds 784 KB, more than 1.0 KB, the most this machine's memory allows reading" {
		t.Errorf("error %v", err)
	}
}

func TestMNIST(t *testing.T) {
	if _, err := FindMNIST(""); err != nil {
		t.Fatalf("MNIST is not in the module cache, which the build brings: %v", err)
	}
	// Decoded from the idx files, then read back from the decoded cache.
	isolateCache(t)
	decoded, err := (&MNIST{}).Load(context.Background(), registry.DataEnv{})
	if err != nil {
		t.Fatal(err)
	}
	forgetMapped()
	set, err := (&MNIST{}).Load(context.Background(), registry.DataEnv{})
	if err != nil {
		t.Fatal(err)
	}
	if !sameData(decoded, set) {
		t.Fatal("MNIST read from the decoded cache differs from the idx files")
	}
	if set.Train.N != 60000 || set.Val.N != 10000 || set.ExampleSize() != 784 {
		t.Fatalf("sizes %d / %d, example %d", set.Train.N, set.Val.N, set.ExampleSize())
	}
	var counts [10]int
	var maxPix float32
	for _, l := range set.Train.Labels {
		counts[l]++
	}
	if set.Train.X != nil || len(set.Train.Pixels) != 60000*784 {
		t.Fatalf("training inputs: %d floats, %d bytes; want the bytes only", len(set.Train.X), len(set.Train.Pixels))
	}
	idx := make([]int, 100)
	for i := range idx {
		idx[i] = i
	}
	x, labels := make([]float32, 100*784), make([]int32, 100)
	set.Train.Gather(idx, x, labels, nil)
	for _, v := range x {
		maxPix = max(maxPix, v)
	}
	// Known facts about MNIST: 5923 zeros and 6742 ones in training; the
	// first training label is a 5; pixels scaled to [0, 1].
	if counts[0] != 5923 || counts[1] != 6742 || set.Train.Labels[0] != 5 || maxPix != 1 {
		t.Errorf("counts %v, first label %d, max pixel %v", counts, set.Train.Labels[0], maxPix)
	}
}

func TestMNISTMissing(t *testing.T) {
	t.Setenv(EnvData, t.TempDir())
	_, err := (&MNIST{}).Load(context.Background(), registry.DataEnv{})
	var le *LoadError
	if err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte(.gz) not found") {
		t.Errorf("error %v", err)
	}
	if !asLoadError(err, &le) {
		t.Errorf("%T is not a *LoadError", err)
	}
}

func asLoadError(err error, le **LoadError) bool {
	e, ok := err.(*LoadError)
	*le = e
	return ok
}

func TestLinear(t *testing.T) {
	l := &Linear{W: 3, B: 2, N: 10000, Noise: 1}
	set, err := l.Load(context.Background(), registry.DataEnv{})
	if err != nil {
		t.Fatal(err)
	}
	w, b := set.Meta["ols_w"], set.Meta["ols_b"]
	// With 10k points and unit noise the fit is within a few hundredths.
	if w < 2.9 || w > 3.1 || b < 1.95 || b > 2.05 {
		t.Errorf("least squares w=%g b=%g, want near 3, 2", w, b)
	}
	for _, x := range set.Train.X {
		if x < -1 || x >= 1 {
			t.Fatalf("x = %g outside [-1, 1)", x)
		}
	}
	again, _ := l.Load(context.Background(), registry.DataEnv{})
	if again.Train.Targets[123] != set.Train.Targets[123] {
		t.Error("same seed gave different data")
	}
}
