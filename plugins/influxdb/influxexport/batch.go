package influxexport

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
)

// lineRef ties a line of a request body to its record.
type lineRef struct {
	rec int // index of the record in the batch
	p   *point
}

// chunk is one write request: lines of one precision.
type chunk struct {
	ms    bool
	body  []byte // uncompressed line protocol, one point per line
	lines []lineRef
}

// makeChunks encodes the points of a batch's records (points[i] belongs
// to record i) into request bodies of at most maxPoints points and
// maxBytes bytes (a single longer line goes alone). Second-precision
// points come first. It returns the records whose points cannot be
// encoded, with the reason.
func makeChunks(points [][]*point, maxPoints, maxBytes int) ([]chunk, map[int]error) {
	var chunks []chunk
	bad := map[int]error{}
	for _, ms := range []bool{false, true} {
		var enc lineprotocol.Encoder
		if ms {
			enc.SetPrecision(lineprotocol.Millisecond)
		} else {
			enc.SetPrecision(lineprotocol.Second)
		}
		cur := chunk{ms: ms}
		flush := func(body []byte) {
			if len(cur.lines) > 0 {
				cur.body = body
				chunks = append(chunks, cur)
			}
			cur = chunk{ms: ms}
		}
		for rec, ps := range points {
			for _, p := range ps {
				if p.ms != ms {
					continue
				}
				start := len(enc.Bytes())
				appendLine(&enc, p)
				if err := enc.Err(); err != nil {
					if bad[rec] == nil {
						bad[rec] = fmt.Errorf("encode %s point: %w", p.measurement, err)
					}
					enc.ClearErr()
					continue
				}
				if len(cur.lines) > 0 && len(enc.Bytes()) > maxBytes {
					line := slices.Clone(enc.Bytes()[start:])
					flush(enc.Bytes()[:start])
					enc.SetBuffer(line)
				}
				cur.lines = append(cur.lines, lineRef{rec, p})
				if len(cur.lines) >= maxPoints {
					flush(enc.Bytes())
					enc.SetBuffer(nil)
				}
			}
		}
		flush(enc.Bytes())
	}
	return chunks, bad
}

// group sums up the points of one series (measurement and tag set) of a
// record, enough to tell whether a new version overwrites all of them.
type group struct {
	Measurement string      `json:"m"`
	Tags        [][2]string `json:"t,omitempty"`
	Min         int64       `json:"min"` // ns since the epoch
	Max         int64       `json:"max"`
	N           int         `json:"n"`
	Hash        string      `json:"h"` // of the points' times and field keys
}

func (g group) id() string {
	var b strings.Builder
	b.WriteString(g.Measurement)
	for _, t := range g.Tags {
		b.WriteString("," + t[0] + "=" + t[1])
	}
	return b.String()
}

// receipt is what the plugin keeps in the host KV per record key.
type receipt struct {
	Version string  `json:"v"`
	Groups  []group `json:"g"`
}

// groupsOf returns the groups of a record's points, sorted by id.
func groupsOf(points []*point) []group {
	byID := map[string]*group{}
	hashes := map[string]uint64{}
	var ids []string
	for _, p := range points {
		g := group{Measurement: p.measurement}
		for _, t := range p.tags {
			g.Tags = append(g.Tags, [2]string{t.key, t.value})
		}
		id := g.id()
		at := p.time.UnixNano()
		cur := byID[id]
		if cur == nil {
			g.Min, g.Max = at, at
			cur = &g
			byID[id] = cur
			ids = append(ids, id)
		}
		cur.Min, cur.Max, cur.N = min(cur.Min, at), max(cur.Max, at), cur.N+1
		h := fnv.New64a()
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(at)))
		for _, f := range p.fields {
			h.Write([]byte(f.key))
			h.Write([]byte{0})
		}
		hashes[id] += h.Sum64() // order-independent
	}
	slices.Sort(ids)
	out := make([]group, 0, len(ids))
	for _, id := range ids {
		g := *byID[id]
		g.Hash = strconv.FormatUint(hashes[id], 16)
		out = append(out, g)
	}
	return out
}

// staleGroups returns the groups of an old version whose points the new
// version's points do not all overwrite: the same series with other
// times or fields, or a series the new version no longer has (a changed
// tag such as an edited sport). They must be deleted.
func staleGroups(old, cur []group) []group {
	var out []group
	for _, o := range old {
		i := slices.IndexFunc(cur, func(c group) bool { return c.id() == o.id() })
		if i < 0 || cur[i].Min != o.Min || cur[i].Max != o.Max || cur[i].N != o.N || cur[i].Hash != o.Hash {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b group) int { return cmp.Compare(a.id(), b.id()) })
	return out
}
