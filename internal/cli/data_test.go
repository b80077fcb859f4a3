package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/datasets"
	"github.com/exp-runner/exp/registry"
)

// writeBlobsCSV writes n rows of a three-class problem (two numeric
// features and a category) to dir/name, sorted by class so that only a
// shuffled split sees every class.
func writeBlobsCSV(t *testing.T, dir, name string, n int) string {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	rows := make([][]string, 3)
	for i := range n {
		a, b := r.NormFloat64(), r.NormFloat64()
		cls := 0
		switch {
		case a+b > 0.5:
			cls = 0
		case a-b > 0:
			cls = 1
		default:
			cls = 2
		}
		col := []string{"red", "green", "blue"}[i%3]
		rows[cls] = append(rows[cls], fmt.Sprintf("%.4f,%.4f,%s,%s", a, b, col, []string{"setosa", "versicolor", "virginica"}[cls]))
	}
	var sb strings.Builder
	sb.WriteString("a,b,colour,species\n")
	for _, rs := range rows {
		for _, r := range rs {
			sb.WriteString(r + "\n")
		}
	}
	return writeFile(t, dir, name, sb.String())
}

// TestCSVClassification validates and trains a config on a generated CSV
// next to it (run from another folder: the path resolves against the
// config's folder), and checks what the store holds and exp show prints.
func TestCSVClassification(t *testing.T) {
	dir := t.TempDir()
	writeBlobsCSV(t, dir, "blobs.csv", 600)
	cfg := writeFile(t, dir, "blobs.yaml", `
data:
  dataset: csv
  path: blobs.csv
  target: species
  validation_split: 0.2
model:
  layers:
    - {type: dense, units: 16, activation: relu}
    - {type: dense, units: 3, activation: softmax}
train:
  learning_rate: 0.01
  batch_size: 16
  epochs: 8
`)
	t.Chdir(t.TempDir())
	code, out, errOut := run(t, nil, "validate", cfg)
	if code != ExitOK {
		t.Fatalf("validate: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"479 training, 121 validation examples", "features (3, 5 inputs): a, b, colour (3 categories)",
		`task: classification of "species"`, "classes (3, training counts): setosa (", `Model: "blobs"`} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	db := filepath.Join(dir, "runs.db")
	if code, out, errOut := run(t, nil, "run", cfg, "--db", db); code != ExitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	eps, runs := sweepEpochs(t, db)
	last := eps[1][len(eps[1])-1]
	if last.valAcc < 0.9 {
		t.Errorf("val_accuracy %.3f after 8 epochs, want ≥ 0.9", last.valAcc)
	}
	r := runs[1]
	if len(r.DataHash) != 64 || !strings.Contains(r.Preprocessing, `"virginica"`) || !strings.Contains(r.Preprocessing, `"mean"`) {
		t.Errorf("stored data hash %q, preprocessing %s", r.DataHash, r.Preprocessing)
	}
	_, show, _ := run(t, nil, "show", "1", "--db", db)
	if !strings.Contains(show, "preprocessing:") || !strings.Contains(show, `"colour"`) || !strings.Contains(show, "data hash: "+r.DataHash) {
		t.Errorf("exp show:\n%s", show)
	}
}

// TestCSVRegression trains on y = 2a - 3b + 1 + noise with the loss left
// out: a regression dataset defaults it to mse.
func TestCSVRegression(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(3, 4))
	var sb strings.Builder
	sb.WriteString("a,b,y\n")
	for range 500 {
		a, b := r.NormFloat64(), r.NormFloat64()
		fmt.Fprintf(&sb, "%.4f,%.4f,%.4f\n", a, b, 2*a-3*b+1+0.1*r.NormFloat64())
	}
	writeFile(t, dir, "lin.csv", sb.String())
	cfg := writeFile(t, dir, "lin.yaml", `
data: {dataset: csv, path: lin.csv, target: y, validation_split: 0.2}
model:
  layers: [{type: dense, units: 1}]
train: {learning_rate: 0.05, batch_size: 16, epochs: 10}
`)
	code, out, errOut := run(t, nil, "validate", cfg)
	if code != ExitOK || !strings.Contains(out, `task: regression of "y"`) {
		t.Fatalf("validate: exit %d\n%s\n%s", code, out, errOut)
	}
	db := filepath.Join(dir, "runs.db")
	if code, out, errOut := run(t, nil, "run", cfg, "--db", db); code != ExitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	eps, runs := sweepEpochs(t, db)
	if !strings.Contains(runs[1].ConfigYAML, "loss: mse") {
		t.Errorf("the loss did not default to mse:\n%s", runs[1].ConfigYAML)
	}
	// The targets are kept as written: an MSE near the noise's 0.01 means
	// the weights were learnt.
	if last := eps[1][len(eps[1])-1]; last.valLoss > 0.1 {
		t.Errorf("val_loss (mse) %.4f after 10 epochs, want ≤ 0.1", last.valLoss)
	}
}

// TestFileDataMatchesMNIST is the strongest check of the file datasets: the
// first 2,000 training and 500 test images of MNIST, written out as PNG
// folders with labels CSVs in MNIST's order and as npz archives, train the
// reference MLP for one epoch to bit-identical metrics with the built-in
// mnist loader on the same slice.
func TestFileDataMatchesMNIST(t *testing.T) {
	const nTrain, nVal = 2000, 500
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := datasets.ExportMNIST(ctx, "", "png", filepath.Join(dir, "png"), nTrain); err != nil {
		t.Fatal(err)
	}
	truncateLines(t, filepath.Join(dir, "png", "test", "labels.csv"), nVal+1)
	m := &datasets.MNIST{}
	set, err := m.Load(ctx, registry.DataEnv{})
	if err != nil {
		t.Fatal(err)
	}
	writeMNISTNpz(t, filepath.Join(dir, "train.npz"), set.Train.Head(nTrain))
	writeMNISTNpz(t, filepath.Join(dir, "val.npz"), set.Val.Head(nVal))

	common := []string{"--epochs", "1", "--set", "train.learning_rate=3e-3"}
	configs := map[string][]string{
		"mnist": {"--set", "data.train_examples=2000", "--set", "data.val_examples=500"},
		"images": {"--set", "data.dataset=images", "--set", "data.labels=" + filepath.Join(dir, "png", "train", "labels.csv"),
			"--set", "data.val_path=" + filepath.Join(dir, "png", "test", "labels.csv")},
		"npz": {"--set", "data.dataset=npz", "--set", "data.path=" + filepath.Join(dir, "train.npz"),
			"--set", "data.val_path=" + filepath.Join(dir, "val.npz")},
	}
	got := map[string][]epochRow{}
	for name, sets := range configs {
		db := filepath.Join(dir, name+".db")
		args := append(append([]string{"run", "../../configs/mlp.yaml", "--db", db}, common...), sets...)
		if code, out, errOut := run(t, nil, args...); code != ExitOK {
			t.Fatalf("%s: exit %d\n%s\n%s", name, code, out, errOut)
		}
		eps, _ := sweepEpochs(t, db)
		got[name] = eps[1]
	}
	if len(got["mnist"]) != 1 || got["mnist"][0].valAcc < 0.8 {
		t.Fatalf("mnist: %+v", got["mnist"])
	}
	for _, name := range []string{"images", "npz"} {
		if !reflect.DeepEqual(got[name], got["mnist"]) {
			t.Errorf("%s: %+v, mnist: %+v", name, got[name], got["mnist"])
		}
	}
}

// truncateLines keeps the first n lines of the file at path.
func truncateLines(t *testing.T, path string, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if err := os.WriteFile(path, []byte(strings.Join(lines[:n], "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// npyBytes encodes a .npy (version 1.0) array.
func npyBytes(descr string, shape []int, data []byte) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, sh)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

// writeNpz writes the named arrays as an .npz archive.
func writeNpz(t *testing.T, path string, members map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range members {
		w, err := zw.Create(name + ".npy")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeMNISTNpz writes MNIST examples as x (N, 28, 28) uint8 and y int64.
func writeMNISTNpz(t *testing.T, path string, ex *registry.Examples) {
	t.Helper()
	y := make([]byte, 8*ex.N)
	for i, l := range ex.Labels {
		binary.LittleEndian.PutUint64(y[8*i:], uint64(l))
	}
	writeNpz(t, path, map[string][]byte{
		"x": npyBytes("|u1", []int{ex.N, 28, 28}, ex.Pixels),
		"y": npyBytes("<i8", []int{ex.N}, y),
	})
}

// writePNG writes a w×h grey image whose pixels are v.
func writePNG(t *testing.T, path string, w, h int, v uint8) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDataErrors checks that each kind of bad data is reported by exp
// validate before anything trains: exit 2, a message naming the file.
func TestDataErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "empty.csv", "")
	writeFile(t, dir, "ok.csv", "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n")
	writeFile(t, dir, "ragged.csv", "a,b,label\n1,2,x\n3,y\n")
	writeFile(t, dir, "nan.csv", "a,b,label\n"+strings.Repeat("1,2,x\n3,4,y\n", 6)+"3,n/a,y\n5,6,x\n")
	writeFile(t, dir, "one.csv", "a,label\n1,x\n2,x\n3,x\n")
	writeFile(t, dir, "rare.csv", "a,label\n1,x\n2,x\n3,x\n4,x\n5,y\n")
	writeFile(t, dir, "noheader.csv", "1,2,3\n4,5,6\n")
	os.MkdirAll(filepath.Join(dir, "flat"), 0o755)
	writePNG(t, filepath.Join(dir, "flat", "a.png"), 4, 4, 1)
	writePNG(t, filepath.Join(dir, "sizes", "a", "1.png"), 4, 4, 1)
	writePNG(t, filepath.Join(dir, "sizes", "b", "2.png"), 5, 4, 1)
	writePNG(t, filepath.Join(dir, "corrupt", "a", "1.png"), 4, 4, 1)
	writePNG(t, filepath.Join(dir, "corrupt", "b", "2.png"), 4, 4, 1)
	writeFile(t, filepath.Join(dir, "corrupt", "b"), "2.png", "not a png")
	writePNG(t, filepath.Join(dir, "lab", "1.png"), 4, 4, 1)
	writeFile(t, dir, "lab/labels.csv", "file,label\n1.png,a\n2.png,b\n")
	writeNpz(t, filepath.Join(dir, "xz.npz"), map[string][]byte{"x": npyBytes("<f4", []int{3, 1}, make([]byte, 12))})
	writeNpz(t, filepath.Join(dir, "len.npz"), map[string][]byte{
		"x": npyBytes("<f4", []int{3, 1}, make([]byte, 12)), "y": npyBytes("<i8", []int{2}, make([]byte, 16))})
	model := "\nmodel: {layers: [{type: flatten}, {type: dense, units: 2, activation: softmax}]}\n"
	for _, tt := range []struct{ name, data, want string }{
		{"missing file", "{dataset: csv, path: nope.csv, target: label}", "nope.csv does not exist"},
		{"empty csv", "{dataset: csv, path: empty.csv, target: label}", "empty.csv: the file is empty"},
		{"no header", "{dataset: csv, path: noheader.csv, target: label}", "noheader.csv:1: no header"},
		{"target missing", "{dataset: csv, path: ok.csv, target: lable}", `did you mean "label"`},
		{"ragged row", "{dataset: csv, path: ragged.csv, target: label}", "ragged.csv:3"},
		{"not a number", "{dataset: csv, path: nan.csv, target: label}", `nan.csv:14: column "b": "n/a" is not a number`},
		{"one class", "{dataset: csv, path: one.csv, target: label, task: classification}", "one.csv: column \"label\": classification needs at least 2 classes"},
		{"rare class", "{dataset: csv, path: rare.csv, target: label, validation_split: 0.5}", "rare.csv: column \"label\": class \"y\" has 1 example"},
		{"no class folders", "{dataset: images, path: flat}", "flat: no images found"},
		{"no images", "{dataset: images, path: nothing}", "nothing does not exist"},
		{"labels name a missing file", "{dataset: images, labels: lab/labels.csv}", "labels.csv:3: " + filepath.Join(dir, "lab", "2.png") + " does not exist"},
		{"corrupt image", "{dataset: images, path: corrupt}", "2.png: cannot decode image"},
		{"sizes differ", "{dataset: images, path: sizes}", "image_size"},
		{"npz lacks y", "{dataset: npz, path: xz.npz}", "xz.npz: no array \"y\""},
		{"x and y lengths", "{dataset: npz, path: len.npz}", "len.npz:y has 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeFile(t, dir, strings.ReplaceAll(tt.name, " ", "_")+".yaml", "data: "+tt.data+model)
			code, out, errOut := run(t, nil, "validate", cfg)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) || !strings.Contains(errOut, cfg+":") {
				t.Errorf("exit %d, want %d, with %q at the config's data key:\n%s%s", code, ExitUsage, tt.want, out, errOut)
			}
		})
	}
}

// TestExampleDataConfigs validates the example configs of a user's files
// from another folder: their paths resolve against configs/. A path given
// with --set resolves against the working directory instead.
func TestExampleDataConfigs(t *testing.T) {
	configs, err := filepath.Abs("../../configs")
	if err != nil {
		t.Fatal(err)
	}
	cwd := t.TempDir()
	t.Chdir(cwd)
	for name, want := range map[string]string{
		"csv-iris":     "classes (3, training counts): setosa (40), versicolor (40), virginica (40)",
		"csv-diabetes": `task: regression of "progression"`,
		"npz-digits":   "1438 training, 359 validation examples",
	} {
		code, out, errOut := run(t, nil, "validate", filepath.Join(configs, name+".yaml"))
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, want %q:\n%s%s", name, code, want, out, errOut)
		}
	}
	writeBlobsCSV(t, cwd, "here.csv", 60)
	code, out, errOut := run(t, nil, "validate", filepath.Join(configs, "csv-iris.yaml"),
		"--set", "data.path=here.csv", "--set", "data.target=species", "--set", "data.val_path=missing.csv", "--set", "data.validation_split=0")
	if code != ExitUsage || !strings.Contains(errOut, filepath.Join(cwd, "missing.csv")+" does not exist") {
		t.Errorf("--set paths: exit %d:\n%s%s", code, out, errOut)
	}
}
