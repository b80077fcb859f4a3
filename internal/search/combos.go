package search

import (
	"container/heap"
	"fmt"
)

// bestNew returns the combination of one candidate per parameter with the
// highest total score whose point seen does not hold, looking at no more
// than maxCombos combinations in decreasing order of score; nil if none is
// new. Each list is sorted best first.
func bestNew(cands [][]scored, seen map[string]bool) []float64 {
	h := &comboHeap{}
	visited := map[string]bool{}
	push := func(idx []int) {
		k := fmt.Sprint(idx)
		if visited[k] {
			return
		}
		visited[k] = true
		total := 0.0
		for p, i := range idx {
			total += cands[p][i].s
		}
		heap.Push(h, combo{idx, total, len(visited)})
	}
	push(make([]int, len(cands)))
	for range maxCombos {
		if h.Len() == 0 {
			return nil
		}
		c := heap.Pop(h).(combo)
		x := make([]float64, len(cands))
		for p, i := range c.idx {
			x[p] = cands[p][i].x
		}
		if !seen[key(x)] {
			return x
		}
		for p := range c.idx {
			if c.idx[p]+1 < len(cands[p]) {
				next := append([]int(nil), c.idx...)
				next[p]++
				push(next)
			}
		}
	}
	return nil
}

// combo is a choice of one candidate per parameter, with its total score;
// order breaks ties by insertion, so enumeration is deterministic.
type combo struct {
	idx   []int
	score float64
	order int
}

type comboHeap []combo

func (h comboHeap) Len() int { return len(h) }
func (h comboHeap) Less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score > h[j].score
	}
	return h[i].order < h[j].order
}
func (h comboHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *comboHeap) Push(x any)   { *h = append(*h, x.(combo)) }
func (h *comboHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
