package onnx

import (
	"fmt"
	"testing"
)

// TestSummary checks what `exp validate` shows against counts worked out by
// hand from the PyTorch models of make_models.py.
func TestSummary(t *testing.T) {
	be := cpuBackend(t, "cpu")
	// SmallCNN exported keeping its BatchNorms: conv 3→8 (3·3·3·8 + 8 = 224),
	// BN 8 (16 + 16 statistics), conv 8→16 stride 2 (3·3·8·16 + 16 = 1168), BN 16
	// (32 + 32), dense 256→10 (2570), BN 10 (20 + 20).
	for _, tt := range []struct {
		file, output string
		dims         []int
		trainable    bool
		want         string
		ops          int
	}{
		{"cnn_bn_preserve_op13", "", []int{16, 16, 3}, true, "[-1 10] 4030 68 13", 10},
		{"cnn_bn_preserve_op13", "", []int{16, 16, 3}, false, "[-1 10] 0 4098 13", 10},
		{"cnn_bn_preserve_op17", "/Flatten_output_0", []int{16, 16, 3}, true, "[-1 256] 1440 48 17", 8},
		// A rank-4 cut comes out channels-last: [N, 4, 4, 16].
		{"cnn_bn_preserve_op13", "/Relu_1_output_0", []int{16, 16, 3}, true, "[-1 4 4 16] 1440 48 13", 7},
		// Other input sizes: the graph allows any that pools to 4×4 before
		// the dense layer: 16×16, 17×17 (the stride-2 conv rounds up).
		{"cnn_bn_preserve_op13", "", []int{17, 17, 3}, true, "[-1 10] 4030 68 13", 10},
		// Exported with BatchNorm folded into the convolutions: their biases
		// stay, the BN1d after the dense layer too (20 weights, 20 statistics).
		{"cnn_bn_op13", "", []int{16, 16, 3}, true, "[-1 10] 3982 20 13", 8},
		{"transformer_op17", "", []int{6, 32}, true, "[-1 6 32] 17088 0 17", 0},
	} {
		t.Run(fmt.Sprint(tt.file, tt.output, tt.dims, tt.trainable), func(t *testing.T) {
			m, err := Open("testdata/"+tt.file+".onnx", 0)
			if err != nil {
				t.Fatal(err)
			}
			s, err := m.Summarize(be, Options{Output: tt.output}, tt.dims, tt.trainable)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(s.Output, s.Trainable, s.NonTrainable, s.Opset); got != tt.want {
				t.Errorf("output, trainable, non-trainable, opset: %s, want %s", got, tt.want)
			}
			if tt.ops > 0 && s.Ops != tt.ops {
				t.Errorf("%d ops, want %d", s.Ops, tt.ops)
			}
			if s.Activations <= 0 {
				t.Errorf("activations %d per example", s.Activations)
			}
		})
	}
}

// TestBuildErrors checks the errors found when the graph is built: they name
// the node and say what to do.
func TestBuildErrors(t *testing.T) {
	be := cpuBackend(t, "cpu")
	m, err := Open("testdata/cnn_bn_op13.onnx", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Summarize(be, Options{}, []int{16, 16, 1}, false)
	wantErr(t, err, "testdata/cnn_bn_op13.onnx: the model takes images of 3 channels (input [batch, 3, 16, 16], layout nchw), "+
		"the data has 1: give grey images three channels with data.color_mode: rgb")
	_, err = m.Summarize(be, Options{}, []int{16, 16}, false)
	wantErr(t, err, "the model takes rank-4 inputs [batch, 3, 16, 16], the data is rank 3 [2 16 16]")
	_, err = m.Summarize(be, Options{}, []int{32, 32, 3}, false)
	wantErr(t, err, `node "/fc/Gemm" (Gemm)`, "(the model was exported for input [batch, 3, 16, 16]; the data gives [2 3 32 32])")

	// Exported with a fixed batch of 1 and a graph that mixes the batch's
	// examples: any other batch size fails, saying how to export.
	m, err = Open("testdata/mixes_batch.onnx", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Summarize(be, Options{}, []int{8, 8, 3}, false)
	wantErr(t, err, "testdata/mixes_batch.onnx: ", "the model was exported with a fixed batch size of 1",
		`dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}`)

	// An attribute exp does not handle.
	m, err = Open("testdata/zoo_op13.onnx", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range m.nodes {
		if n.op == "Resize" {
			n.attrs["mode"].s = "cubic"
			_, err = m.Summarize(be, Options{}, []int{12, 12, 3}, false)
			wantErr(t, err, fmt.Sprintf(`testdata/zoo_op13.onnx: node %q (Resize): mode "cubic" is not supported`, n.name))
			break
		}
	}
}
