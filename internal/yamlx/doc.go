// Package yamlx decodes YAML documents into typed Go structs strictly and with
// positions, so that every configuration error can be reported as
//
//	configs/cnn.yaml:14:9: model.layers[3].type: unknown layer "conv2" (known: …); did you mean "conv2d"?
//
// A Doc is a parsed file: its root yaml.Node plus labels for the nodes that
// came from elsewhere (a `--set` flag is labelled "--set #2" and reported as
// such instead of a line and column). A Reporter walks a Doc alongside the
// value being decoded or validated; it collects every error instead of
// stopping at the first, so a user sees all that is wrong with a file at once.
//
// Decode fills a struct from a mapping node: keys map to fields through their
// `yaml:"name"` tags, unknown and duplicate keys are errors, scalars must have
// the field's type, and fields whose key is absent keep the value they had, so
// defaults are set before decoding (Default → Parse → Validate). A type may take
// over its own decoding by implementing Unmarshaler.
//
// Encode is the inverse: it turns a decoded (and defaulted) value back into a
// yaml.Node in field order, which gives the resolved configuration that is
// stored with each run and the canonical form that is hashed.
package yamlx
