package xla

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// write creates the file dir/name holding text.
func write(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// touch creates empty files under dir.
func touch(t *testing.T, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		write(t, dir, f, "")
	}
}

func TestSearchDirs(t *testing.T) {
	tmp := t.TempDir()
	conf := filepath.Join(tmp, "ld.so.conf")
	write(t, tmp, "ld.so.conf", "# comment\ninclude "+filepath.Join(tmp, "conf.d", "*.conf")+"\n/opt/lib\n")
	write(t, tmp, "conf.d/a.conf", "  /usr/lib/x86_64-linux-gnu  \n\n")
	got := newSearch("", false, "/home/u", "/ld1:relative::/ld2", conf).Dirs
	want := []string{
		"/home/u/.local/lib/go-xla", "/home/u/.local/lib/go-xla/nvidia", "/home/u/.local/lib/gomlx/pjrt",
		"/usr/local/lib/go-xla", "/usr/local/lib/go-xla/nvidia", "/usr/local/lib/gomlx/pjrt",
		"/ld1", "/ld2", "/usr/lib/x86_64-linux-gnu", "/opt/lib",
	}
	if !slices.Equal(got, want) {
		t.Errorf("dirs\n got %q\nwant %q", got, want)
	}
	env := newSearch("/a::/b", true, "/home/u", "/ld1", conf)
	if !slices.Equal(env.Dirs, []string{"/a", "/b"}) {
		t.Errorf("with $PJRT_PLUGIN_LIBRARY_PATH: dirs %q, want only its folders", env.Dirs)
	}
}

func TestPlugins(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	touch(t, a, "pjrt_c_api_cuda_plugin.so", "pjrt-plugin-tpu.so", "libother.so", "pjrt_c_api_cpu_plugin.so.1")
	touch(t, b, "pjrt_c_api_cuda_plugin.so", "pjrt_plugin_cpu.so")
	got := Search{Dirs: []string{filepath.Join(a, "missing"), a, b}}.plugins()
	want := map[string]string{
		"cuda": filepath.Join(a, "pjrt_c_api_cuda_plugin.so"), // the first folder wins
		"tpu":  filepath.Join(a, "pjrt-plugin-tpu.so"),
		"cpu":  filepath.Join(b, "pjrt_plugin_cpu.so"),
	}
	if len(got) != len(want) {
		t.Errorf("plugins %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("plugin %s at %q, want %q", k, got[k], v)
		}
	}
}

func TestCheckPlugin(t *testing.T) {
	empty, full := t.TempDir(), t.TempDir()
	touch(t, full, "pjrt_c_api_cpu_plugin.so")
	abs := filepath.Join(full, "pjrt_c_api_cpu_plugin.so")
	for _, tt := range []struct {
		config string
		dir    string
		want   string // "" for no error
	}{
		{"cpu", full, ""},
		{"cpu,shared_buffers", full, ""},
		{"", full, ""},
		{abs, empty, ""},
		{"cuda", full, `xla: PJRT plugin "cuda" not found (found: cpu): no file pjrt_c_api_cuda_plugin.so in $PJRT_PLUGIN_LIBRARY_PATH`},
		{"cuda,tf32", empty, `xla: PJRT plugin "cuda" not found: no file pjrt_c_api_cuda_plugin.so in`},
		{"", empty, "xla: no PJRT plugin found: no file pjrt_c_api_<name>_plugin.so in"},
		{filepath.Join(empty, "x.so"), full, "xla: PJRT plugin file: stat " + filepath.Join(empty, "x.so")},
		{"./x.so", full, `give a plugin name (cuda, cpu) or the absolute path of its file`},
	} {
		err := checkPlugin(tt.config, Search{EnvSet: true, EnvPath: tt.dir, Dirs: []string{tt.dir}})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.config, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: error %v, want it to contain %q", tt.config, err, tt.want)
		}
	}
}

// TestMissingPluginMessage checks what a user is told, with go-xla's
// standard folders.
func TestMissingPluginMessage(t *testing.T) {
	err := &MissingPluginError{Plugin: "cuda", Search: newSearch("", false, "/home/u", "", "/nonexistent")}
	want := "xla: PJRT plugin \"cuda\" not found: no file pjrt_c_api_cuda_plugin.so in ~/.local/lib/go-xla, /usr/local/lib/go-xla " +
		"(or their nvidia folders), ~/.local/lib/gomlx/pjrt, /usr/local/lib/gomlx/pjrt, or the folders of $LD_LIBRARY_PATH and " +
		"/etc/ld.so.conf; exp downloads nothing: install it with go-xla's installer (go run " +
		"github.com/gomlx/go-xla/cmd/pjrt_installer@latest, which puts plugins in ~/.local/lib/go-xla; see " +
		"https://github.com/gomlx/go-xla#installation-of-pjrt-plugin), or point $PJRT_PLUGIN_LIBRARY_PATH at the folder " +
		"that holds it, or give its path: backend: xla:/path/to/pjrt_c_api_cuda_plugin.so"
	if err.Error() != want {
		t.Errorf("message\n got %s\nwant %s", err, want)
	}
}

// TestRegistered checks that GoMLX's names for the backend reach New: with
// no plugin in $PJRT_PLUGIN_LIBRARY_PATH, creating it fails with a
// *MissingPluginError (and nothing is downloaded or loaded).
func TestRegistered(t *testing.T) {
	t.Setenv(pluginPathsEnv, t.TempDir())
	for _, name := range names {
		if !slices.Contains(backends.List(), name) {
			t.Fatalf("%q not registered: %q", name, backends.List())
		}
		_, err := backends.NewWithConfig(name + ":cuda")
		var missing *MissingPluginError
		if !errors.As(err, &missing) || missing.Plugin != "cuda" {
			t.Errorf("%s:cuda: error %v, want a missing plugin", name, err)
		}
	}
}
