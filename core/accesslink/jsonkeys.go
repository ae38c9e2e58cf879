package accesslink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
)

// unmarshalHyphenated decodes a JSON object into the struct v points to,
// reading each top-level key in kebab-case: the exercise endpoints
// disagree on spelling (/v3/users/.../exercises/{id} sends "start-time",
// the hashed-id /v3/exercises endpoints "start_time" but still
// "running-index"), so types carry the hyphenated names and accept
// either. When both spellings are present the hyphenated one wins,
// deterministically. Each value is decoded straight into its field: an
// exercise with its samples inline is megabytes, once rewritten and
// re-encoded it cost four copies and a fifth of the daemon's CPU.
func unmarshalHyphenated(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return json.Unmarshal(data, v) // null, or not an object: as json says
	}
	rv := reflect.ValueOf(v).Elem()
	fields := jsonFieldsOf(rv.Type())
	hyphenated := map[int]bool{} // fields set from their hyphenated key
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key := kt.(string)
		name := strings.ReplaceAll(key, "_", "-")
		i, ok := fields.lookup(name)
		if !ok || (name != key && hyphenated[i]) {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		f := rv.Field(i)
		if name == key {
			hyphenated[i] = true
			f.SetZero() // over a value an earlier snake_case key set
		}
		if err := dec.Decode(f.Addr().Interface()); err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid JSON: data after the object")
	}
	return nil
}

// jsonFields maps a struct's JSON names to its field indexes.
type jsonFields map[string]int

// lookup finds a field by name, then case-insensitively as
// encoding/json does.
func (f jsonFields) lookup(name string) (int, bool) {
	if i, ok := f[name]; ok {
		return i, true
	}
	for n, i := range f {
		if strings.EqualFold(n, name) {
			return i, true
		}
	}
	return 0, false
}

var fieldsByType sync.Map // reflect.Type → jsonFields

func jsonFieldsOf(t reflect.Type) jsonFields {
	if f, ok := fieldsByType.Load(t); ok {
		return f.(jsonFields)
	}
	f := jsonFields{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f[name] = i
	}
	fieldsByType.Store(t, f)
	return f
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
