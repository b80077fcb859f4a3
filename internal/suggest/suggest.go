// Package suggest finds the nearest known name to a misspelt one, for
// "did you mean …?" hints in error messages.
package suggest

import "strings"

// Nearest returns the candidate nearest to name by edit distance, or "" when
// none is near enough to be a plausible typo: the distance must be at most a
// third of the longer word's length (at least 1), or the candidate must start
// with name or name with it.
func Nearest(name string, candidates []string) string {
	best, bestDist := "", -1
	lname := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := Distance(lname, lc)
		limit := max(1, max(len(lname), len(lc))/3)
		if d > limit && !(len(lname) >= 2 && (strings.HasPrefix(lc, lname) || strings.HasPrefix(lname, lc))) {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// Distance returns the Damerau–Levenshtein (optimal string alignment) distance
// between a and b, counted in bytes: insertions, deletions, substitutions and
// transpositions of adjacent characters each cost 1.
func Distance(a, b string) int {
	la, lb := len(a), len(b)
	d := make([][]int, la+1)
	for i := range d {
		d[i] = make([]int, lb+1)
		d[i][0] = i
	}
	for j := 0; j <= lb; j++ {
		d[0][j] = j
	}
	for i := 1; i <= la; i++ {
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[la][lb]
}
