package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemoSaysWhatBecomesOfItsFiles runs `polarbridge demo` as a user
// does, the binaries side by side: by default it says its directory is
// removed, and it is; with --dir it says where the files stay (#16).
func TestDemoSaysWhatBecomesOfItsFiles(t *testing.T) {
	bin := t.TempDir()
	for pkg, name := range map[string]string{".": "polarbridge", "../../plugins/csv": "polarbridge-csv"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	out, err := exec.Command(filepath.Join(bin, "polarbridge"), "demo").CombinedOutput()
	require.NoError(t, err, "%s", out)
	m := regexp.MustCompile(`\n(\S+) is removed now; run .polarbridge demo --keep. \(or .--dir DIR.\) to keep it\.`).FindSubmatch(out)
	require.NotNil(t, m, "%s", out)
	_, err = os.Stat(string(m[1]))
	assert.True(t, os.IsNotExist(err), "%s is gone", m[1])

	dir := filepath.Join(t.TempDir(), "demo")
	out, err = exec.Command(filepath.Join(bin, "polarbridge"), "demo", "--dir", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.NotContains(t, string(out), "is removed now")
	assert.FileExists(t, filepath.Join(dir, "export", "exercises.csv"))
}
