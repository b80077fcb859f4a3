package onnx

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"

	ox "github.com/gomlx/onnx-gomlx/onnx"

	"github.com/exp-runner/exp/internal/infile"
	"github.com/exp-runner/exp/internal/meminfo"
)

// Model is an ONNX file read into memory, its external data included: the
// graph, its weights, and what exp needs to know about its one input.
//
// A Model holds the file's weights for its lifetime (Build copies them into
// variables the first time); its methods may be called from one goroutine at
// a time.
type Model struct {
	mu       sync.Mutex // Build and Summarize lend the onnx-gomlx model's inputs to delegate
	path     string     // as given to Open, used in error messages
	ox       *ox.Model
	opset    int
	producer string

	input  tensorInfo // the graph's one data input
	nodes  []*node    // in file order
	byOut  map[string]*node
	inits  map[string]*initializer
	output []string        // the graph's outputs
	consts map[string]bool // initializers used only where a static value is needed
	stats  map[string]bool // initializers used only as BatchNormalization statistics
	// storage is how a weight's variable is laid out, when not as in the
	// file: convolution kernels are stored [k..., in, out].
	storage map[string][]int
	// dataFiles are the external data files read, relative to the model's
	// folder, sorted.
	dataFiles []string
}

// DataFiles returns the external data files the model's weights were read
// from, relative to the model file's folder, sorted (none for a model
// whose weights are in the file).
func (m *Model) DataFiles() []string { return append([]string(nil), m.dataFiles...) }

// ErrTooLarge is wrapped by Open's error for a file that, with its
// external data, holds more than the bytes allowed.
var ErrTooLarge = errors.New("too large")

// Path returns the file's path as given to Open.
func (m *Model) Path() string { return m.path }

// Opset returns the version of the default ONNX operator set the graph uses.
func (m *Model) Opset() int { return m.opset }

// Outputs returns the names of the graph's outputs.
func (m *Model) Outputs() []string { return append([]string(nil), m.output...) }

// Open reads an ONNX file and the external data files it names, refusing
// them before reading when together they are larger than maxBytes (0: no
// limit). A missing, truncated or non-ONNX file, a missing data file, or a
// graph without exactly one data input is an error naming the file.
func Open(path string, maxBytes int64) (*Model, error) {
	if err := infile.CheckRegular(path); err != nil {
		return nil, err // a FIFO or a device has no size to check before reading
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, infile.Explain(path, err)
	}
	if maxBytes > 0 && info.Size() > maxBytes {
		return nil, fmt.Errorf("%s: the file is %s, more than the %s allowed: %w", path, meminfo.Binary(info.Size()), meminfo.Binary(maxBytes), ErrTooLarge)
	}
	contents, err := readAll(path, info.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// onnx-gomlx's Parse dereferences the graph, inputs and outputs without
	// checking them: a message without them (any byte string parses as
	// some message) makes it panic.
	var om *ox.Model
	if perr := tryCatch(func() { om, err = ox.Parse(contents) }); perr != nil {
		return nil, fmt.Errorf("%s: not an ONNX model (truncated or not ONNX)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable ONNX model (truncated or not ONNX): %v", path, unwrapAll(err))
	}
	m := &Model{path: path, ox: om}
	if err := m.checkHeader(); err != nil {
		return nil, err
	}
	if err := m.loadExternal(info.Size(), maxBytes); err != nil {
		return nil, err
	}
	if err := m.load(); err != nil {
		return nil, err
	}
	return m, nil
}

// readAll reads the file of the given size.
func readAll(path string, size int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() // read-only: a close error loses nothing
	buf := make([]byte, size)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	return buf, nil
}

// unwrapAll returns the innermost error's text (onnx-gomlx wraps with stack
// traces that would clutter the message).
func unwrapAll(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// checkHeader rejects protobuf messages that parse but are not ONNX models
// (any byte string parses as some message) and files cut short after the
// graph (PyTorch writes the opset after it).
func (m *Model) checkHeader() error {
	p := &m.ox.Proto
	if p.IrVersion <= 0 || p.Graph == nil || len(p.Graph.Node) == 0 || len(p.Graph.Output) == 0 {
		return fmt.Errorf("%s: not an ONNX model (no graph, nodes or outputs; truncated or not ONNX)", m.path)
	}
	for _, o := range p.OpsetImport {
		if o.Domain == "" || o.Domain == "ai.onnx" {
			m.opset = int(o.Version)
		}
	}
	if m.opset == 0 {
		return fmt.Errorf("%s: no ONNX operator set version (truncated or not ONNX)", m.path)
	}
	if m.opset < minOpset {
		return fmt.Errorf("%s: opset %d is older than %d, the oldest exp converts: export again with opset_version=13 or later", m.path, m.opset, minOpset)
	}
	if len(p.Functions) > 0 {
		return fmt.Errorf("%s: the model defines ONNX functions, which exp does not convert", m.path)
	}
	if len(p.Graph.SparseInitializer) > 0 {
		return fmt.Errorf("%s: the model has sparse initializers, which exp does not convert", m.path)
	}
	m.producer = p.ProducerName
	if p.ProducerVersion != "" {
		m.producer += " " + p.ProducerVersion
	}
	return nil
}

// minOpset is the oldest operator set the converter accepts: the op
// semantics it implements are those of opset 11 and later.
const minOpset = 11

// externalRef is where one initializer's data lies in a data file.
type externalRef struct {
	file           string
	offset, length int64
}

// loadExternal reads the initializers stored in external data files into
// the model, after checking that the files exist, lie in the model's folder
// and, with the model file's own size, hold at most maxBytes (0: no limit).
func (m *Model) loadExternal(fileSize, maxBytes int64) error {
	var total int64
	refs := map[int]externalRef{}
	files := map[string]bool{}
	for i, t := range m.ox.Proto.Graph.Initializer {
		if t.DataLocation != 1 { // EXTERNAL
			continue
		}
		entries := map[string]string{}
		for _, kv := range t.ExternalData {
			entries[kv.Key] = kv.Value
		}
		ref, err := m.externalRef(entries)
		if err != nil {
			return fmt.Errorf("%s: tensor %q: %w", m.path, t.Name, err)
		}
		total += ref.length
		refs[i] = ref
		files[filepath.Clean(entries["location"])] = true
	}
	if len(refs) == 0 {
		return nil
	}
	for f := range files {
		m.dataFiles = append(m.dataFiles, f)
	}
	sort.Strings(m.dataFiles)
	if maxBytes > 0 && fileSize+total > maxBytes {
		return fmt.Errorf("%s: the model and its external data are %s, more than the %s allowed: %w",
			m.path, meminfo.Binary(fileSize+total), meminfo.Binary(maxBytes), ErrTooLarge)
	}
	for i, ref := range refs {
		t := m.ox.Proto.Graph.Initializer[i]
		data, err := readAt(ref)
		if err != nil {
			return fmt.Errorf("%s: tensor %q: external data file %s: %w", m.path, t.Name, ref.file, err)
		}
		t.RawData, t.ExternalData, t.DataLocation = data, nil, 0
	}
	return nil
}

// externalRef checks one tensor's external_data entries (location, offset,
// length) against the data file, without reading it.
func (m *Model) externalRef(entries map[string]string) (externalRef, error) {
	ref := externalRef{file: entries["location"], length: -1}
	for _, key := range []string{"offset", "length"} {
		v, ok := entries[key]
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return ref, fmt.Errorf("external data %s %q is not a size", key, v)
		}
		if key == "offset" {
			ref.offset = n
		} else {
			ref.length = n
		}
	}
	if ref.file == "" || !filepath.IsLocal(ref.file) {
		return ref, fmt.Errorf("external data location %q must be a file in the model's folder", ref.file)
	}
	ref.file = filepath.Join(filepath.Dir(m.path), ref.file)
	if err := infile.CheckRegular(ref.file); err != nil {
		return ref, fmt.Errorf("external data file %w", err)
	}
	st, err := os.Stat(ref.file)
	if err != nil {
		return ref, fmt.Errorf("external data file %w", infile.Explain(ref.file, err))
	}
	if ref.length < 0 {
		ref.length = st.Size() - ref.offset
	}
	if ref.offset+ref.length > st.Size() {
		return ref, fmt.Errorf("external data file %s holds %d bytes, fewer than offset %d + length %d (truncated?)",
			ref.file, st.Size(), ref.offset, ref.length)
	}
	return ref, nil
}

// readAt reads one external tensor's bytes.
func readAt(ref externalRef) ([]byte, error) {
	f, err := os.Open(ref.file)
	if err != nil {
		return nil, err
	}
	defer f.Close() // read-only
	buf := make([]byte, ref.length)
	if _, err := f.ReadAt(buf, ref.offset); err != nil {
		return nil, err
	}
	return buf, nil
}
