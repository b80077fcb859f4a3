package checkpoint

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/meminfo"
)

// LoadOptions say what a checkpoint must hold and how much of it to load.
// The zero value loads every variable and checks the checkpoint's own
// consistency only.
type LoadOptions struct {
	// Want maps the parameter name (GoMLX's "var:/scope/name") of each
	// variable the caller needs to its shape: each must be in the
	// checkpoint, with that shape and dtype.
	Want map[string]shapes.Shape
	// Optional maps the variables the caller takes when the checkpoint
	// has them, else reads elsewhere (the frozen weights a layer reads
	// from a file, see FileWeight), to their shapes: loaded and checked
	// as Want's, but not required.
	Optional map[string]shapes.Shape
	// Only loads the variables of Want and Optional only; the others are
	// checked and skipped without being allocated.
	Only bool
	// Finite refuses a floating-point variable holding a NaN or an
	// infinity.
	Finite bool
	// MaxBytes bounds the total size of the variables (0: the machine's
	// memory, when it can be read).
	MaxBytes int64
}

// The files of a checkpoint folder are GoMLX's pair, named after
// ckptPrefix and ending in jsonSuffix and binSuffix, and varsFile.
const (
	ckptPrefix = "checkpoint-"
	jsonSuffix = ".json"
	binSuffix  = ".bin"
)

// Limits on the checkpoint's description files, checked before reading.
const (
	maxJSONBytes = 64 << 20
	maxVarsBytes = 16 << 20
)

// gzipMaxRatio bounds how many bytes deflate can expand one byte into
// (1032:1 is its format's limit); a gzip data file declaring more is
// refused before anything is allocated.
const gzipMaxRatio = 1032

// binHeader is what GoMLX writes before a gzip-compressed data file:
// "gomlx_checkpoints", the length of the format name, then "gzip".
const binHeader = "gomlx_checkpoints\x04gzip"

// Files returns the names of the files that make up the checkpoint folder
// path (variables.json, then GoMLX's description and data files), which
// must hold exactly one checkpoint.
func Files(path string) ([]string, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var found []string
	for _, e := range entries {
		if name := e.Name(); strings.HasPrefix(name, ckptPrefix) && strings.HasSuffix(name, jsonSuffix) {
			found = append(found, name)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%s holds %d checkpoints (%s*%s files), want one", path, len(found), ckptPrefix, jsonSuffix)
	}
	base := strings.TrimSuffix(found[0], jsonSuffix)
	files := []string{varsFile, found[0], base + binSuffix}
	if _, err := os.Lstat(filepath.Join(path, sumsFile)); err == nil {
		files = append(files, sumsFile)
	}
	return files, nil
}

// savedVar is one variable in GoMLX's description file.
type savedVar struct {
	ParameterName string
	Dimensions    []int
	DType         string
	Pos, Length   int64
}

// savedCheckpoint is GoMLX's description file (Params are not used).
type savedCheckpoint struct {
	Variables []savedVar
	BinFormat string
}

// entry is a checked variable: where its bytes are, and whether it is
// loaded.
type entry struct {
	name  string
	shape shapes.Shape
	size  int64
	load  bool
}

// LoadWith reads the checkpoint folder path (what names it in errors)
// into ctx, as LoadFrom does, after checking it against o. Nothing is
// allocated before the description file has been checked: every
// dimension positive, each variable's length that of its shape, the
// total within o.MaxBytes and within what the data file can hold, and
// the shapes of o.Want. A data file that is shorter or longer than
// described, or not GoMLX's format, is an error naming the file. Every
// problem of the description is reported at once; ctx is changed only
// when the whole checkpoint has been read.
func LoadWith(path, what string, ctx *mlctx.Context, o LoadOptions) error {
	if st, err := os.Stat(path); err != nil {
		return fmt.Errorf("no %s: %w", what, err)
	} else if !st.IsDir() {
		return fmt.Errorf("%s: %s is not a folder", what, path)
	}
	files, err := Files(path)
	if err != nil {
		return err
	}
	trainable, err := readTrainable(filepath.Join(path, files[0]))
	if err != nil {
		return fmt.Errorf("%s is incomplete: %w", what, err)
	}
	jsonPath, binPath := filepath.Join(path, files[1]), filepath.Join(path, files[2])
	var saved savedCheckpoint
	if err := readJSON(jsonPath, maxJSONBytes, &saved); err != nil {
		return err
	}
	bin, binSize, err := openRegular(binPath)
	if err != nil {
		return err
	}
	defer bin.Close() // read only: closing cannot lose data
	gz, err := binFormat(bin, binPath, saved.BinFormat)
	if err != nil {
		return err
	}
	entries, err := check(jsonPath, binPath, saved, trainable, o, gz, binSize)
	if err != nil {
		return err
	}
	if err := checkSums(path, files); err != nil {
		return err
	}
	values, err := readValues(bin, binPath, gz, entries, o.Finite)
	if err != nil {
		return err
	}
	return setValues(ctx, entries, values, trainable)
}

// readTrainable reads variables.json: each saved variable's name (as
// ScopeAndName) and whether it is trainable.
func readTrainable(path string) (map[string]bool, error) {
	var trainable map[string]bool
	if err := readJSON(path, maxVarsBytes, &trainable); err != nil {
		return nil, err
	}
	return trainable, nil
}

// openRegular opens path, which must be a regular file, and returns its size.
func openRegular(path string) (*os.File, int64, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is not a regular file but %s", path, kind(st.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// kind names what a file mode describes: "a folder", "a symbolic link",
// "a named pipe", "a device", "a socket", else "a regular file".
func kind(m os.FileMode) string {
	switch t := m.Type(); {
	case t&os.ModeDir != 0:
		return "a folder"
	case t&os.ModeSymlink != 0:
		return "a symbolic link"
	case t&os.ModeNamedPipe != 0:
		return "a named pipe"
	case t&os.ModeDevice != 0:
		return "a device"
	case t&os.ModeSocket != 0:
		return "a socket"
	case t != 0:
		return "a special file"
	}
	return "a regular file"
}

// readJSON decodes the regular file path, of at most limit bytes, into v.
func readJSON(path string, limit int64, v any) error {
	f, size, err := openRegular(path)
	if err != nil {
		return err
	}
	defer f.Close() // read only: closing cannot lose data
	if size > limit {
		return fmt.Errorf("%s is %d bytes, more than the %d a checkpoint's description may take", path, size, limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// binFormat reads the data file's header and reports whether it is gzip
// compressed (the reader then stands after the header), as the
// description's BinFormat says.
func binFormat(f *os.File, path, format string) (bool, error) {
	head := make([]byte, len(binHeader))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, err
	}
	head = head[:n]
	hasHeader := string(head) == binHeader
	switch {
	case format == "gzip" && !hasHeader:
		return false, fmt.Errorf("%s: not a GoMLX checkpoint's data: it starts with %q, want %q (BinFormat gzip): the file is corrupt",
			path, head, binHeader)
	case format == "gzip", format == "" && hasHeader:
		return true, nil
	case format == "uncompressed", format == "":
		_, err := f.Seek(0, io.SeekStart)
		return false, err
	}
	return false, fmt.Errorf("%s: BinFormat %q: unknown (want gzip or uncompressed)", strings.TrimSuffix(path, binSuffix)+jsonSuffix, format)
}

// check validates the description against the data file's size, trainable
// and o, and returns the variables in file order; it reports every problem
// at once.
func check(jsonPath, binPath string, saved savedCheckpoint, trainable map[string]bool, o LoadOptions, gz bool, binSize int64) ([]entry, error) {
	maxBytes := o.MaxBytes
	if maxBytes <= 0 {
		maxBytes = meminfo.Total()
	}
	if maxBytes <= 0 {
		maxBytes = 1 << 62
	}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(jsonPath+": "+format, args...))
	}
	var entries []entry
	var total, next int64 // the variables' total length; where the next one starts
	seen := map[string]bool{}
	for i, v := range saved.Variables {
		at := fmt.Sprintf("Variables[%d] %q", i, v.ParameterName)
		e, problems := checkVar(v, maxBytes)
		for _, p := range problems {
			fail("%s: %s", at, p)
		}
		if seen[v.ParameterName] {
			fail("%s: ParameterName: a second variable of that name", at)
		}
		seen[v.ParameterName] = true
		if v.Pos != next {
			fail("%s: Pos %d, want %d (where the variable before it ends)", at, v.Pos, next)
		}
		next = satAdd(max(v.Pos, 0), max(v.Length, 0))
		total = satAdd(total, max(v.Length, 0))
		scope, name := mlctx.VariableScopeAndNameFromParameterName(v.ParameterName)
		_, ours := trainable[mlctx.JoinScope(scope, name)]
		want, needed := o.Want[v.ParameterName]
		if s, optional := o.Optional[v.ParameterName]; optional && !needed {
			want, needed = s, true
		}
		if needed && len(problems) == 0 && !want.Equal(e.shape) {
			fail("%s: DType %s, Dimensions %v: the model's config gives this variable the shape %s", at, v.DType, v.Dimensions, want)
		}
		if needed && !ours {
			fail("%s: the model needs it, but %s does not list it", at, varsFile)
		}
		e.load = ours && (needed || !o.Only)
		entries = append(entries, e)
	}
	for name := range o.Want {
		if !seen[name] {
			fail("Variables: no variable %q, which the model needs", name)
		}
	}
	for name := range trainable {
		if !seen[mlctx.VariableParameterNameFromScopeAndName(splitScope(name))] {
			errs = append(errs, fmt.Errorf("%s: %s lists %q, which %s lacks", filepath.Dir(jsonPath), varsFile, name, filepath.Base(jsonPath)))
		}
	}
	switch {
	case total > maxBytes:
		fail("the variables take %s, more than the %s this machine has", meminfo.Text(total), meminfo.Text(maxBytes))
	case gz && total > satMul(binSize, gzipMaxRatio):
		fail("the variables take %s, more than the %s gzip data file %s can hold (at most %d times its size)",
			meminfo.Text(total), meminfo.Text(binSize), filepath.Base(binPath), gzipMaxRatio)
	case !gz && total > binSize:
		errs = append(errs, fmt.Errorf("%s: truncated: it has %d bytes, but the variables %s describes take %d", binPath, binSize, filepath.Base(jsonPath), total))
	case !gz && total < binSize:
		errs = append(errs, fmt.Errorf("%s: %d bytes more than the variables %s describes take (%d): the file is corrupt", binPath, binSize-total, filepath.Base(jsonPath), total))
	}
	return entries, errors.Join(errs...)
}

// checkVar validates one variable's description on its own, within
// maxBytes, and returns it as an entry.
func checkVar(v savedVar, maxBytes int64) (entry, []string) {
	var problems []string
	e := entry{name: v.ParameterName, size: v.Length}
	if scope, name := mlctx.VariableScopeAndNameFromParameterName(v.ParameterName); scope == "" || name == "" {
		problems = append(problems, "ParameterName: not a variable's name (var:/scope/name)")
	}
	dt, err := dtypes.DTypeString(v.DType)
	if err != nil || !stored[dt] {
		return e, append(problems, fmt.Sprintf("DType %q: not a data type GoMLX stores", v.DType))
	}
	elems := int64(1)
	for k, d := range v.Dimensions {
		switch {
		case d <= 0:
			return e, append(problems, fmt.Sprintf("Dimensions %v: dimension %d is %d (each must be at least 1)", v.Dimensions, k, d))
		case elems > maxBytes/int64(dt.Size())/int64(d):
			return e, append(problems, fmt.Sprintf("Dimensions %v: more than the %s this machine has", v.Dimensions, meminfo.Text(maxBytes)))
		}
		elems *= int64(d)
	}
	if want := elems * int64(dt.Size()); v.Length != want {
		problems = append(problems, fmt.Sprintf("Length %d, want %d (%d values of %s)", v.Length, want, elems, dt))
	}
	e.shape = shapes.Make(dt, v.Dimensions...)
	return e, problems
}

// stored are the data types a checkpoint may hold: those of a whole
// number of bytes that tensors hold in Go slices.
var stored = map[dtypes.DType]bool{
	dtypes.Bool: true, dtypes.Int8: true, dtypes.Int16: true, dtypes.Int32: true, dtypes.Int64: true,
	dtypes.Uint8: true, dtypes.Uint16: true, dtypes.Uint32: true, dtypes.Uint64: true,
	dtypes.Float16: true, dtypes.BFloat16: true, dtypes.Float32: true, dtypes.Float64: true,
	dtypes.Complex64: true, dtypes.Complex128: true,
}

// splitScope splits a ScopeAndName ("/model/dense/kernel") into its scope
// and name.
func splitScope(s string) (string, string) {
	i := strings.LastIndex(s, mlctx.ScopeSeparator)
	if i <= 0 {
		return mlctx.RootScope, strings.TrimPrefix(s, mlctx.ScopeSeparator)
	}
	return s[:i], s[i+1:]
}

func satAdd(a, b int64) int64 {
	if s, carry := bits.Add64(uint64(a), uint64(b), 0); carry == 0 && s <= 1<<62 {
		return int64(s)
	}
	return 1 << 62
}

func satMul(a, b int64) int64 {
	if hi, lo := bits.Mul64(uint64(a), uint64(b)); hi == 0 && lo <= 1<<62 {
		return int64(lo)
	}
	return 1 << 62
}

// readValues reads the data file f (positioned after any header) as
// entries describe it: the loaded variables' values, in file order (nil
// for skipped ones). The data must end exactly where the last variable
// does.
func readValues(f *os.File, path string, gz bool, entries []entry, finite bool) ([]*tensors.Tensor, error) {
	file := bufio.NewReaderSize(f, 1<<20)
	var r io.Reader = file
	if gz {
		zr, err := gzip.NewReader(file)
		if err != nil {
			return nil, fmt.Errorf("%s: not gzip data after its header: %w", path, err)
		}
		defer zr.Close() // closing a reader cannot lose data
		zr.Multistream(false)
		r = zr
	}
	values := make([]*tensors.Tensor, len(entries))
	var pos int64
	for i, e := range entries {
		if !e.load {
			if _, err := io.CopyN(io.Discard, r, e.size); err != nil {
				return nil, truncated(path, e, pos, err)
			}
			pos += e.size
			continue
		}
		t := tensors.FromShape(e.shape)
		var readErr error
		if err := t.MutableBytes(func(data []byte) { _, readErr = io.ReadFull(r, data) }); err != nil {
			return nil, err
		}
		if readErr != nil {
			return nil, truncated(path, e, pos, readErr)
		}
		if finite {
			if bad := nonFinite(t); bad > 0 {
				return nil, fmt.Errorf("%s: variable %q holds %d NaN or infinite values of %d: the weights are corrupt", path, e.name, bad, e.shape.Size())
			}
		}
		values[i] = t
		pos += e.size
	}
	if err := atEnd(r); err != nil {
		return nil, fmt.Errorf("%s: after %d bytes of variables: %w: the file is corrupt", path, pos, err)
	}
	if err := atEnd(file); gz && err != nil {
		return nil, fmt.Errorf("%s: after its gzip data: %w: the file is corrupt", path, err)
	}
	return values, nil
}

// atEnd reports an error unless r has nothing more to read (a gzip reader
// checks its data's checksum there).
func atEnd(r io.Reader) error {
	n, err := r.Read(make([]byte, 1))
	switch {
	case n > 0:
		return errors.New("more data than its description lists")
	case err == io.EOF:
		return nil
	case err == nil:
		return atEnd(r)
	}
	return err
}

func truncated(path string, e entry, pos int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: truncated: it ends inside variable %q (bytes %d to %d)", path, e.name, pos, pos+e.size)
	}
	return fmt.Errorf("%s: variable %q (bytes %d to %d): %w", path, e.name, pos, pos+e.size, err)
}

// nonFinite counts the NaN and infinite values of a floating-point tensor.
func nonFinite(t *tensors.Tensor) int {
	var exp func([]byte) bool
	switch t.DType() {
	case dtypes.Float32:
		exp = func(b []byte) bool { return binary.NativeEndian.Uint32(b)>>23&0xff == 0xff }
	case dtypes.Float64:
		exp = func(b []byte) bool { return binary.NativeEndian.Uint64(b)>>52&0x7ff == 0x7ff }
	case dtypes.Float16:
		exp = func(b []byte) bool { return binary.NativeEndian.Uint16(b)>>10&0x1f == 0x1f }
	case dtypes.BFloat16:
		exp = func(b []byte) bool { return binary.NativeEndian.Uint16(b)>>7&0xff == 0xff }
	default:
		return 0
	}
	size, bad := t.DType().Size(), 0
	t.ConstBytes(func(data []byte) {
		for i := 0; i+size <= len(data); i += size {
			if exp(data[i : i+size]) {
				bad++
			}
		}
	})
	return bad
}

// setValues sets ctx's variables to the loaded values, with their
// trainable flags, and removes from ctx every variable the checkpoint
// did not list in variables.json (such as GoMLX's global_step).
func setValues(ctx *mlctx.Context, entries []entry, values []*tensors.Tensor, trainable map[string]bool) error {
	unchecked := ctx.Checked(false)
	for i, e := range entries {
		if values[i] == nil {
			continue
		}
		scope, name := mlctx.VariableScopeAndNameFromParameterName(e.name)
		v := unchecked.GetVariableByScopeAndName(scope, name)
		if v == nil {
			v = unchecked.InAbsPath(scope).VariableWithValue(name, values[i])
		} else if err := v.SetValue(values[i]); err != nil {
			return err
		}
		v.Trainable = trainable[v.ScopeAndName()]
	}
	var extra []*mlctx.Variable
	for v := range ctx.IterVariables() {
		if _, ours := trainable[v.ScopeAndName()]; !ours {
			extra = append(extra, v)
		}
	}
	for _, v := range extra {
		if err := ctx.DeleteVariable(v.Scope(), v.Name()); err != nil {
			return err
		}
	}
	return nil
}
