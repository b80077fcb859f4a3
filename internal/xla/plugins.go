package xla

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Search is where go-xla (v0.1.4, package pjrt) looks for PJRT plugins on
// Linux: the folders of $PJRT_PLUGIN_LIBRARY_PATH if it is set, else its
// standard folders, then those of $LD_LIBRARY_PATH and /etc/ld.so.conf.
type Search struct {
	// EnvSet tells whether $PJRT_PLUGIN_LIBRARY_PATH is set (to EnvPath):
	// then only its folders are searched.
	EnvSet  bool
	EnvPath string
	// Dirs are the folders searched, in order.
	Dirs []string
}

// pluginPathsEnv is go-xla's variable listing the folders to search.
const pluginPathsEnv = "PJRT_PLUGIN_LIBRARY_PATH"

// installURL is go-xla's documentation on installing PJRT plugins.
const installURL = "https://github.com/gomlx/go-xla#installation-of-pjrt-plugin"

// defaultSearch returns the search of this process's environment.
func defaultSearch() Search {
	home, err := os.UserHomeDir()
	if err != nil {
		home = "" // go-xla then skips the user's folders too.
	}
	env, set := os.LookupEnv(pluginPathsEnv)
	return newSearch(env, set, home, os.Getenv("LD_LIBRARY_PATH"), "/etc/ld.so.conf")
}

// newSearch lists the folders go-xla searches given its environment.
func newSearch(env string, envSet bool, home, ldLibraryPath, ldSoConf string) Search {
	s := Search{EnvSet: envSet, EnvPath: env}
	if envSet {
		s.Dirs = slices.DeleteFunc(strings.Split(env, ":"), func(d string) bool { return d == "" })
		return s
	}
	if home != "" {
		goxla := filepath.Join(home, ".local", "lib", "go-xla")
		s.Dirs = append(s.Dirs, goxla, filepath.Join(goxla, "nvidia"), filepath.Join(home, ".local", "lib", "gomlx", "pjrt"))
	}
	s.Dirs = append(s.Dirs, "/usr/local/lib/go-xla", "/usr/local/lib/go-xla/nvidia", "/usr/local/lib/gomlx/pjrt")
	for _, d := range strings.Split(ldLibraryPath, ":") {
		if filepath.IsAbs(d) {
			s.Dirs = append(s.Dirs, d)
		}
	}
	s.Dirs = ldSoConfDirs(s.Dirs, ldSoConf)
	return s
}

// ldSoConfDirs appends the folders listed in an ld.so.conf file, following
// its include lines. An unreadable file adds nothing, as in go-xla.
func ldSoConfDirs(dirs []string, file string) []string {
	f, err := os.Open(file)
	if err != nil {
		return dirs
	}
	defer f.Close() // read only: a close error changes nothing
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "", strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "include"):
			// A malformed pattern matches nothing, as in go-xla.
			files, _ := filepath.Glob(strings.TrimSpace(strings.TrimPrefix(line, "include")))
			for _, inc := range files {
				dirs = ldSoConfDirs(dirs, inc)
			}
		default:
			dirs = append(dirs, line)
		}
	}
	return dirs
}

// pluginFile matches the file names of PJRT plugins; the first group is the
// plugin's name.
var pluginFile = []*regexp.Regexp{
	regexp.MustCompile(`^pjrt_c_api_(.+)_plugin\.so$`),
	regexp.MustCompile(`^pjrt[-_]plugin[-_](.+)\.so$`),
}

// plugins lists the plugin files in the search's folders by name, the first
// one found for each name, without loading any.
func (s Search) plugins() map[string]string {
	found := map[string]string{}
	for _, dir := range s.Dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // a missing folder holds no plugin
		}
		for _, e := range entries {
			for _, re := range pluginFile {
				m := re.FindStringSubmatch(e.Name())
				if m == nil {
					continue
				}
				if _, ok := found[m[1]]; !ok {
					found[m[1]] = filepath.Join(dir, e.Name())
				}
				break
			}
		}
	}
	return found
}

// describe says where the search looks, in words that do not depend on
// this machine's folders (unless $PJRT_PLUGIN_LIBRARY_PATH names them).
func (s Search) describe() string {
	if s.EnvSet {
		return fmt.Sprintf("in $%s (%q)", pluginPathsEnv, s.EnvPath)
	}
	return "in ~/.local/lib/go-xla, /usr/local/lib/go-xla (or their nvidia folders), ~/.local/lib/gomlx/pjrt, " +
		"/usr/local/lib/gomlx/pjrt, or the folders of $LD_LIBRARY_PATH and /etc/ld.so.conf"
}

// MissingPluginError is returned when the PJRT plugin a config names is not
// installed.
type MissingPluginError struct {
	// Plugin is the name asked for; "" for any.
	Plugin string
	// Search is where it was looked for.
	Search Search
	// Found are the names of the plugins that were found, sorted.
	Found []string
}

// File is the plugin's usual file name.
func (e *MissingPluginError) File() string {
	name := e.Plugin
	if name == "" {
		name = "<name>"
	}
	return "pjrt_c_api_" + name + "_plugin.so"
}

// Error says what is missing, where it was looked for, and how to install it.
func (e *MissingPluginError) Error() string {
	what := fmt.Sprintf("PJRT plugin %q not found", e.Plugin)
	if e.Plugin == "" {
		what = "no PJRT plugin found"
	}
	if len(e.Found) > 0 {
		what += fmt.Sprintf(" (found: %s)", strings.Join(e.Found, ", "))
	}
	return fmt.Sprintf("xla: %s: no file %s %s; exp downloads nothing: install it with go-xla's installer "+
		"(go run github.com/gomlx/go-xla/cmd/pjrt_installer@latest, which puts plugins in ~/.local/lib/go-xla; see %s), "+
		"or point $%s at the folder that holds it, or give its path: backend: xla:/path/to/%s",
		what, e.File(), e.Search.describe(), installURL, pluginPathsEnv, e.File())
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
