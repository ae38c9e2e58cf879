package accesslinksim

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// serveGPX answers the route as GPX 1.1, or 204 for exercises without one.
func serveGPX(w http.ResponseWriter, ex *exercise) {
	if !ex.hasRoute() {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/gpx+xml")
	_, _ = w.Write(buildGPX(ex))
}

// serveTCX answers gzipped TCX ("Return gzipped TCX"): the body itself is
// gzip data, not a Content-Encoding, so clients must gunzip it.
func serveTCX(w http.ResponseWriter, ex *exercise) {
	if ex.st == nil || ex.noTCX {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(buildTCX(ex))
	if err := zw.Close(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.garmin.tcx+xml")
	_, _ = w.Write(buf.Bytes())
}

func xmlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func buildGPX(ex *exercise) []byte {
	st := ex.st
	var b bytes.Buffer
	b.Grow(len(st.hr) * 110)
	start := ex.start.UTC()
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Polar AccessLink simulator" xmlns="http://www.topografix.com/GPX/1/1">
 <metadata><time>%s</time></metadata>
 <trk>
  <name>%s</name>
  <trkseg>
`, xmlTime(start), ex.p.detailed)
	for i := range st.lat {
		fmt.Fprintf(&b, `   <trkpt lat="%.7f" lon="%.7f">`, st.lat[i], st.lon[i])
		if st.alt != nil {
			b.WriteString("<ele>" + strconv.FormatFloat(st.alt[i], 'f', 1, 64) + "</ele>")
		}
		b.WriteString("<time>" + xmlTime(start.Add(time.Duration(i)*time.Second)) + "</time></trkpt>\n")
	}
	b.WriteString("  </trkseg>\n </trk>\n</gpx>\n")
	return b.Bytes()
}

func tcxSport(p *sportProfile) string {
	switch p.sport {
	case "RUNNING":
		return "Running"
	case "CYCLING":
		return "Biking"
	default:
		return "Other"
	}
}

func buildTCX(ex *exercise) []byte {
	st := ex.st
	var b bytes.Buffer
	b.Grow(len(st.hr) * 300)
	start := ex.start.UTC()
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
 <Activities>
  <Activity Sport="%s">
   <Id>%s</Id>
   <Lap StartTime="%s">
    <TotalTimeSeconds>%d</TotalTimeSeconds>
    <DistanceMeters>%.1f</DistanceMeters>
    <Calories>%d</Calories>
    <AverageHeartRateBpm><Value>%d</Value></AverageHeartRateBpm>
    <MaximumHeartRateBpm><Value>%d</Value></MaximumHeartRateBpm>
    <Intensity>Active</Intensity>
    <TriggerMethod>Manual</TriggerMethod>
    <Track>
`, tcxSport(ex.p), xmlTime(start), xmlTime(start), ex.durSec, ex.distance, ex.calories, ex.avgHR, ex.maxHR)
	for i := range st.hr {
		b.WriteString("     <Trackpoint><Time>" + xmlTime(start.Add(time.Duration(i)*time.Second)) + "</Time>")
		if st.lat != nil {
			fmt.Fprintf(&b, "<Position><LatitudeDegrees>%.7f</LatitudeDegrees><LongitudeDegrees>%.7f</LongitudeDegrees></Position>", st.lat[i], st.lon[i])
		}
		if st.alt != nil {
			b.WriteString("<AltitudeMeters>" + strconv.FormatFloat(st.alt[i], 'f', 1, 64) + "</AltitudeMeters>")
		}
		if st.dist != nil {
			b.WriteString("<DistanceMeters>" + strconv.FormatFloat(st.dist[i], 'f', 1, 64) + "</DistanceMeters>")
		}
		b.WriteString("<HeartRateBpm><Value>" + strconv.Itoa(int(st.hr[i])) + "</Value></HeartRateBpm>")
		if st.cad != nil {
			b.WriteString("<Cadence>" + strconv.Itoa(int(st.cad[i])) + "</Cadence>")
		}
		b.WriteString("</Trackpoint>\n")
	}
	b.WriteString("    </Track>\n   </Lap>\n  </Activity>\n </Activities>\n</TrainingCenterDatabase>\n")
	return b.Bytes()
}
