// Package contenthash identifies a dataset by the contents of its files, not
// their paths: the same bytes under another name or in another folder hash
// the same, and any changed byte changes the hash.
package contenthash
