// Command exp trains models described in YAML files and compares their
// results. See 'exp help'.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/exp-runner/exp/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills at once
	}()
	m := cli.New()
	m.PassThrough = true
	code := m.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
