package csvexport

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "exercises.csv")
	require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o600))

	require.NoError(t, writeFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, "new\n")
		return err
	}))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new\n", string(got))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
	assert.Equal(t, []string{"exercises.csv"}, dirNames(t, dir), "no temporary file may be left")
}

// TestWriteFileAtomicFailure fails a write half way, as a full disk would:
// the old file must be untouched and the temporary file gone.
func TestWriteFileAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "exercises.csv")
	require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o644))
	errFull := errors.New("no space left on device")

	err := writeFileAtomic(path, func(w io.Writer) error {
		// More than the buffer, so part of it reaches the temp file.
		if _, err := w.Write(make([]byte, 256<<10)); err != nil {
			return err
		}
		return errFull
	})
	require.ErrorIs(t, err, errFull)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "old\n", string(got))
	assert.Equal(t, []string{"exercises.csv"}, dirNames(t, dir))
}

func TestWriteFileAtomicOntoDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "exercises.csv")
	require.NoError(t, os.Mkdir(path, 0o755))
	err := writeFileAtomic(path, func(w io.Writer) error { return nil })
	require.Error(t, err)
	assert.Equal(t, []string{"exercises.csv"}, dirNames(t, dir))
}

// TestQuotedFieldsRoundTrip checks RFC 4180 quoting survives a reload:
// after a restart, redelivering a record with commas, quotes and a newline
// in a field finds the loaded row identical and does not rewrite it.
func TestQuotedFieldsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ex := newExercise("aQlC83", "v1", exerciseStart, 0)
	ex.GetExercise().Device = "Polar \"Grit X\", Pro\nsecond line"
	first := newConfigured(t, dir, false)
	requireAllOK(t, export(t, first, ex))
	require.NoError(t, first.Close()) // the process ends

	raw, err := os.ReadFile(filepath.Join(dir, "exercises.csv"))
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"Polar ""Grit X"", Pro`+"\nsecond line\"")
	before, err := os.Stat(filepath.Join(dir, "exercises.csv"))
	require.NoError(t, err)

	requireAllOK(t, export(t, newConfigured(t, dir, false), ex))
	after, err := os.Stat(filepath.Join(dir, "exercises.csv"))
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "the reloaded row should equal the redelivered one")
	assert.Equal(t, []string{ex.GetExercise().GetDevice()}, column(t, readCSV(t, filepath.Join(dir, "exercises.csv")), "device"))
}
