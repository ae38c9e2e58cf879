package intervalssim

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"
	"time"

	"github.com/tormoder/fit"
)

// session is what one activity is made of.
type session struct {
	typ             string
	trainer         bool
	startLocal      time.Time // local wall clock, in time.UTC
	moving, elapsed int
	distance        float64
}

var errNoActivity = errors.New("file holds no activity")

// maxUnpacked bounds a decompressed upload.
const maxUnpacked = 64 << 20

// readActivityFile reads an uploaded file, gzipped or zipped or not, and
// returns one session per activity it makes and its format.
func readActivityFile(data []byte) ([]session, string, error) {
	inner, err := unpack(data)
	if err != nil {
		return nil, "", err
	}
	switch {
	case len(inner) >= 12 && string(inner[8:12]) == ".FIT":
		ss, err := readFIT(inner)
		return ss, "fit", err
	default:
		se, format, err := readXML(inner)
		if err != nil {
			return nil, "", err
		}
		return []session{se}, format, nil
	}
}

// unpack undoes gzip or zip, told by their magic bytes. A zip must hold a
// FIT, TCX or GPX file (gzipped or not); the first one is read.
func unpack(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxUnpacked))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return out, nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("zip: %w", err)
		}
		for _, f := range zr.File {
			name := strings.TrimSuffix(strings.ToLower(f.Name), ".gz")
			switch path.Ext(name) {
			case ".fit", ".tcx", ".gpx":
			default:
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("zip: %w", err)
			}
			out, err := io.ReadAll(io.LimitReader(rc, maxUnpacked))
			_ = rc.Close()
			if err != nil {
				return nil, fmt.Errorf("zip: %w", err)
			}
			if bytes.HasPrefix(out, []byte{0x1f, 0x8b}) {
				return unpack(out)
			}
			return out, nil
		}
		return nil, errors.New("zip holds no fit, tcx or gpx file")
	}
	return data, nil
}

func readFIT(data []byte) ([]session, error) {
	f, err := fit.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	act, err := f.Activity()
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	if len(act.Sessions) == 0 {
		return nil, fmt.Errorf("fit: %w", errNoActivity)
	}
	// local_timestamp is the local wall clock at the activity's timestamp.
	// tormoder/fit gives it a zone offset from the last timestamp decoded,
	// which depends on the order of the fields in the file (its encoder
	// orders them by map iteration): offset 0 when local_timestamp came
	// first. The wall clock itself is right either way.
	offset := 0
	if a := act.Activity; a != nil && !a.LocalTimestamp.IsZero() && !fit.IsBaseTime(a.LocalTimestamp) && !a.Timestamp.IsZero() {
		lt := a.LocalTimestamp
		wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), 0, time.UTC)
		offset = int(wall.Sub(a.Timestamp.UTC()).Round(time.Minute).Seconds())
	}
	out := make([]session, 0, len(act.Sessions))
	for _, ss := range act.Sessions {
		start := ss.StartTime
		if start.IsZero() || fit.IsBaseTime(start) {
			start = ss.Timestamp
		}
		typ, trainer := fitType(ss.Sport, ss.SubSport)
		out = append(out, session{
			typ: typ, trainer: trainer,
			startLocal: start.UTC().Add(time.Duration(offset) * time.Second),
			moving:     seconds(ss.GetTotalTimerTimeScaled()),
			elapsed:    seconds(ss.GetTotalElapsedTimeScaled()),
			distance:   orZero(ss.GetTotalDistanceScaled()),
		})
	}
	return out, nil
}

func orZero(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

func seconds(v float64) int { return int(math.Round(orZero(v))) }

// fitType maps a FIT sport and sub-sport to an intervals.icu type and
// whether it is indoors. Generic TRAINING is Workout, not WeightTraining:
// only the strength_training sub-sport says weights.
func fitType(sport fit.Sport, sub fit.SubSport) (string, bool) {
	switch sport {
	case fit.SportRunning:
		switch sub {
		case fit.SubSportTrail:
			return "TrailRun", false
		case fit.SubSportTreadmill, fit.SubSportIndoorRunning:
			return "Run", true
		case fit.SubSportVirtualActivity:
			return "VirtualRun", true
		}
		return "Run", false
	case fit.SportCycling:
		switch sub {
		case fit.SubSportIndoorCycling:
			return "Ride", true
		case fit.SubSportMountain:
			return "MountainBikeRide", false
		case fit.SubSportGravelCycling:
			return "GravelRide", false
		case fit.SubSportVirtualActivity:
			return "VirtualRide", true
		}
		return "Ride", false
	case fit.SportSwimming:
		if sub == fit.SubSportOpenWater {
			return "OpenWaterSwim", false
		}
		return "Swim", false
	case fit.SportWalking:
		return "Walk", false
	case fit.SportHiking:
		return "Hike", false
	case fit.SportRowing:
		return "Rowing", sub == fit.SubSportIndoorRowing
	case fit.SportCrossCountrySkiing:
		return "NordicSki", false
	case fit.SportAlpineSkiing:
		return "AlpineSki", false
	case fit.SportTransition:
		return "Transition", false
	case fit.SportTraining:
		switch sub {
		case fit.SubSportStrengthTraining:
			return "WeightTraining", false
		case fit.SubSportYoga:
			return "Yoga", false
		case fit.SubSportPilates:
			return "Pilates", false
		}
	}
	return "Workout", false
}

// readXML reads a TCX or GPX file: its root element tells which, a TCX
// Activity's Sport attribute the type, the first time stamp the start
// (UTC: neither format carries the local offset) and the TCX laps' totals
// the times and distance.
func readXML(data []byte) (session, string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	se := session{typ: "Workout"}
	format := ""
	var stack []string
	var first, last time.Time
	lapSecs, lapDist := 0.0, 0.0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return session{}, "", fmt.Errorf("not a fit, tcx or gpx file: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if format == "" {
				switch t.Name.Local {
				case "TrainingCenterDatabase":
					format = "tcx"
				case "gpx":
					format = "gpx"
				default:
					return session{}, "", fmt.Errorf("not a fit, tcx or gpx file: root element %q", t.Name.Local)
				}
			}
			if format == "tcx" && t.Name.Local == "Activity" {
				for _, a := range t.Attr {
					if a.Name.Local == "Sport" {
						switch a.Value {
						case "Running":
							se.typ = "Run"
						case "Biking":
							se.typ = "Ride"
						}
					}
				}
			}
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			stack = stack[:max(0, len(stack)-1)]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			text := strings.TrimSpace(string(t))
			parent := ""
			if len(stack) > 1 {
				parent = stack[len(stack)-2]
			}
			switch el := stack[len(stack)-1]; {
			case el == "Time" || el == "time":
				if ts, err := time.Parse(time.RFC3339, text); err == nil {
					if first.IsZero() {
						first = ts
					}
					last = ts
				}
			case format == "tcx" && parent == "Lap" && el == "TotalTimeSeconds":
				var v float64
				if _, err := fmt.Sscan(text, &v); err == nil {
					lapSecs += v
				}
			case format == "tcx" && parent == "Lap" && el == "DistanceMeters":
				var v float64
				if _, err := fmt.Sscan(text, &v); err == nil {
					lapDist += v
				}
			}
		}
	}
	if format == "" {
		return session{}, "", errors.New("not a fit, tcx or gpx file")
	}
	se.startLocal = first.UTC()
	se.elapsed = int(last.Sub(first).Seconds())
	se.moving = se.elapsed
	if lapSecs > 0 {
		se.moving = int(math.Round(lapSecs))
	}
	se.distance = lapDist
	return se, format, nil
}
