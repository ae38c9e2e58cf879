package intervalssim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"

	"github.com/tormoder/fit"
)

// FITSession is one session of a FIT activity file built by EncodeFIT.
type FITSession struct {
	Sport    fit.Sport
	SubSport fit.SubSport
	Start    time.Time
	Seconds  uint32
	Distance float64 // metres
}

// EncodeFIT builds an activity FIT file with the sessions (several make
// a multisport file), for tests that upload files. offset is the local
// time's offset (the activity's local_timestamp); nil for none.
func EncodeFIT(offset *time.Duration, sessions ...FITSession) ([]byte, error) {
	if len(sessions) == 0 {
		return nil, errors.New("intervalssim: a FIT activity needs a session")
	}
	f, err := fit.NewFile(fit.FileTypeActivity, fit.NewHeader(fit.V20, true))
	if err != nil {
		return nil, err
	}
	f.FileId.TimeCreated = sessions[0].Start
	act, err := f.Activity()
	if err != nil {
		return nil, err
	}
	last := sessions[len(sessions)-1]
	end := last.Start.Add(time.Duration(last.Seconds) * time.Second)
	am := fit.NewActivityMsg()
	am.Timestamp = end
	am.NumSessions = uint16(len(sessions))
	if offset != nil {
		am.LocalTimestamp = end.In(time.FixedZone("local", int(offset.Seconds())))
	}
	act.Activity = am
	for _, s := range sessions {
		sm := fit.NewSessionMsg()
		sm.StartTime = s.Start
		sm.Timestamp = s.Start.Add(time.Duration(s.Seconds) * time.Second)
		sm.Sport, sm.SubSport = s.Sport, s.SubSport
		sm.TotalTimerTime = s.Seconds * 1000
		sm.TotalElapsedTime = s.Seconds * 1000
		sm.TotalDistance = uint32(s.Distance * 100)
		act.Sessions = append(act.Sessions, sm)
	}
	var buf bytes.Buffer
	if err := fit.Encode(&buf, f, binary.LittleEndian); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
