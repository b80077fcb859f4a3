package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	isatty "github.com/mattn/go-isatty"

	"github.com/exp-runner/exp/internal/fileout"

	// Everything a config can name registers itself.
	_ "github.com/exp-runner/exp/internal/cpu"
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	_ "github.com/exp-runner/exp/internal/model"
	_ "github.com/exp-runner/exp/internal/optim"
	_ "github.com/exp-runner/exp/internal/xla"
	_ "github.com/gomlx/gomlx/backends/simplego"
)

// Exit codes. A command stopped by a signal exits with 128 + its number:
// ExitInterrupted after SIGINT (and when the caller's context is cancelled
// otherwise), ExitTerminated after SIGTERM.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitInterrupted = 130
	ExitTerminated  = 143
)

// ExitError carries an exit code; its message, if any, is printed to stderr.
type ExitError struct {
	Code int
	Err  error
}

// Error returns the underlying message.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ExitError) Unwrap() error { return e.Err }

func usageError(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// Main is the exp program: its output streams and environment.
type Main struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// Terminal reports whether w is a terminal, for progress bars (default:
	// an *os.File that isatty says is one).
	Terminal func(w io.Writer) bool
	// Exe is the program that runs trials (default: this executable), and
	// ChildEnv what it adds to their environment.
	Exe      string
	ChildEnv []string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// PassThrough lets a single trial process write to this process's own
	// standard output and error (set by exp.Main; tests capture output instead).
	PassThrough bool
}

// New returns a Main on the process's standard streams.
func New() *Main { return &Main{Stdout: os.Stdout, Stderr: os.Stderr} }

func (m *Main) getenv(k string) string {
	if m.Getenv != nil {
		return m.Getenv(k)
	}
	return os.Getenv(k)
}

func (m *Main) isTerminal(w io.Writer) bool {
	if m.Terminal != nil {
		return m.Terminal(w)
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

type command struct {
	hidden  bool // left out of exp help
	summary string
	usage   string // full usage text, with examples
	run     func(m *Main, ctx context.Context, args []string) error
}

var commands = map[string]*command{}

func register(name string, c *command) { commands[name] = c }

// Run runs the command line args (without the program name) and returns the
// process's exit code. Errors are printed to m.Stderr.
func (m *Main) Run(ctx context.Context, args []string) int {
	err := m.dispatch(ctx, args)
	if err == nil {
		return ExitOK // a server that drained after a signal ends here too
	}
	var ee *ExitError
	isExit := errors.As(err, &ee)
	if code := interruptedCode(ctx); code != 0 && (!isExit || ee.Code != ExitOK) {
		// Whatever the command made of it, the signal is why it stopped.
		if isExit && ee.Code == ExitInterrupted && ee.Err != nil {
			fmt.Fprintln(m.Stderr, ee.Err) // exp run: how to resume
		} else {
			fmt.Fprintln(m.Stderr, "exp:", context.Cause(ctx))
		}
		return code
	}
	if isExit {
		if ee.Err != nil {
			fmt.Fprintln(m.Stderr, ee.Err)
		}
		return ee.Code
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(m.Stderr, "exp: interrupted")
		return ExitInterrupted
	}
	fmt.Fprintln(m.Stderr, "exp:", err)
	return ExitFailed
}

func (m *Main) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		m.usage(m.Stderr)
		return &ExitError{Code: ExitUsage}
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		m.usage(m.Stdout)
		return nil
	case "help":
		if len(args) == 1 {
			m.usage(m.Stdout)
			return nil
		}
		c, ok := commands[args[1]]
		if !ok {
			return usageError("exp help: unknown command %q; see 'exp help'", args[1])
		}
		fmt.Fprint(m.Stdout, c.usage)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		msg := fmt.Sprintf("exp: unknown command %q", name)
		if s := nearestCommand(name); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return usageError("%s\nRun 'exp help' for the list of commands.", msg)
	}
	return c.run(m, ctx, args[1:])
}

func commandNames() []string {
	var names []string
	for n, c := range commands {
		if !c.hidden {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprint(w, `exp trains models described in YAML files and compares their results.

Usage:
	exp <command> [arguments]

Commands:
`)
	names := commandNames()
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "	%-*s  %s\n", width, n, commands[n].summary)
	}
	fmt.Fprint(w, `
Examples:
	exp run configs/mlp.yaml --epochs 5
	exp validate configs/cnn.yaml
	exp table

Run 'exp help <command>' for a command's flags and examples.
`)
}

// newFlagSet returns a flag set whose -h prints the command's usage to stdout
// and whose errors are usage errors.
func (m *Main) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("exp "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args with fs, letting flags and positional arguments mix
// (exp run FILE --epochs 5), and returns the positional ones.
func (m *Main) parse(fs *flag.FlagSet, name string, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(m.Stdout, commands[name].usage)
				return nil, &ExitError{Code: ExitOK}
			}
			return nil, usageError("exp %s: %v\nRun 'exp help %s' for usage.", name, err, name)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// multiFlag collects the values of a repeatable flag.
type multiFlag []string

func (f *multiFlag) String() string     { return strings.Join(*f, ", ") }
func (f *multiFlag) Set(v string) error { *f = append(*f, v); return nil }

// dbPath returns --db, else $EXP_DB, else ./runs.db.
func (m *Main) dbPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := m.getenv("EXP_DB"); v != "" {
		return v
	}
	return "runs.db"
}

// flagValue is flag.Value.
type flagValue = flag.Value

// flagSet adapts *flag.FlagSet to the small interface selection.flags uses.
type flagSet struct{ *flag.FlagSet }

func (f flagSet) Var(v flagValue, name, usage string) { f.FlagSet.Var(v, name, usage) }

// checkOutput refuses at once, as a usage error of command name, an -o
// path that cannot be written: a folder, or a file in a folder that does
// not exist ("" and "-", standard output, are fine).
func checkOutput(name, path string) error {
	if path == "" || path == "-" {
		return nil
	}
	if err := fileout.Check(path); err != nil {
		return usageError("exp %s: -o: %v", name, err)
	}
	return nil
}

// writeOutput writes with fn to the file path as package fileout does
// (atomically for a regular file, keeping its mode; through a link, a
// device or a FIFO; a folder is an error), or to standard output for ""
// or "-".
func (m *Main) writeOutput(path string, fn func(w io.Writer) error) error {
	if path == "" || path == "-" {
		return fn(m.Stdout)
	}
	if err := fileout.Write(path, fn); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "wrote %s\n", path)
	return nil
}
