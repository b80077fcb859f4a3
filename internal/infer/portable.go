package infer

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
)

// reasonPath is a FILE:LINE in a task_reason, as csv runs stored them
// before they named files by base name ("… e.g. "setosa" at
// /home/me/iris.csv:2").
var reasonPath = regexp.MustCompile(` at (/[^"]*?):(\d+)`)

// PortablePreprocessing returns pre with the absolute paths of its
// task_reason (older runs stored them) cut to base names, for a model
// folder meant to be shipped; everything else is left byte for byte.
func PortablePreprocessing(pre []byte) []byte {
	var p struct {
		TaskReason string `json:"task_reason"`
	}
	if json.Unmarshal(pre, &p) != nil || !reasonPath.MatchString(p.TaskReason) {
		return pre
	}
	portable := reasonPath.ReplaceAllStringFunc(p.TaskReason, func(m string) string {
		sub := reasonPath.FindStringSubmatch(m)
		return " at " + filepath.Base(sub[1]) + ":" + sub[2]
	})
	before, err1 := json.Marshal(p.TaskReason)
	after, err2 := json.Marshal(portable)
	if err1 != nil || err2 != nil {
		return pre
	}
	return bytes.Replace(pre, before, after, 1)
}
