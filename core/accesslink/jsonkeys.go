package accesslink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// hyphenateKeys rewrites the top-level keys of a JSON object from
// snake_case to kebab-case. The exercise endpoints disagree on spelling:
// /v3/users/.../exercises/{id} sends "start-time", the hashed-id
// /v3/exercises endpoints send "start_time" but still "running-index", so
// types carry the hyphenated names and accept either. When both spellings
// are present the hyphenated one wins, deterministically.
func hyphenateKeys(data []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return data, nil // not an object: let the caller's Unmarshal report it
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &in); err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(in))
	for k, v := range in {
		nk := strings.ReplaceAll(k, "_", "-")
		if nk != k {
			if _, ok := in[nk]; ok {
				continue
			}
		}
		out[nk] = v
	}
	return json.Marshal(out)
}

// FlexString is a JSON value Polar documents as a string in one endpoint
// and a number in another (exercise ids, sample types); it keeps the text.
type FlexString string

// UnmarshalJSON accepts a string, a number (kept as written) or null.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
		return nil
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want string or number, got %s", b)
		}
		*f = FlexString(n)
		return nil
	}
}

// decodeJSON decodes data into v, wrapping failures in ErrInvalidPayload.
func decodeJSON(what string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %v: %w", what, err, ErrInvalidPayload)
	}
	return nil
}
