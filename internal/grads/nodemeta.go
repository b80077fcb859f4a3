package grads

import (
	"sync"
	"weak"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// NodeMeta remembers a value for each graph node a function made, so that
// a gradient registered for the node's op can tell those nodes (and their
// parameters) from the op's other uses. Entries of nodes that are gone are
// dropped as new ones are set. The zero value is ready to use and safe for
// concurrent use.
type NodeMeta[T any] struct {
	mu sync.Mutex
	m  map[weak.Pointer[graph.Node]]T
}

// Set remembers v for node.
func (n *NodeMeta[T]) Set(node *graph.Node, v T) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[weak.Pointer[graph.Node]]T{}
	}
	for k := range n.m { // forget nodes of graphs that are gone
		if k.Value() == nil {
			delete(n.m, k)
		}
	}
	n.m[weak.Make(node)] = v
}

// Get returns the value remembered for node, if any.
func (n *NodeMeta[T]) Get(node *graph.Node) (T, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	v, ok := n.m[weak.Make(node)]
	return v, ok
}
