package accesslink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// unmarshalHyphenatedReference is unmarshalHyphenated as it was before
// it scanned the JSON itself (#17), on encoding/json's Decoder: the
// reference the fast one is held to.
func unmarshalHyphenatedReference(data []byte, v any) error {
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

// decodeExerciseReference decodes as DecodeExercise did before.
func decodeExerciseReference(data []byte) (*Exercise, error) {
	referenceDecoder = unmarshalHyphenatedReference
	defer func() { referenceDecoder = nil }()
	return DecodeExercise(data)
}
