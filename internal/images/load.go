package images

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	_ "image/gif"  // registers GIF
	_ "image/jpeg" // registers JPEG
	_ "image/png"  // registers PNG

	_ "golang.org/x/image/bmp"  // registers BMP
	_ "golang.org/x/image/tiff" // registers TIFF
	_ "golang.org/x/image/webp" // registers WebP

	"github.com/exp-runner/exp/internal/errlist"
)

// ColorMode chooses the number of channels.
type ColorMode int

const (
	// ColorAuto gives 1 channel when every image is grayscale, else 3.
	ColorAuto ColorMode = iota
	// Grayscale gives 1 channel (luma of colour images).
	Grayscale
	// RGB gives 3 channels.
	RGB
)

// String returns "auto", "grayscale" or "rgb".
func (m ColorMode) String() string {
	switch m {
	case Grayscale:
		return "grayscale"
	case RGB:
		return "rgb"
	}
	return "auto"
}

// Options are the decoding choices of Load.
type Options struct {
	// Height and Width, when both set, resize every image (bilinear); when
	// both zero, every image must have the first one's size.
	Height, Width int
	// Color is the colour mode (default ColorAuto).
	Color ColorMode
	// Workers bounds the decoding goroutines; 0 means GOMAXPROCS.
	Workers int
	// CacheDir holds the decoded cache; "" means DefaultCacheDir().
	CacheDir string
	// NoCache neither reads nor writes the decoded cache.
	NoCache bool
	// MaxPixels is the most pixels (width × height) an image may declare
	// in its header: a larger one is refused before it is decoded. 0
	// means DefaultMaxPixels.
	MaxPixels int64
}

// DefaultMaxPixels is the most pixels an image may have unless
// Options.MaxPixels says otherwise: 50 million, a 7071×7071 image, some
// 200 MB decoded as RGBA. A file of a few hundred bytes can declare
// 100000×100000 pixels, which decoding would allocate first.
const DefaultMaxPixels = 50_000_000

// maxPixels is o.MaxPixels, or its default.
func (o Options) maxPixels() int64 {
	if o.MaxPixels > 0 {
		return o.MaxPixels
	}
	return DefaultMaxPixels
}

// Set is a decoded image set.
type Set struct {
	// N images of H×W×C bytes, one after another in Pix (row-major, the
	// channels of a pixel together).
	N, H, W, C int
	Pix        []uint8
	Task       Task
	// Labels (classification) or Targets (regression), one per image.
	Labels     []int32
	Targets    []float32
	ClassNames []string
	// Paths are the image files, in order.
	Paths []string
	// Skipped counts the files passed over because they are not images.
	Skipped int
	// CacheHit says the pixels came from the decoded cache.
	CacheHit bool
	// CacheErr, when not nil, says why the cache could not be read or
	// written; the Set is complete all the same.
	CacheErr error
}

// Image returns the pixels of image i (H×W×C bytes, a view into Pix).
func (s *Set) Image(i int) []uint8 {
	n := s.H * s.W * s.C
	return s.Pix[i*n : (i+1)*n]
}

// Load decodes the images of l, from the decoded cache when it holds them.
func Load(ctx context.Context, l *List, opts Options) (*Set, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if len(l.Entries) == 0 {
		return nil, noImages(l.Source)
	}
	s := newSet(l)
	var cachePath string
	var key [32]byte
	if !opts.NoCache {
		var err error
		key = cacheKey(l, opts)
		if cachePath, err = opts.cacheFile(key); err != nil {
			s.CacheErr = err
		} else if s.CacheErr = s.readCache(cachePath, key); s.CacheHit {
			return s, nil
		}
	}
	if err := s.decode(ctx, l, opts); err != nil {
		return nil, err
	}
	if cachePath != "" {
		if err := writeCache(cachePath, key, s); err != nil {
			s.CacheErr = errors.Join(s.CacheErr, err)
		}
	}
	return s, nil
}

func (o Options) check() error {
	if o.Height < 0 || o.Width < 0 || (o.Height == 0) != (o.Width == 0) {
		return fmt.Errorf("image_size: [%d, %d]: both must be positive (or neither given)", o.Height, o.Width)
	}
	if o.Color < ColorAuto || o.Color > RGB {
		return fmt.Errorf("images: unknown colour mode %d", o.Color)
	}
	if o.Workers < 0 {
		return fmt.Errorf("images: %d workers", o.Workers)
	}
	if o.MaxPixels < 0 {
		return fmt.Errorf("images: max pixels %d: must be > 0 (0: the default)", o.MaxPixels)
	}
	return nil
}

func newSet(l *List) *Set {
	s := &Set{N: len(l.Entries), Task: l.Task, ClassNames: l.ClassNames, Skipped: len(l.Skipped), Paths: make([]string, len(l.Entries))}
	if l.Task == Regression {
		s.Targets = make([]float32, s.N)
	} else {
		s.Labels = make([]int32, s.N)
	}
	for i, e := range l.Entries {
		s.Paths[i] = e.Path
		if l.Task == Regression {
			s.Targets[i] = e.Target
		} else {
			s.Labels[i] = e.Label
		}
	}
	return s
}

// fileDecoder reads and decodes files, reusing its buffers; the image it
// returns is good until its next call.
type fileDecoder struct {
	buf       []byte
	png       pngFast
	maxPixels int64 // 0: DefaultMaxPixels
}

// decode reads and decodes the file of e, whose size was e.Size when
// scanned, after checking the dimensions its header declares.
func (f *fileDecoder) decode(e Entry) (image.Image, error) {
	path := e.Path
	pixels := f.maxPixels
	if pixels <= 0 {
		pixels = DefaultMaxPixels
	}
	if most := pixels*bytesPerPixel + 1<<20; e.Size > most {
		return nil, fmt.Errorf("%s: the file holds %d bytes, more than any image of at most %s pixels (%d bytes)", path, e.Size, commas(pixels), most)
	}
	b, err := readFile(path, e.Size, f.buf)
	if err != nil {
		return nil, err
	}
	f.buf = b
	if err := checkPixels(path, b, pixels); err != nil {
		return nil, err
	}
	if img := f.png.decode(b); img != nil {
		return img, nil
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot decode image: %w", path, err)
	}
	if r := img.Bounds(); r.Empty() {
		return nil, fmt.Errorf("%s: image has no pixels", path)
	}
	return img, nil
}

// bytesPerPixel bounds the bytes of an image file per pixel it holds: 16
// bits for each of 4 channels, uncompressed (a TIFF can be that).
const bytesPerPixel = 8

// checkPixels refuses an image whose header declares more than most
// pixels, before anything decodes it: a PNG's IHDR is read in place,
// other formats through image.DecodeConfig, which reads only the header.
func checkPixels(path string, b []byte, most int64) error {
	var w, h int64
	if len(b) >= 24 && string(b[:8]) == pngSignature && string(b[12:16]) == "IHDR" {
		w, h = int64(binary.BigEndian.Uint32(b[16:])), int64(binary.BigEndian.Uint32(b[20:]))
	} else {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: cannot decode image: %w", path, err)
		}
		w, h = int64(cfg.Width), int64(cfg.Height)
	}
	if w*h > most || w < 0 || h < 0 {
		return &PixelsError{Path: path, Width: w, Height: h, Max: most}
	}
	return nil
}

// PixelsError is an image whose header declares more pixels than the
// limit.
type PixelsError struct {
	Path          string
	Width, Height int64
	Max           int64
}

// Error names the file, its dimensions and the limit, and how to raise it.
func (e *PixelsError) Error() string {
	return fmt.Sprintf("%s: the image declares %d×%d pixels (%s), more than the limit of %s (data.max_image_pixels, or --max-image-pixels, raises it)",
		e.Path, e.Width, e.Height, commas(e.Width*e.Height), commas(e.Max))
}

// commas formats n with thousands separators: 50,000,000.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// errColour stops a grayscale pass of ColorAuto at the first colour image.
var errColour = errors.New("colour image in a grayscale pass")

// decode fills s's pixels. The first image that decodes fixes the size
// (unless opts give one) and, with ColorAuto, the first guess of the
// channel count; a colour image in a grayscale pass restarts the pass in
// RGB. Every image that fails is reported (the first errlist.Max).
func (s *Set) decode(ctx context.Context, l *List, opts Options) error {
	fd := fileDecoder{maxPixels: opts.maxPixels()}
	failed := &errlist.List{}
	var first image.Image
	k := 0 // the first image that decodes
	for ; k < len(l.Entries) && first == nil; k++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		img, err := fd.decode(l.Entries[k])
		if err != nil {
			failed.Add(err)
			continue
		}
		first = img
	}
	if first == nil {
		return failed.Err()
	}
	k--
	s.H, s.W = opts.Height, opts.Width
	if s.H == 0 {
		s.H, s.W = first.Bounds().Dy(), first.Bounds().Dx()
	}
	s.C = 3
	if opts.Color == Grayscale || (opts.Color == ColorAuto && isGray(first)) {
		s.C = 1
	}
	for {
		s.Pix = make([]uint8, s.N*s.H*s.W*s.C)
		errs, err := s.decodeAll(ctx, l, opts, k)
		if errors.Is(err, errColour) {
			s.C = 3
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range errs {
			failed.Add(e)
		}
		return failed.Err()
	}
}

// decodeAll decodes images from, with a pool of workers that take the
// next index in turn, and returns the images' errors in order. A colour
// image in a grayscale pass (errColour) or a done ctx stops them all and
// is the error returned.
func (s *Set) decodeAll(ctx context.Context, l *List, opts Options, from int) ([]error, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := opts.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, s.N-from)
	errs := make([]error, s.N)
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			d := s.newDecoder(l, opts, from)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= s.N {
					return
				}
				err := d.decode(i)
				if errors.Is(err, errColour) {
					cancel(err) // only the first cause is kept
					return
				}
				errs[i] = err
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		return nil, err
	}
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out, nil
}

// decoder is one worker's state: its scratch buffer and resizers.
type decoder struct {
	s         *Set
	l         *List
	ref       int // the image that fixed the size
	autoColor bool
	resize    bool
	tmp       []uint8
	files     fileDecoder
	resizers  map[[2]int]*resizer
}

func (s *Set) newDecoder(l *List, opts Options, ref int) *decoder {
	return &decoder{s: s, l: l, ref: ref, autoColor: opts.Color == ColorAuto, resize: opts.Height > 0,
		files: fileDecoder{maxPixels: opts.maxPixels()}, resizers: map[[2]int]*resizer{}}
}

func (d *decoder) decode(i int) error {
	s := d.s
	path := d.l.Entries[i].Path
	img, err := d.files.decode(d.l.Entries[i])
	if err != nil {
		return err
	}
	if d.autoColor && s.C == 1 && !isGray(img) {
		return errColour
	}
	h, w := img.Bounds().Dy(), img.Bounds().Dx()
	dst := s.Image(i)
	if !d.resize && (h != s.H || w != s.W) {
		return fmt.Errorf("images differ in size: %s is %d×%d (height×width) but %s is %d×%d; set image_size: [H, W] to resize them",
			d.l.Entries[d.ref].Path, s.H, s.W, path, h, w)
	}
	if h == s.H && w == s.W {
		toBytes(dst, img, s.C)
		return nil
	}
	if n := h * w * s.C; cap(d.tmp) < n {
		d.tmp = make([]uint8, n)
	}
	d.tmp = d.tmp[:h*w*s.C]
	toBytes(d.tmp, img, s.C)
	r := d.resizers[[2]int{h, w}]
	if r == nil {
		r = newResizer(h, w, s.H, s.W, s.C)
		d.resizers[[2]int{h, w}] = r
	}
	r.resize(dst, d.tmp, w)
	return nil
}

// LoadLike loads l as another split of ref (a separate validation set):
// in ref's colour mode (grayscale if ref has 1 channel, else RGB) and, with
// Height and Width, resized the same way; without them its images must
// have ref's size.
func LoadLike(ctx context.Context, l *List, opts Options, ref *Set) (*Set, error) {
	opts.Color = RGB
	if ref.C == 1 {
		opts.Color = Grayscale
	}
	s, err := Load(ctx, l, opts)
	if err != nil {
		return nil, err
	}
	if s.H != ref.H || s.W != ref.W {
		return nil, fmt.Errorf("images differ in size: %s is %d×%d (height×width) but %s is %d×%d; set image_size: [H, W] to resize them",
			ref.Paths[0], ref.H, ref.W, s.Paths[0], s.H, s.W)
	}
	return s, nil
}
