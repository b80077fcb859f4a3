package datasets

import (
	"encoding/json"
	"fmt"

	"github.com/exp-runner/exp/internal/tabular"
	"github.com/exp-runner/exp/registry"
)

// The datasets whose inputs a preprocessing describes say, from it alone,
// what a model trained on them takes; loading a model folder checks its
// model.json against this. TargetDim is 0 where the preprocessing does not
// say how many targets a regression has.

// PreprocessedInfo returns the shape of the model inputs the preprocessing
// pre makes (one per numeric feature and per category) and its classes or
// single regression target.
func (c *CSV) PreprocessedInfo(pre []byte) (registry.DataInfo, error) {
	p, err := tabular.ParsePreprocessing(pre)
	if err != nil {
		return registry.DataInfo{}, err
	}
	info := registry.DataInfo{Shape: []int{p.Width()}}
	if p.Task == tabular.Classification {
		info.NumClasses = len(p.Classes)
	} else {
		info.TargetDim = 1
	}
	return info, nil
}

// PreprocessedInfo returns the image size and channels of the preprocessing
// pre, and its classes or single regression target.
func (m *Images) PreprocessedInfo(pre []byte) (registry.DataInfo, error) {
	var p imagesPreprocessing
	if err := json.Unmarshal(pre, &p); err != nil {
		return registry.DataInfo{}, fmt.Errorf("preprocessing: %w", err)
	}
	if len(p.ImageSize) != 2 {
		return registry.DataInfo{}, fmt.Errorf("preprocessing: image_size %v: want [height, width]", p.ImageSize)
	}
	channels := map[string]int{"grayscale": 1, "rgb": 3}[p.ColorMode]
	if channels == 0 {
		return registry.DataInfo{}, fmt.Errorf("preprocessing: color_mode %q: want grayscale or rgb", p.ColorMode)
	}
	info := registry.DataInfo{Shape: []int{p.ImageSize[0], p.ImageSize[1], channels}}
	return info, taskInfo(&info, p.Task, p.ClassNames, "class_names", 1)
}

// PreprocessedInfo returns the example shape of the preprocessing pre, and
// its classes (a regression's number of targets is not in it: 0).
func (n *NPZ) PreprocessedInfo(pre []byte) (registry.DataInfo, error) {
	var p npzPreprocessing
	if err := json.Unmarshal(pre, &p); err != nil {
		return registry.DataInfo{}, fmt.Errorf("preprocessing: %w", err)
	}
	info := registry.DataInfo{Shape: p.Shape}
	return info, taskInfo(&info, p.Task, p.Classes, "classes", 0)
}

// taskInfo sets info's classes (the number of names, from the field key)
// or, for a regression, its targets.
func taskInfo(info *registry.DataInfo, task string, names []string, key string, targets int) error {
	switch task {
	case "classification":
		if len(names) == 0 {
			return fmt.Errorf("preprocessing: a classification without %s", key)
		}
		info.NumClasses = len(names)
	case "regression":
		info.TargetDim = targets
	default:
		return fmt.Errorf("preprocessing: task %q: want classification or regression", task)
	}
	return nil
}
