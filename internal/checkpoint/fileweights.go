package checkpoint

import (
	"regexp"

	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// fileWeightScope is where a layer keeps the weights it reads from a file:
// the sub-scope ONNX of the layer's scope under /model, as the onnx layer
// (package internal/onnx) names them.
var fileWeightScope = regexp.MustCompile(`^/model/[^/]+/ONNX(/|$)`)

// FileWeight reports whether v is a weight a layer read from a file and
// does not train (a frozen ONNX backbone's, or its BatchNorm statistics):
// checkpoints leave it out, since it never changes, and the layer reads it
// from its file again when a checkpoint is loaded. A file that changed in
// between changes the config's hash, so a resumed trial fails rather than
// mixing the two.
func FileWeight(v *mlctx.Variable) bool {
	return !v.Trainable && fileWeightScope.MatchString(v.Scope())
}
