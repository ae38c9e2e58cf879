package accesslink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// A small JSON scanner that splits an object or array into its members
// as slices of the input, checking the syntax on the way: nothing is
// copied and each byte is looked at once. Values it hands on are decoded
// by encoding/json (or plainString), which checks them again.

var errJSONEnd = errors.New("unexpected end of JSON input")

func syntaxError(data []byte, i int, what string) error {
	if i >= len(data) {
		return errJSONEnd
	}
	return fmt.Errorf("invalid character %q %s at offset %d", data[i], what, i)
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// scanValue returns the end of the JSON value starting at data[i] (no
// space before it).
func scanValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return i, errJSONEnd
	}
	switch c := data[i]; {
	case c == '"':
		return scanString(data, i)
	case c == '{' || c == '[':
		return members(data, i, func(key, value []byte) error { return nil })
	default:
		// A number or a literal: up to the next delimiter, checked by
		// encoding/json (it is short).
		j := i
		for j < len(data) && !isDelimiter(data[j]) {
			j++
		}
		if j == i || !json.Valid(data[i:j]) {
			return 0, syntaxError(data, i, "looking for beginning of value")
		}
		return j, nil
	}
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ':', ' ', '\t', '\r', '\n', '"', '{', '[':
		return true
	}
	return false
}

// scanString returns the end of the string starting at data[i] (a '"'),
// checking its escapes and that it has no control characters.
func scanString(data []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexAny(data[j:], "\"\\")
		if k < 0 {
			return 0, errJSONEnd
		}
		for _, c := range data[j : j+k] {
			if c < 0x20 {
				return 0, fmt.Errorf("invalid character %q in string literal", c)
			}
		}
		j += k
		if data[j] == '"' {
			return j + 1, nil
		}
		// A backslash: one of the JSON escapes.
		if j+1 >= len(data) {
			return 0, errJSONEnd
		}
		switch data[j+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			j += 2
		case 'u':
			if j+6 > len(data) {
				return 0, errJSONEnd
			}
			if _, err := strconv.ParseUint(string(data[j+2:j+6]), 16, 16); err != nil {
				return 0, fmt.Errorf("invalid escape %q in string literal", data[j:j+6])
			}
			j += 6
		default:
			return 0, fmt.Errorf("invalid character %q in string escape code", data[j+1])
		}
	}
}

// members calls f with each member of the object or array at data[i]:
// its key (a JSON string, objects only) and its value, as slices of data.
// It returns the end of the object or array.
func members(data []byte, i int, f func(key, value []byte) error) (int, error) {
	open := data[i]
	close := byte(']')
	if open == '{' {
		close = '}'
	}
	j := skipSpace(data, i+1)
	if j < len(data) && data[j] == close {
		return j + 1, nil
	}
	for {
		var key []byte
		if open == '{' {
			if j >= len(data) || data[j] != '"' {
				return 0, syntaxError(data, j, "looking for beginning of object key string")
			}
			end, err := scanString(data, j)
			if err != nil {
				return 0, err
			}
			key = data[j:end]
			j = skipSpace(data, end)
			if j >= len(data) || data[j] != ':' {
				return 0, syntaxError(data, j, "after object key")
			}
			j = skipSpace(data, j+1)
		}
		end, err := scanValue(data, j)
		if err != nil {
			return 0, err
		}
		if err := f(key, data[j:end:end]); err != nil {
			return 0, err
		}
		j = skipSpace(data, end)
		if j >= len(data) {
			return 0, errJSONEnd
		}
		switch data[j] {
		case ',':
			j = skipSpace(data, j+1)
		case close:
			return j + 1, nil
		default:
			return 0, syntaxError(data, j, "after value")
		}
	}
}

// objectFields calls f with each key (unquoted) and value of the JSON
// object data, which must be all of data but for surrounding space.
func objectFields(data []byte, f func(key string, value []byte) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return syntaxError(data, i, "looking for beginning of object")
	}
	end, err := members(data, i, func(key, value []byte) error {
		k, ok := plainString(key)
		if !ok {
			if err := json.Unmarshal(key, &k); err != nil {
				return err
			}
		}
		return f(k, value)
	})
	if err != nil {
		return err
	}
	if j := skipSpace(data, end); j < len(data) {
		return errors.New("invalid JSON: data after the object")
	}
	return nil
}

// arrayElements calls f with each element of the JSON array data.
func arrayElements(data []byte, f func(elem []byte) error) error {
	_, err := members(data, 0, func(_, value []byte) error { return f(value) })
	return err
}

// plainString returns the JSON string value (already scanned) as it
// is when it has no escape and is valid UTF-8, as most are; ok is false
// for any other value, which encoding/json then decodes.
func plainString(value []byte) (string, bool) {
	if len(value) < 2 || value[0] != '"' {
		return "", false
	}
	inner := value[1 : len(value)-1]
	if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
		return "", false
	}
	return string(inner), true
}
