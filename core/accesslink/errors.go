package accesslink

import (
	"errors"
	"fmt"

	"github.com/polarbridge/polarbridge/core/polarhttp"
)

// Sentinel errors. Every error this package returns wraps one of them, so
// callers can tell bad input (dead-letter it) from anything else.
var (
	// ErrBadFIT: the FIT file cannot be decoded.
	ErrBadFIT = errors.New("bad FIT file")
	// ErrInvalidDuration: not an ISO 8601 duration Polar sends.
	ErrInvalidDuration = polarhttp.ErrInvalidDuration
	// ErrMalformedSample: a sample series cannot be parsed.
	ErrMalformedSample = errors.New("malformed sample")
	// ErrInvalidTime: a timestamp, clock time or UTC offset is invalid
	// or missing.
	ErrInvalidTime = errors.New("invalid time")
	// ErrInvalidPayload: JSON that does not decode, or lacks a field the
	// record needs (an id, a date).
	ErrInvalidPayload = errors.New("invalid AccessLink payload")
)

// SampleError locates a malformed entry in a sample series. It matches
// ErrMalformedSample with errors.Is.
type SampleError struct {
	SampleType string // Polar sample type key, e.g. "0"
	Index      int    // position in the comma-separated data; -1 if none
	Value      string // the offending entry
	Err        error  // underlying cause, may be nil
}

func (e *SampleError) Error() string {
	msg := fmt.Sprintf("malformed sample type %s", e.SampleType)
	if name, ok := sampleTypeNames[e.SampleType]; ok {
		msg = fmt.Sprintf("malformed sample type %s (%s)", e.SampleType, name)
	}
	if e.Index >= 0 {
		msg += fmt.Sprintf(", entry %d %q", e.Index, e.Value)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap lets errors.Is match both ErrMalformedSample and the cause.
func (e *SampleError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrMalformedSample}
	}
	return []error{ErrMalformedSample, e.Err}
}
