package bus

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The recent objects are bounded by bytes, oldest out first, the newest
// kept even when it alone is over the bound.
func TestRecentObjectsBounded(t *testing.T) {
	r := newRecentObjects(10)
	r.add("a", bytes.Repeat([]byte{1}, 4))
	r.add("b", bytes.Repeat([]byte{2}, 4))
	r.add("a", bytes.Repeat([]byte{9}, 4)) // already kept: the same content by its name
	got, ok := r.get("a")
	assert.True(t, ok)
	assert.Equal(t, bytes.Repeat([]byte{1}, 4), got)
	assert.Equal(t, 8, r.size)

	r.add("c", bytes.Repeat([]byte{3}, 4))
	_, ok = r.get("a")
	assert.False(t, ok, "the oldest goes over the bound")
	assert.Equal(t, 8, r.size)

	r.add("big", bytes.Repeat([]byte{4}, 25))
	_, ok = r.get("big")
	assert.True(t, ok, "the newest stays, however large")
	for _, n := range []string{"b", "c"} {
		_, ok := r.get(n)
		assert.False(t, ok, n)
	}
	assert.Equal(t, 25, r.size)

	r.remove("big")
	r.remove("missing")
	assert.Equal(t, 0, r.size)
	assert.Empty(t, r.order)
}
