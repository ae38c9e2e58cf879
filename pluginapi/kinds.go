package pluginapi

import (
	"fmt"
	"strings"
	"time"
)

// KindName is the lower-case name of a kind used in subjects, keys and
// config: "exercise", "sleep", "nightly_recharge".
func KindName(k RecordKind) string {
	return strings.ToLower(strings.TrimPrefix(k.String(), "RECORD_KIND_"))
}

// ParseKind is the inverse of KindName.
func ParseKind(name string) (RecordKind, error) {
	v, ok := RecordKind_value["RECORD_KIND_"+strings.ToUpper(name)]
	if !ok || v == 0 {
		return 0, fmt.Errorf("unknown record kind %q", name)
	}
	return RecordKind(v), nil
}

// Local is the instant in its own UTC offset (a fixed zone), so that its
// date and clock time are the local ones; the zero time for nil.
func (t *Time) Local() time.Time {
	if t.GetUtc() == nil {
		return time.Time{}
	}
	return t.GetUtc().AsTime().In(time.FixedZone("", int(t.GetUtcOffsetMinutes())*60))
}

// File returns the record's original file of the given format, or nil.
func (e *Exercise) File(format FileFormat) *File {
	for _, f := range e.GetFiles() {
		if f.GetFormat() == format {
			return f
		}
	}
	return nil
}

// Series returns the exercise's series of the given type, or nil.
func (e *Exercise) Series(t SampleType) *Series {
	for _, s := range e.GetSamples() {
		if s.GetType() == t {
			return s
		}
	}
	return nil
}
