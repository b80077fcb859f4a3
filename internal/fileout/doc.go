// Package fileout writes the files a user names on the command line (-o
// FILE and the like) without damaging what the name points at.
//
// What Create and Write do depends on what is at the path:
//
//   - nothing: a new file (mode 0644) is written atomically: a temporary
//     file in the same folder, synced, then renamed into place, so that a
//     failure leaves nothing behind;
//   - a regular file: it is replaced atomically the same way, and the new
//     file keeps the old one's permission bits, owner and group;
//   - a symbolic link (to any depth, even a dangling one): the link is
//     followed and its final target written as above, in the target's
//     folder; the link stays a link;
//   - a regular file with more than one hard link, or one whose owner or
//     group this process cannot give a new file, or whose folder it cannot
//     write: it is written in place (truncated, then written), so that
//     every link sees the new contents and the file keeps its owner. This
//     is not atomic: a failure midway leaves it partly written;
//   - anything else that is not a folder (a device such as /dev/null or
//     /dev/full, a FIFO, a pipe or terminal behind /dev/stdout): it is
//     opened and written through, never renamed over;
//   - a link that names an open file rather than a path (/dev/stdout,
//     /proc/self/fd/N) to a regular file: it is written through,
//     appending, as writing to that file descriptor would;
//   - a folder: an error.
//
// Errors name the path; a write error of a device (ENOSPC from /dev/full)
// comes back from Close or Write, and nothing else is touched.
package fileout
