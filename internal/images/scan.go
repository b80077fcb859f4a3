package images

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/exp-runner/exp/internal/errlist"
	"github.com/exp-runner/exp/internal/infile"
)

// Task says what a label is.
type Task int

const (
	// Classification labels are class names, numbered by their place in
	// the class names.
	Classification Task = iota
	// Regression labels are numbers (a labels CSV only).
	Regression
)

// String returns "classification" or "regression".
func (t Task) String() string {
	if t == Regression {
		return "regression"
	}
	return "classification"
}

// extensions are the file name extensions (lower case) taken for images;
// other files in a folder are skipped.
var extensions = []string{".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp"}

// ScanOptions are the choices Scan needs.
type ScanOptions struct {
	// Task is Classification (the default) or Regression.
	Task Task
	// ClassNames, when given, fixes the classes and their order; a class
	// folder or label not among them is an error. Give a training set's
	// class names when scanning its separate validation set.
	ClassNames []string
}

// Entry is one example: an image file and its label or target.
type Entry struct {
	// Path is the file, as found (joined to the folder or the CSV's folder).
	Path string
	// Label is the class index (classification).
	Label int32
	// Target is the numeric label (regression).
	Target float32
	// Size and ModTime (Unix nanoseconds) key the decoded cache.
	Size    int64
	ModTime int64
}

// List is what Scan found: the examples in order and the class names.
type List struct {
	// Source is the folder or labels CSV scanned.
	Source     string
	Task       Task
	Entries    []Entry
	ClassNames []string
	// Skipped are the files passed over because they are not images.
	Skipped []string
}

// SkippedMessage returns one line about the skipped files, or "" if none.
func (l *List) SkippedMessage() string {
	n := len(l.Skipped)
	if n == 0 {
		return ""
	}
	const show = 3
	names := strings.Join(l.Skipped[:min(n, show)], ", ")
	if n > show {
		names += fmt.Sprintf(" and %d more", n-show)
	}
	noun := "files that are not images"
	if n == 1 {
		noun = "file that is not an image"
	}
	return fmt.Sprintf("%s: skipped %d %s: %s", l.Source, n, noun, names)
}

// Scan lists the examples of path: a folder of class subfolders
// (path/<class>/<image>, searched recursively, hidden files and folders
// skipped), or a labels CSV with a header naming the columns file and label.
// Nothing is decoded; every file is checked to exist. Problems with the
// rows and files are reported together (the first errlist.Max of them).
// Reading stops with ctx's error once ctx is done.
func Scan(ctx context.Context, path string, opts ScanOptions) (*List, error) {
	if opts.Task != Classification && opts.Task != Regression {
		return nil, fmt.Errorf("images: unknown task %d", opts.Task)
	}
	if err := checkClassNames(opts.ClassNames); err != nil {
		return nil, err
	}
	st, err := infile.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		if opts.Task == Regression {
			return nil, fmt.Errorf("%s: regression needs a labels CSV with numeric labels, not a folder of classes", path)
		}
		return scanFolder(path, opts)
	}
	return scanCSV(ctx, path, opts)
}

func checkClassNames(names []string) error {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if n == "" {
			return errors.New("class_names: empty class name")
		}
		if seen[n] {
			return fmt.Errorf("class_names: %q appears twice", n)
		}
		seen[n] = true
	}
	return nil
}

// IsImageName reports whether name ends in an image extension (any case):
// .bmp, .gif, .jpeg, .jpg, .png, .tif, .tiff or .webp.
func IsImageName(name string) bool {
	return slices.Contains(extensions, strings.ToLower(filepath.Ext(name)))
}

func noImages(root string) error {
	return fmt.Errorf("%s: no images found: expected %s/<class>/<image> or labels:", root, filepath.ToSlash(filepath.Clean(root)))
}

func scanFolder(root string, opts ScanOptions) (*List, error) {
	des, err := os.ReadDir(root) // sorted by name, as Python's sorted()
	if err != nil {
		return nil, err
	}
	l := &List{Source: root, Task: Classification}
	var classes []string
	for _, d := range des {
		switch {
		case strings.HasPrefix(d.Name(), "."):
			if !d.IsDir() {
				l.Skipped = append(l.Skipped, filepath.Join(root, d.Name()))
			}
		case isDir(root, d):
			classes = append(classes, d.Name())
		default:
			l.Skipped = append(l.Skipped, filepath.Join(root, d.Name()))
		}
	}
	if len(classes) == 0 {
		return nil, noImages(root)
	}
	index, err := classIndex(root, classes, opts.ClassNames)
	if err != nil {
		return nil, err
	}
	l.ClassNames = opts.ClassNames
	if l.ClassNames == nil {
		l.ClassNames = classes
	}
	for _, c := range classes {
		if err := l.walkClass(filepath.Join(root, c), index[c]); err != nil {
			return nil, err
		}
	}
	if len(l.Entries) == 0 {
		return nil, noImages(root)
	}
	if err := statAll(l.Entries, nil); err != nil {
		return nil, err
	}
	return l, nil
}

// isDir reports whether d is a folder, following a symbolic link.
func isDir(root string, d fs.DirEntry) bool {
	if d.Type()&fs.ModeSymlink == 0 {
		return d.IsDir()
	}
	st, err := os.Stat(filepath.Join(root, d.Name()))
	return err == nil && st.IsDir() // a broken link is not a class: it gets skipped
}

func classIndex(root string, found, given []string) (map[string]int32, error) {
	names := given
	if names == nil {
		names = found
	}
	index := make(map[string]int32, len(names))
	for i, n := range names {
		index[n] = int32(i)
	}
	for _, c := range found {
		if _, ok := index[c]; !ok {
			return nil, fmt.Errorf("%s: class folder %q is not in class_names %v", root, c, given)
		}
	}
	return index, nil
}

// walkClass appends the images under dir, recursively, in the order of
// filepath.WalkDir (names sorted, folders entered where they sort), but
// without its per-entry overhead. Hidden folders are not entered; hidden
// and non-image files are skipped. Symbolic links to folders are not
// followed.
func (l *List) walkClass(dir string, label int32) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	des, err := f.ReadDir(-1)
	f.Close() // read only: closing loses nothing
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	type item struct {
		name  string
		isDir bool
	}
	items := make([]item, len(des))
	for i, d := range des {
		items[i] = item{d.Name(), d.IsDir()}
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.name, b.name) })
	for _, it := range items {
		p := dir + string(filepath.Separator) + it.name
		hidden := strings.HasPrefix(it.name, ".")
		switch {
		case it.isDir && hidden:
		case it.isDir:
			if err := l.walkClass(p, label); err != nil {
				return err
			}
		case hidden || !IsImageName(it.name):
			l.Skipped = append(l.Skipped, p)
		default:
			l.Entries = append(l.Entries, Entry{Path: p, Label: label})
		}
	}
	return nil
}

// csvRow is one data row of a labels CSV.
type csvRow struct {
	line        int
	file, label string
}

func scanCSV(ctx context.Context, path string, opts ScanOptions) (*List, error) {
	rows, err := readLabelsCSV(ctx, path)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows after the header", path)
	}
	l := &List{Source: path, Task: opts.Task, Entries: make([]Entry, len(rows))}
	var index map[string]int32
	if opts.Task == Classification {
		l.ClassNames, index, err = csvClasses(path, rows, opts.ClassNames)
		if err != nil {
			return nil, err
		}
	}
	dir := filepath.Dir(path)
	errs := &errlist.List{}
	for i, r := range rows {
		e := &l.Entries[i]
		e.Path = r.file
		if !filepath.IsAbs(e.Path) {
			e.Path = filepath.Join(dir, filepath.FromSlash(r.file))
		}
		if opts.Task == Regression {
			v, err := strconv.ParseFloat(r.label, 32)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				errs.Add(fmt.Errorf("%s:%d: label %q is not a finite number (task: regression)", path, r.line, r.label))
			}
			e.Target = float32(v)
		} else {
			e.Label = index[r.label]
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	err = statAll(l.Entries, func(i int, err error) error {
		return fmt.Errorf("%s:%d: %w", path, rows[i].line, err)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// readLabelsCSV reads the rows of a labels CSV (every row's problem at
// once), stopping at a line longer than maxLine.
func readLabelsCSV(ctx context.Context, path string) ([]csvRow, error) {
	f, err := infile.Open(ctx, path, infile.MemoryLimit(8))
	if err != nil {
		return nil, err
	}
	defer f.Close() // read only: a close error changes nothing
	cr := csv.NewReader(infile.LimitLines(f, path, maxLine))
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file: expected a header line file,label", path)
	}
	if err != nil {
		return nil, csvError(path, err)
	}
	fileCol, labelCol := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "file":
			fileCol = i
		case "label":
			labelCol = i
		}
	}
	if fileCol < 0 || labelCol < 0 {
		return nil, fmt.Errorf("%s:1: header %q must name the columns file and label", path, quoteLine(strings.Join(header, ",")))
	}
	var rows []csvRow
	errs := &errlist.List{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, errs.Err()
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && !errors.Is(err, csv.ErrQuote) && !errors.Is(err, csv.ErrBareQuote) {
			errs.Add(fmt.Errorf("%s: %w", path, err)) // a row with the wrong number of fields: go on
			continue
		}
		if err != nil {
			errs.Add(csvError(path, err))
			return nil, errs
		}
		line, _ := cr.FieldPos(0)
		r := csvRow{line: line, file: strings.TrimSpace(rec[fileCol]), label: strings.TrimSpace(rec[labelCol])}
		if r.file == "" || r.label == "" {
			errs.Add(fmt.Errorf("%s:%d: empty file or label", path, line))
			continue
		}
		rows = append(rows, r)
	}
}

// maxLine is the longest line of a labels CSV.
const maxLine = 64 << 20

// csvError names path in an error of reading it (a csv.ParseError
// carries its line; the context's errors and the limits' pass as they are).
func csvError(path string, err error) error {
	var ll *infile.LineTooLongError
	var tl *infile.TooLargeError
	if errors.As(err, &ll) || errors.As(err, &tl) || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// quoteLine cuts a header line to something worth quoting.
func quoteLine(s string) string {
	const most = 80
	if len(s) > most {
		return s[:most] + "…"
	}
	return s
}

func csvClasses(path string, rows []csvRow, given []string) ([]string, map[string]int32, error) {
	names := given
	if names == nil {
		seen := map[string]bool{}
		for _, r := range rows {
			if !seen[r.label] {
				seen[r.label] = true
				names = append(names, r.label)
			}
		}
		slices.Sort(names)
	}
	index := make(map[string]int32, len(names))
	for i, n := range names {
		index[n] = int32(i)
	}
	errs := &errlist.List{}
	for _, r := range rows {
		if _, ok := index[r.label]; !ok {
			errs.Add(fmt.Errorf("%s:%d: label %q is not in class_names %v", path, r.line, r.label, given))
		}
	}
	return names, index, errs.Err()
}

// statAll records each entry's size and modification time, statting in
// parallel (GOMAXPROCS goroutines). Every failure is reported (the first
// errlist.Max, in order), each passed through wrap when not nil: a
// missing file says so, and only regular files are images.
func statAll(entries []Entry, wrap func(i int, err error) error) error {
	errs := make([]error, len(entries))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(entries)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(entries) {
					return
				}
				e := &entries[i]
				st, err := os.Stat(e.Path)
				switch {
				case err != nil:
					errs[i] = infile.Explain(e.Path, err)
				case !st.Mode().IsRegular():
					errs[i] = fmt.Errorf("%s is not a regular file", e.Path)
				default:
					e.Size, e.ModTime = st.Size(), st.ModTime().UnixNano()
				}
			}
		})
	}
	wg.Wait()
	all := &errlist.List{}
	for i, err := range errs {
		if err != nil && wrap != nil {
			err = wrap(i, err)
		}
		all.Add(err)
	}
	return all.Err()
}

// ListFiles lists image files given one by one (source names them in
// errors): each must be a regular file, and every problem is reported.
func ListFiles(source string, paths []string) (*List, error) {
	l := &List{Source: source, Entries: make([]Entry, len(paths))}
	for i, p := range paths {
		l.Entries[i].Path = p
	}
	if err := statAll(l.Entries, nil); err != nil {
		return nil, err
	}
	return l, nil
}
