package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// A partial checkpoint is a trial's state in the middle of an epoch: every
// variable, and the caller's progress through the epoch (an opaque JSON
// value). It guards the work of an epoch in progress against a killed
// process, and is saved many times an epoch, so saving must cost little:
//
//   - DIR/partial holds two slots of equal size; each save overwrites the
//     older slot in place (no new file, no rename), with a sequence number
//     one above the other's;
//   - a slot starts with a header holding its sequence number, its
//     payload's length and a CRC-32 of both and of the payload: a slot that
//     a kill tore in the middle of its write fails the check, and the
//     other slot, a save older, is used;
//   - nothing is synced: a killed process leaves the page cache intact. A
//     power cut may leave both slots torn; the trial then resumes from its
//     last epoch's checkpoint, which is synced.
//
// The first save of an epoch in a process writes a new file through a
// temporary one renamed over the old, so that a slot still holding the
// state a trial resumed from is never overwritten before a newer one is
// complete. Prune, once the epoch is committed, removes the file.
//
// A payload is its JSON header's length (uint32), the header, and the
// variables' bytes in the header's order.

// partialFile names the partial checkpoint in a trial's folder.
const partialFile = "partial"

// partialMagic starts each slot; its last byte is the format version.
var partialMagic = [8]byte{'E', 'X', 'P', 'P', 'A', 'R', 0, 1}

// slotHeader is a slot's header: the magic, the sequence number and
// payload length as uint64s, the CRC-32, and padding.
const slotHeader = 32

// maxPartialHeader bounds a payload's JSON header, checked before reading it.
const maxPartialHeader = 64 << 20

// partialHeader describes a payload's content.
type partialHeader struct {
	Progress  json.RawMessage `json:"progress"`
	Variables []partialVar    `json:"variables"`
}

// partialVar is one variable: its place, kind and size in bytes.
type partialVar struct {
	Scope     string `json:"scope"`
	Name      string `json:"name"`
	DType     string `json:"dtype"`
	Dims      []int  `json:"dims"`
	Trainable bool   `json:"trainable"`
	Bytes     int    `json:"bytes"`
}

// PartialWriter saves a trial's partial checkpoints under its folder.
// Close it when the trial ends.
type PartialWriter struct {
	dir   string
	f     *os.File // the open file (nil before the first save of an epoch)
	epoch int      // the epoch of the saves in f
	seq   uint64   // the last save's sequence number
	size  int64    // a slot's size
	buf   []byte   // the slot being written, reused
}

// NewPartialWriter returns a writer of partial checkpoints under dir.
func NewPartialWriter(dir string) *PartialWriter { return &PartialWriter{dir: dir} }

// Save saves the variables of ctx and progress (a JSON value) as the
// partial checkpoint of epoch under the writer's folder.
func (w *PartialWriter) Save(epoch int, progress json.RawMessage, ctx *mlctx.Context) error {
	if err := w.fill(progress, ctx); err != nil {
		return err
	}
	if w.f == nil || epoch != w.epoch || int64(len(w.buf)) > w.size {
		return w.create(epoch)
	}
	w.seq++
	w.seal()
	_, err := w.f.WriteAt(w.buf, int64((w.seq-1)%2)*w.size) // the older slot
	return err
}

// fill serialises a slot holding progress and the variables of ctx into
// w.buf, its header left to seal.
func (w *PartialWriter) fill(progress json.RawMessage, ctx *mlctx.Context) error {
	h := partialHeader{Progress: progress}
	var values []*tensors.Tensor
	for v := range ctx.IterVariables() {
		value, err := v.Value()
		if err != nil {
			return fmt.Errorf("variable %s: %w", v.ScopeAndName(), err)
		}
		s := value.Shape()
		h.Variables = append(h.Variables, partialVar{Scope: v.Scope(), Name: v.Name(), DType: s.DType.String(),
			Dims: s.Dimensions, Trainable: v.Trainable, Bytes: int(s.Memory())})
		values = append(values, value)
	}
	head, err := json.Marshal(h)
	if err != nil {
		return err
	}
	buf := append(w.buf[:0], make([]byte, slotHeader)...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(head)))
	buf = append(buf, head...)
	for i, value := range values {
		if h.Variables[i].Bytes == 0 {
			continue
		}
		if err := value.ConstBytes(func(b []byte) { buf = append(buf, b...) }); err != nil {
			return fmt.Errorf("variable %s: %w", h.Variables[i].Name, err)
		}
	}
	w.buf = buf
	return nil
}

// seal writes w.buf's slot header for sequence number w.seq.
func (w *PartialWriter) seal() {
	h := w.buf[:slotHeader]
	copy(h, partialMagic[:])
	binary.LittleEndian.PutUint64(h[8:], w.seq)
	binary.LittleEndian.PutUint64(h[16:], uint64(len(w.buf)-slotHeader))
	binary.LittleEndian.PutUint32(h[24:], slotCRC(w.buf))
	clear(h[28:])
}

// slotCRC is the checksum of a slot: its sequence number, length and
// payload.
func slotCRC(slot []byte) uint32 {
	crc := crc32.ChecksumIEEE(slot[8:24])
	return crc32.Update(crc, crc32.IEEETable, slot[slotHeader:])
}

// create writes w.buf as slot 0 (sequence number 1) of a new file of two
// slots, through a temporary file renamed over the partial checkpoint, and
// keeps it open for the epoch's next saves.
func (w *PartialWriter) create(epoch int) (err error) {
	w.Close()
	w.seq, w.epoch = 1, epoch
	// Slack for a header that grows (longer numbers in it), in whole pages.
	w.size = (int64(len(w.buf)) + 1024 + 4095) &^ 4095
	w.seal()
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(w.dir, ".tmp-"+partialFile+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()           // already failing: its error adds nothing
			_ = os.Remove(f.Name()) // best effort: Prune removes leftovers
		}
	}()
	if _, err := f.Write(w.buf); err != nil {
		return err
	}
	if err := f.Truncate(2 * w.size); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(w.dir, partialFile)); err != nil {
		return err
	}
	w.f = f
	return nil
}

// Close closes the writer's file; the partial checkpoint stays.
func (w *PartialWriter) Close() {
	if w.f != nil {
		_ = w.f.Close() // nothing is lost: the writes went to the page cache already
		w.f = nil
	}
}

// Partial is a partial checkpoint read by ReadPartial: the progress saved
// with it, and the variables it restores.
type Partial struct {
	// Progress is the JSON value Save was given.
	Progress json.RawMessage
	vars     []partialVar
	data     []byte
}

// ReadPartial reads the partial checkpoint under dir: its newest slot that
// is whole. It returns nil and no error when there is none; a file with no
// whole slot is an error, and its content must not be used.
func ReadPartial(dir string) (*Partial, error) {
	path := filepath.Join(dir, partialFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b) < 2*slotHeader || len(b)%2 != 0 {
		return nil, fmt.Errorf("partial checkpoint %s has the wrong length", path)
	}
	half := len(b) / 2
	var best *Partial
	var bestSeq uint64
	var whys []string
	for _, slot := range [][]byte{b[:half], b[half:]} {
		seq, p, why := parseSlot(slot)
		if why != "" {
			whys = append(whys, why)
			continue
		}
		if best == nil || seq > bestSeq {
			best, bestSeq = p, seq
		}
	}
	if best == nil {
		return nil, fmt.Errorf("partial checkpoint %s: both slots are unusable (%s)", path, whys[0])
	}
	return best, nil
}

// parseSlot checks a slot and returns its sequence number and content, or
// why it is not a whole slot.
func parseSlot(slot []byte) (uint64, *Partial, string) {
	if !bytes.Equal(slot[:8], partialMagic[:]) {
		return 0, nil, "not a partial checkpoint of this version"
	}
	seq := binary.LittleEndian.Uint64(slot[8:])
	n := binary.LittleEndian.Uint64(slot[16:])
	if n > uint64(len(slot)-slotHeader) {
		return 0, nil, "a length beyond the slot"
	}
	slot = slot[:slotHeader+int(n)]
	if slotCRC(slot) != binary.LittleEndian.Uint32(slot[24:]) {
		return 0, nil, "a failed checksum"
	}
	p, why := parsePayload(slot[slotHeader:])
	return seq, p, why
}

// parsePayload reads a slot's checked payload.
func parsePayload(b []byte) (*Partial, string) {
	if len(b) < 4 {
		return nil, "a payload too short"
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n > maxPartialHeader || 4+n > len(b) {
		return nil, "a header longer than the payload"
	}
	var h partialHeader
	if err := json.Unmarshal(b[4:4+n], &h); err != nil {
		return nil, "a corrupt header: " + err.Error()
	}
	total := 0
	for _, v := range h.Variables {
		dt, ok := dtypes.MapOfNames[v.DType]
		if !ok || v.Bytes < 0 || v.Bytes > len(b) {
			return nil, fmt.Sprintf("variable %s of unknown type %q or size", v.Name, v.DType)
		}
		if s := shapes.Make(dt, v.Dims...); !s.Ok() || int(s.Memory()) != v.Bytes {
			return nil, fmt.Sprintf("variable %s of %d bytes, not its shape's", v.Name, v.Bytes)
		}
		total += v.Bytes
	}
	if 4+n+total != len(b) {
		return nil, "a payload of the wrong length"
	}
	return &Partial{Progress: h.Progress, vars: h.Variables, data: b[4+n:]}, ""
}

// Restore sets the variables of ctx to those of p, as Load does for an
// epoch's checkpoint: each of p's is created or overwritten, and those p
// does not hold are deleted.
func (p *Partial) Restore(ctx *mlctx.Context) error {
	rest := p.data
	held := map[string]bool{}
	for _, pv := range p.vars {
		t := tensors.FromShape(shapes.Make(dtypes.MapOfNames[pv.DType], pv.Dims...))
		if pv.Bytes > 0 {
			if err := t.MutableBytes(func(b []byte) { copy(b, rest[:pv.Bytes]) }); err != nil {
				return fmt.Errorf("variable %s: %w", pv.Name, err)
			}
		}
		rest = rest[pv.Bytes:]
		v := ctx.GetVariableByScopeAndName(pv.Scope, pv.Name)
		if v == nil {
			v = ctx.InAbsPath(pv.Scope).Checked(false).VariableWithValue(pv.Name, t)
		} else if !v.Shape().Equal(t.Shape()) {
			return fmt.Errorf("variable %s is %s in the partial checkpoint, %s in the model", v.ScopeAndName(), t.Shape(), v.Shape())
		} else if err := v.SetValue(t); err != nil {
			return err
		}
		v.Trainable = pv.Trainable
		held[v.ScopeAndName()] = true
	}
	var extra []*mlctx.Variable
	for v := range ctx.IterVariables() {
		if !held[v.ScopeAndName()] {
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

// RemovePartial removes the partial checkpoint under dir, if any.
func RemovePartial(dir string) error {
	err := os.Remove(filepath.Join(dir, partialFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
