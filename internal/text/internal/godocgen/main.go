package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func main() {
	out := flag.String("out", "configs/data", "folder to write godoc-train.csv, godoc-val.csv and godoc-NOTICE.txt into")
	goroot := flag.String("goroot", "", "Go installation to read (default: `go env GOROOT`)")
	flag.Parse()
	if err := run(*out, *goroot); err != nil {
		fmt.Fprintln(os.Stderr, "godocgen:", err)
		os.Exit(1)
	}
}

func run(out, goroot string) error {
	if goroot == "" {
		b, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			return fmt.Errorf("go env GOROOT: %w", err)
		}
		goroot = strings.TrimSpace(string(b))
	}
	files, err := Files(goroot)
	if err != nil {
		return err
	}
	for name, body := range files {
		if err := os.WriteFile(out+"/"+name, body, 0o644); err != nil {
			return err
		}
	}
	return nil
}
