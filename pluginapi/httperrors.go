package pluginapi

import (
	"errors"
	"net"
)

// LostError is the failure of a request the destination may have received
// and acted on although no usable answer came back: the connection broke
// or timed out after sending, the answer could not be read, or a 5xx (a
// server can fail after storing, and a proxy's 502 or 504 can come while
// or after the server did the work). An exporter that creates things
// (uploads, activities) must assume the thing may exist after a
// LostError; a 4xx or a request never sent (NotSent) created nothing.
type LostError struct{ Err error }

func (e *LostError) Error() string { return e.Err.Error() }
func (e *LostError) Unwrap() error { return e.Err }

// AnswerLost reports whether err is (or wraps) a LostError.
func AnswerLost(err error) bool {
	var l *LostError
	return errors.As(err, &l)
}

// NotSent reports whether an HTTP client error happened before the
// request left: no connection to the server (or its proxy) was opened.
func NotSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}
