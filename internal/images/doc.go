// Package images reads a user's own image data: a folder of class
// subfolders (root/<class>/<file>, the layout of Keras's
// image_dataset_from_directory and torchvision's ImageFolder) or a labels
// CSV (columns file,label; paths relative to the CSV), for classification
// or, with numeric labels, regression.
//
// The work is split in two steps. Scan lists the examples and their labels
// without decoding anything: class names are the folder names (or the CSV's
// labels) sorted as strings, unless ScanOptions.ClassNames gives the order;
// examples come in the CSV's row order, or by class, then by path. Files that
// are not images by their extension (README, .DS_Store) are skipped and
// counted in List.Skipped. Load then decodes the files in parallel (a pool of
// GOMAXPROCS workers; the first error wins and names its file; the context
// cancels it) into one uint8 array N×H×W×C, and keeps the result in a decoded
// cache so that the next run reads it back at once.
//
// Formats: PNG, JPEG, GIF (its first frame), BMP, TIFF and WebP (the last
// three from golang.org/x/image). Colour: Grayscale gives 1 channel, RGB 3;
// ColorAuto gives 1 when every image is grayscale (a gray PNG, JPEG or TIFF
// without alpha, or a palette of grays) and 3 otherwise. Alpha is dropped: a pixel keeps the
// colour values stored for it, whatever its opacity (PIL's convert("RGB")
// does the same). Grayscale from colour uses the ITU-R 601 luma weights
// with PIL's integer rounding, L = (19595 R + 38470 G + 7471 B + 2^15) >> 16;
// a JPEG's own luma channel is used as is. Sizes: without Options.Height and
// Width every image must have the size of the first one; with them, each is
// resized with bilinear interpolation at pixel centres and no antialiasing
// (TensorFlow's default, which Keras uses).
//
// The decoded cache lives in Options.CacheDir (default
// <os.UserCacheDir>/exp/images), one file per key; the key hashes the files'
// absolute paths, sizes and modification times, in order, and the decoding
// options. A file is written to a temporary name, synced and renamed, so
// processes sharing the folder never see half a file; it carries its key,
// dimensions and a CRC-32 checksum, and one that does not check out is
// ignored and rewritten. Files unused for CacheMaxAge are removed when a new
// one is written.
//
// Augment turns one uint8 image into float32 values v/255 in a batch
// buffer, randomly flipped, shifted, rotated and zoomed as a pure function of
// (seed, epoch, example index), so a resumed run sees the same images.
//
// FromIDX, WriteFolder and WriteCSV export idx data such as MNIST as a folder
// of PNGs with a labels.csv, or as one CSV of pixels.
package images
