// Package infile reads the files a user names (data, labels, inputs to
// predict, config files) the way exp must: stopping promptly when the
// command is interrupted, stopping at a limit before memory runs out, and
// saying in words what is wrong with a path.
//
// Open returns a Reader whose reads fail with the context's error once it
// is done, also a read blocked on a slow FIFO (it is woken), and fail with
// a *TooLargeError past a limit of bytes. NewReader does the same for any
// stream, such as a gzip file's decompressed bytes. ReadAll reads a whole
// file within a limit, refusing a regular file larger than it before
// reading anything. Stat and Explain turn "stat …: no such file or
// directory" into "… does not exist", and name the missing target of a
// dangling symbolic link.
package infile
