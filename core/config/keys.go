package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// keyTree is the set of keys Config accepts. A nil child map under a key
// means "anything below is free-form" (a plugin's own config block); the
// "*" child stands for any map key (a plugin's name).
type keyTree map[string]keyTree

var allowed = treeOf(reflect.TypeOf(Config{}))

func treeOf(t reflect.Type) keyTree {
	tree := keyTree{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("koanf")
		if tag == "" || tag == "-" {
			continue
		}
		tree[tag] = subtree(f.Type)
	}
	return tree
}

func subtree(t reflect.Type) keyTree {
	switch {
	case t.Kind() == reflect.Struct && t.PkgPath() == "time":
		return keyTree{}
	case t.Kind() == reflect.Struct:
		return treeOf(t)
	case t.Kind() == reflect.Map && t.Elem().Kind() == reflect.Struct:
		return keyTree{"*": treeOf(t.Elem())}
	case t.Kind() == reflect.Map:
		return nil // free-form
	}
	return keyTree{} // a leaf
}

// checkKeys rejects keys Config does not know, naming the closest known one.
func checkKeys(keys []string, file string) error {
	var bad []string
	for _, key := range keys {
		if msg := checkKey(key); msg != "" {
			bad = append(bad, msg)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	where := ""
	if file != "" {
		where = " (in " + file + " or the environment)"
	}
	return fmt.Errorf("%w%s: %s", ErrInvalid, where, strings.Join(bad, "; "))
}

func checkKey(key string) string {
	tree := allowed
	parts := strings.Split(key, ".")
	for i, p := range parts {
		next, ok := tree[p]
		if !ok {
			next, ok = tree["*"]
		}
		if !ok {
			msg := fmt.Sprintf("unknown key %q", key)
			if s := closest(p, tree); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", strings.Join(append(parts[:i:i], s), "."))
			}
			return msg
		}
		if next == nil {
			return "" // free-form block
		}
		if len(next) == 0 && i < len(parts)-1 {
			return fmt.Sprintf("key %q: %q takes a single value, not a block", key, strings.Join(parts[:i+1], "."))
		}
		tree = next
	}
	return ""
}

// closest returns the known key nearest to name by edit distance, if near.
func closest(name string, tree keyTree) string {
	keys := make([]string, 0, len(tree))
	for k := range tree {
		if k != "*" {
			keys = append(keys, k)
		}
	}
	return Closest(name, keys)
}

// Closest returns the candidate nearest to name by edit distance, if it
// is at most 2 edits away (a typo), else "": for "did you mean" in config
// keys, command names and flags.
func Closest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, k := range candidates {
		if d := editDistance(name, k); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
