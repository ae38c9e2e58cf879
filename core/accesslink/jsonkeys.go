package accesslink

import (
	"bytes"
	"encoding/json"
	"fmt"
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
// deterministically.
//
// An exercise with its samples inline is megabytes, nearly all of it the
// samples' data strings, so the object is split by scanJSON rather than
// by encoding/json (which scanned each data string five times, 26 ms
// and 10 MB for a 10 h exercise): a plain string value is copied
// straight into its field, a list of samples decoded sample by sample
// the same way, and any other value handed to encoding/json.
func unmarshalHyphenated(data []byte, v any) error {
	if referenceDecoder != nil {
		return referenceDecoder(data, v)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return json.Unmarshal(data, v) // null, or not an object: as json says
	}
	rv := reflect.ValueOf(v).Elem()
	fields := jsonFieldsOf(rv.Type())
	hyphenated := map[int]bool{} // fields set from their hyphenated key
	return objectFields(data, func(key string, value []byte) error {
		name := strings.ReplaceAll(key, "_", "-")
		i, ok := fields.lookup(name)
		if !ok || (name != key && hyphenated[i]) {
			return nil
		}
		f := rv.Field(i)
		if name == key {
			hyphenated[i] = true
			f.SetZero() // over a value an earlier snake_case key set
		}
		if err := decodeField(f, value); err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
		return nil
	})
}

// referenceDecoder, set by a test only, decodes in unmarshalHyphenated's
// place: the encoding/json implementation it replaced, to compare with.
var referenceDecoder func(data []byte, v any) error

var samplesType = reflect.TypeFor[[]Sample]()

// decodeField decodes one value into f as encoding/json would.
func decodeField(f reflect.Value, value []byte) error {
	switch {
	case f.Kind() == reflect.String:
		if s, ok := plainString(value); ok {
			f.SetString(s)
			return nil
		}
	case f.Type() == samplesType && value[0] == '[':
		var out []Sample
		err := arrayElements(value, func(elem []byte) error {
			var s Sample
			if err := s.UnmarshalJSON(elem); err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
		if err != nil {
			return err
		}
		if out == nil {
			out = []Sample{} // [] decodes to an empty list, not nil
		}
		f.Set(reflect.ValueOf(out))
		return nil
	}
	return json.Unmarshal(value, f.Addr().Interface())
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
	unmarshal := json.Unmarshal
	if u, ok := v.(json.Unmarshaler); ok {
		// Straight to the type's own decoder: json.Unmarshal would scan
		// all of data twice before calling it (an exercise with samples
		// is megabytes), and the decoder checks the syntax itself.
		unmarshal = func(data []byte, _ any) error { return u.UnmarshalJSON(data) }
	}
	if err := unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %v: %w", what, err, ErrInvalidPayload)
	}
	return nil
}
