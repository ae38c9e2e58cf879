package csvexport

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// samplesDir is the subdirectory of the per-exercise and per-player-session
// samples files.
const samplesDir = "samples"

// store is the output directory: the shared tables and, with samples on,
// the per-record samples files. It is not safe for concurrent use.
type store struct {
	dir     string
	samples bool
	tables  []*table // in tableSpecs order
}

// openStore prepares dir and loads the tables in it. Its errors wrap
// pluginapi.ErrInvalidConfig: they all mean the configured directory
// cannot be used as it is.
func openStore(dir string, samples bool) (*store, error) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs // clearer messages; the daemon's working directory is not obvious
	}
	s := &store{dir: dir, samples: samples}
	dirs := []string{dir}
	if samples {
		dirs = append(dirs, filepath.Join(dir, samplesDir))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, dirError("cannot create directory "+d, "create it or choose another directory", err)
		}
		if err := removeStaleTemps(d); err != nil {
			return nil, dirError("cannot clean up "+d, "check its permissions", err)
		}
		if err := checkWritable(d); err != nil {
			return nil, dirError("cannot write to "+d, "make it writable for the polarbridge user or choose another directory", err)
		}
	}

	var missing []*table
	for _, spec := range tableSpecs {
		if spec.samples && !samples {
			continue
		}
		t, exists, err := loadTable(spec, dir)
		if errors.Is(err, errUnexpectedHeader) {
			return nil, dirError(filepath.Join(dir, spec.file)+" was not written by the csv plugin",
				"move the file away or choose another directory", err)
		}
		if err != nil {
			return nil, dirError("cannot load "+filepath.Join(dir, spec.file), "repair or move the file", err)
		}
		s.tables = append(s.tables, t)
		if !exists {
			missing = append(missing, t)
		}
	}
	// Header-only files up front, so every file is there from the start
	// even before its first row.
	for _, t := range missing {
		if err := t.write(); err != nil {
			return nil, dirError("cannot write "+t.path, "check the directory's permissions and free space", err)
		}
	}
	return s, nil
}

func dirError(problem, hint string, err error) error {
	return fmt.Errorf("%w: key \"dir\": %s; %s: %w", pluginapi.ErrInvalidConfig, problem, hint, err)
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, tempPrefix+"write-check.csv"+tempPattern)
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// export writes a batch and returns one result per record.
//
// Order of work: records that can never be exported get Permanent; then
// the samples files of each exercise and player session are written;
// then each table, one rewrite per table for the whole batch. A record
// that failed at one step is left out of the later ones and gets Retry,
// so the host delivers it again and the rows it did get are simply
// replaced.
func (s *store) export(records []*pluginapi.Record) []*pluginapi.ExportResult {
	results := make([]*pluginapi.ExportResult, len(records))
	for i, r := range records {
		if reason := checkRecord(r); reason != "" {
			results[i] = pluginapi.Permanent("%s", reason)
		}
	}
	if s.samples {
		for i, r := range records {
			if results[i] != nil || !hasSampleFiles(r.GetKind()) {
				continue
			}
			switch err := s.writeSamples(r); {
			case errors.Is(err, pluginapi.ErrMalformedValues):
				results[i] = pluginapi.Permanent("record %s: %v", r.GetKey(), err)
			case err != nil:
				results[i] = pluginapi.Retry("%v", err)
			}
		}
	}
	for _, t := range s.tables {
		var applied []int
		for i, r := range records {
			if results[i] != nil || r.GetKind() != t.spec.kind {
				continue
			}
			t.put(r.GetKey(), t.spec.rows(r))
			applied = append(applied, i)
		}
		if !t.dirty {
			t.commit()
			continue
		}
		if err := t.write(); err != nil {
			t.rollback()
			for _, i := range applied {
				results[i] = pluginapi.Retry("write %s: %v", t.spec.file, err)
			}
			continue
		}
		t.commit()
	}
	for i := range results {
		if results[i] == nil {
			results[i] = pluginapi.OK()
		}
	}
	return results
}

// hasSampleFiles reports whether records of kind get files under
// samples/.
func hasSampleFiles(kind pluginapi.RecordKind) bool {
	return kind == pluginapi.RecordKind_RECORD_KIND_EXERCISE || kind == pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION ||
		kind == pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE
}

// writeSamples writes the samples file of an exercise or player session
// and, if it has RR intervals, its RR file. A stale RR file from an older
// version of the record is removed.
func (s *store) writeSamples(r *pluginapi.Record) error {
	var samples func(io.Writer) error
	var rr *timedSamples // nil: the kind has no RR file
	if p := r.GetPlayerSession(); p != nil {
		samples, rr = playerSamples(p).write, rrSamples(p.GetStart(), p.GetSamples())
	} else if c := r.GetContinuousHeartRate(); c != nil {
		samples = func(w io.Writer) error { return writeContinuousHeartRateSamples(w, c) }
	} else {
		e := r.GetExercise()
		samples, rr = exerciseSamples(e).write, rrSamples(e.GetStart(), e.GetSamples())
	}
	// The samples file finds bad values as it is written, and is then
	// not kept; the RR file, written after it, has its series checked
	// first. A record refused for bad values leaves the files of its
	// last version as they were.
	if rr != nil {
		for _, cs := range rr.series {
			if err := valuesError(cs.series); err != nil {
				return fmt.Errorf("RR intervals: %w", err)
			}
		}
	}
	name := samplesFileName(r.GetKey())
	path := filepath.Join(s.dir, samplesDir, name)
	if err := writeFileAtomic(path+".samples.csv", samples); err != nil {
		return fmt.Errorf("write %s/%s.samples.csv: %w", samplesDir, name, err)
	}
	if rr == nil || rr.empty() {
		if err := os.Remove(path + ".rr.csv"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s/%s.rr.csv: %w", samplesDir, name, err)
		}
		return nil
	}
	if err := writeFileAtomic(path+".rr.csv", rr.write); err != nil {
		return fmt.Errorf("write %s/%s.rr.csv: %w", samplesDir, name, err)
	}
	return nil
}

// samplesFileName turns a record key into the stem of its file names,
// <stem>.samples.csv and <stem>.rr.csv (the different last parts keep the
// two kinds of file apart for any pair of keys). Keys are made of letters, digits and . _ - in practice;
// anything else, and a leading dot (hidden files, ".."), is
// percent-escaped, so distinct keys always get distinct names.
func samplesFileName(key string) string {
	var b strings.Builder
	for i := range len(key) {
		c := key[i]
		safe := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '_' || c == '-' || c == '.' && i > 0
		if safe {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
