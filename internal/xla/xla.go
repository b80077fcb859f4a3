package xla

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gomlx/gomlx/backends"
	gomlxla "github.com/gomlx/gomlx/backends/xla"
)

// names are the names the backend is registered under: GoMLX's own.
var names = []string{"xla", "stablehlo", "hlo", "shlo"}

func init() {
	gomlxla.EnableAutoInstall(false)
	// GoMLX's package registered its constructor under these names when it
	// was initialized (before this package): replace it.
	for _, name := range names {
		backends.Register(name, New)
	}
}

// New creates GoMLX's XLA backend for config, after checking that the
// plugin it names is installed.
func New(config string) (backends.Backend, error) {
	if err := CheckPlugin(config); err != nil {
		return nil, err
	}
	return gomlxla.New(config)
}

// CheckPlugin returns an error if the PJRT plugin that config names cannot
// be found, without loading anything: a *MissingPluginError if no file has
// its name. Off Linux, where go-xla searches other folders, it leaves the
// check to GoMLX.
func CheckPlugin(config string) error {
	if runtime.GOOS != "linux" {
		return nil
	}
	return checkPlugin(config, defaultSearch())
}

// checkPlugin is CheckPlugin with the given search.
func checkPlugin(config string, search Search) error {
	name, _, _ := strings.Cut(config, ",")
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err != nil {
			return fmt.Errorf("xla: PJRT plugin file: %w", err)
		}
		return nil
	}
	if strings.ContainsAny(name, `/\`) || strings.HasSuffix(name, ".so") {
		return fmt.Errorf("xla: PJRT plugin %q: give a plugin name (cuda, cpu) or the absolute path of its file", name)
	}
	found := search.plugins()
	if _, ok := found[name]; ok || (name == "" && len(found) > 0) {
		return nil
	}
	return &MissingPluginError{Plugin: name, Search: search, Found: sortedKeys(found)}
}
