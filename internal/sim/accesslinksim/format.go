package accesslinksim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const (
	utcMillisLayout = "2006-01-02T15:04:05.000Z" // upload-time, registration-date
	localLayout     = "2006-01-02T15:04:05"      // start-time: device local, no offset
	dateLayout      = "2006-01-02"
)

// formatWebhookTime matches the payload examples ("2019-01-11T08:25:10.02Z").
func formatWebhookTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999Z")
}

// isoDuration formats whole seconds the way AccessLink does: PT2H44M45S,
// PT2H44M, PT4S; zero is PT0S.
func isoDuration(sec int) string {
	if sec <= 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := sec / 3600; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m := sec % 3600 / 60; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s := sec % 60; s > 0 {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

// clockSeries is a JSON object keyed by local "HH:MM", kept in time order.
// encoding/json would sort map keys, putting "00:10" before "23:50" for a
// night that crosses midnight; AccessLink emits them chronologically.
type clockSeries []clockPoint

type clockPoint struct {
	at  time.Time // local time of the sample
	val float64
	dec int // decimals to print
}

func (cs clockSeries) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range cs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.at.Format("15:04"))
		if err != nil {
			return nil, fmt.Errorf("marshal key: %w", err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.WriteString(strconv.FormatFloat(p.val, 'f', p.dec, 64))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func round1(v float64) float64 {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	r, _ := strconv.ParseFloat(s, 64)
	return r
}
