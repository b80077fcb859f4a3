package train

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a Keras-like bar with an ETA on a terminal, redrawn at most
// ten times a second.
type progress struct {
	w             io.Writer
	epoch, epochs int
	steps         int
	now           func() time.Time
	start, last   time.Time
	drawn         bool
}

func newProgress(w io.Writer, epoch, epochs, steps int, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, epoch: epoch, epochs: epochs, steps: steps, now: now, start: t}
}

const barWidth = 30

func (p *progress) update(done int, loss float64, acc *float64) {
	if p.w == nil {
		return
	}
	t := p.now()
	if done < p.steps && t.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = t
	elapsed := t.Sub(p.start)
	eta := time.Duration(float64(elapsed) / float64(done) * float64(p.steps-done))
	filled := barWidth * done / p.steps
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(".", barWidth-filled-1)
	}
	line := fmt.Sprintf("Epoch %d/%d %*d/%d [%s] ETA %s - loss: %.4f", p.epoch, p.epochs, len(fmt.Sprint(p.steps)), done, p.steps, bar, formatETA(eta), loss)
	if acc != nil {
		line += fmt.Sprintf(" - accuracy: %.4f", *acc)
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	p.drawn = true
}

func (p *progress) clear() {
	if p.w != nil && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

func formatETA(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
