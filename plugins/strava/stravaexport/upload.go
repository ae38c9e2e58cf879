package stravaexport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// receipt is what the plugin remembers about one record, under
// "receipt.<record key>" in the host KV.
type receipt struct {
	ExternalID string `json:"external_id,omitempty"`
	// LostAnswer: an upload POST of ours may have created an upload whose
	// id we never got (a broken connection, a timeout, a 5xx, or a crash
	// during the POST), so a later "duplicate of" may be our own activity.
	// Set before each POST, taken back when its answer arrives or proves
	// that nothing was created (a 429, another 4xx, never sent). Not an
	// attempt count: an attempt Strava refused created nothing, and a
	// duplicate after only such attempts is someone else's activity.
	LostAnswer bool  `json:"lost_answer,omitempty"`
	UploadID   int64 `json:"upload_id,omitempty"`
	ActivityID int64 `json:"activity_id,omitempty"`
	// Foreign is set when Strava said the upload duplicates an activity
	// this plugin did not create (left alone unless update_duplicates).
	Foreign bool `json:"foreign,omitempty"`
	// Deleted: the athlete deleted the activity on Strava; never again.
	Deleted bool `json:"deleted,omitempty"`
	// Skipped says why there was nothing to upload.
	Skipped string `json:"skipped,omitempty"`
	// Done is the record version fully handled.
	Done string `json:"done,omitempty"`
}

// ReceiptKey is the host KV key of a record's receipt.
func ReceiptKey(recordKey string) string { return "receipt." + recordKey }

// Receipt is the public view of a stored receipt, for tests and tools.
type Receipt struct {
	UploadID, ActivityID int64
	Done                 string
	Skipped              string
	// Foreign: the activity is a duplicate not uploaded by polarbridge.
	Foreign bool
}

// LoadReceipt reads a record's receipt from kv.
func LoadReceipt(ctx context.Context, kv pluginapi.KV, recordKey string) (Receipt, error) {
	raw, _, err := kv.Get(ctx, ReceiptKey(recordKey))
	if err != nil {
		return Receipt{}, err
	}
	var r receipt
	if err := json.Unmarshal(raw, &r); err != nil {
		return Receipt{}, err
	}
	return Receipt{UploadID: r.UploadID, ActivityID: r.ActivityID, Done: r.Done, Skipped: r.Skipped, Foreign: r.Foreign}, nil
}

// store is a receipt and its KV revision between steps.
type store = pluginapi.Stored[receipt]

// exportOne returns exactly one result for rec.
func (e *Exporter) exportOne(ctx context.Context, rec *pluginapi.Record) *pluginapi.ExportResult {
	ex := rec.GetExercise()
	key := rec.GetKey()
	switch {
	case rec.GetKind() != pluginapi.RecordKind_RECORD_KIND_EXERCISE || ex == nil:
		return pluginapi.Permanent("record %q: kind %s is not exported to Strava (exercises only)", key, rec.GetKind())
	case pluginapi.ValidateKey(ReceiptKey(key)) != nil:
		return pluginapi.Permanent("record key %q is not usable as a receipt key", key)
	}
	st, err := pluginapi.LoadStored[receipt](ctx, e.kv, ReceiptKey(key))
	if err != nil {
		return pluginapi.Retry("%s: %v", key, err)
	}
	if st.Value.Done == rec.GetVersion() {
		return pluginapi.OK() // a redelivery
	}
	res, skipped, err := e.export(ctx, rec, st)
	if err != nil {
		return pluginapi.ResultFor(key, err)
	}
	if skipped != "" {
		e.log.Info("not uploaded to Strava", "key", key, "reason", skipped)
		r := pluginapi.OK()
		r.Message = "skipped: " + skipped
		return r
	}
	return res
}

// export runs the steps left for rec: upload, poll, update. It returns a
// skip reason for a record that is done without an upload.
func (e *Exporter) export(ctx context.Context, rec *pluginapi.Record, st *store) (*pluginapi.ExportResult, string, error) {
	ex := rec.GetExercise()
	log := e.log.With("key", rec.GetKey())
	finish := func(skip string) (*pluginapi.ExportResult, string, error) {
		st.Value.Done = rec.GetVersion()
		if err := st.Save(ctx); err != nil {
			return nil, "", err
		}
		return pluginapi.OK(), skip, nil
	}
	if st.Value.Deleted {
		return finish("the Strava activity was deleted on Strava; it is not uploaded again")
	}
	target := e.s.sports.Lookup(ex.GetDetailedSport(), ex.GetFitSport(), ex.GetFitSubSport())
	data := pluginapi.NewExerciseTemplateData(rec, target)
	name, desc, err := e.render(data)
	if err != nil {
		return nil, "", err
	}

	if st.Value.ActivityID == 0 && st.Value.UploadID == 0 {
		file := uploadable(ex)
		if file == nil {
			st.Value.Skipped = "exercise has no FIT, TCX or GPX file (a manual entry?): nothing to upload to Strava"
			return finish(st.Value.Skipped)
		}
		st.Value.Skipped = ""
		format := strings.ToLower(strings.TrimPrefix(file.GetFormat().String(), "FILE_FORMAT_"))
		p := uploadParams{
			data: file.GetData(), dataType: format,
			externalID: fmt.Sprintf("polar-%s-%s.%s", rec.GetUserId(), ex.GetId(), format),
			name:       name, description: desc, trainer: target.Trainer, commute: target.Commute,
		}
		// Not while the window is nearly used up: leave room for the
		// polls and the update of this upload.
		if w := e.c.rate.wait(false, 3); w > 0 {
			return nil, "", &rateLimitedError{wait: w}
		}
		// Stored before the POST: if its answer is lost, even by a crash,
		// the next attempt knows an upload of ours may exist.
		earlier := st.Value.LostAnswer
		st.Value.LostAnswer = true
		st.Value.ExternalID = p.externalID
		if err := st.Save(ctx); err != nil {
			return nil, "", err
		}
		up, err := e.c.upload(ctx, "upload "+rec.GetKey(), p)
		if err != nil && !pluginapi.AnswerLost(err) {
			// Refused or never sent: this POST created nothing.
			st.Value.LostAnswer = earlier
			if serr := st.Save(ctx); serr != nil {
				// Left set: a later duplicate is then taken as ours.
				log.Warn("could not record that Strava refused the upload", "error", serr)
			}
		}
		if err != nil {
			return nil, "", err
		}
		// The answer arrived: what this POST makes is known by its
		// upload id, so only earlier lost answers still count. Saved
		// with the upload id or the outcome below.
		st.Value.LostAnswer = earlier
		log.Info("uploaded to Strava", "upload_id", up.ID, "external_id", p.externalID, "bytes", len(p.data))
		if done, err := e.settle(ctx, st, up); done || err != nil {
			if err != nil {
				return nil, "", err
			}
		} else {
			st.Value.UploadID = up.ID
			if err := st.Save(ctx); err != nil {
				return nil, "", err
			}
			if e.s.exitAfter {
				log.Warn("testing.exit_after_upload_stored: exiting")
				e.exit(3)
			}
		}
	}

	if st.Value.ActivityID == 0 && !st.Value.Deleted {
		if err := e.poll(ctx, rec.GetKey(), st); err != nil {
			return nil, "", err
		}
	}
	if st.Value.Deleted {
		return finish("the Strava activity was deleted on Strava; it is not uploaded again")
	}
	if st.Value.Foreign && !e.s.cfg.UpdateDuplicates {
		return finish(fmt.Sprintf("Strava already has this exercise as activity %d, not uploaded by polarbridge (e.g. by Polar Flow's own sync): linked and left as it is (update_duplicates is false)", st.Value.ActivityID))
	}
	upd := updatableActivity{Name: name, Description: desc, SportType: target.Type}
	if target.Trainer {
		upd.Trainer = &target.Trainer
	}
	if target.Commute {
		upd.Commute = &target.Commute
	}
	err = e.c.updateActivity(ctx, "update activity of "+rec.GetKey(), st.Value.ActivityID, upd)
	var api *apiError
	if errors.As(err, &api) && api.status == 404 {
		st.Value.Deleted = true
		return finish("the Strava activity was deleted on Strava; it is not uploaded again")
	}
	if err != nil {
		return nil, "", err
	}
	log.Info("Strava activity updated", "activity_id", st.Value.ActivityID, "sport_type", target.Type, "rule", target.Rule)
	return finish("")
}

// uploadable returns the file to upload: FIT, else TCX, else GPX.
func uploadable(ex *pluginapi.Exercise) *pluginapi.File {
	for _, f := range []pluginapi.FileFormat{pluginapi.FileFormat_FILE_FORMAT_FIT, pluginapi.FileFormat_FILE_FORMAT_TCX, pluginapi.FileFormat_FILE_FORMAT_GPX} {
		if file := ex.File(f); file != nil && len(file.GetData()) > 0 {
			return file
		}
	}
	return nil
}

// settle records what an Upload says when processing ended (activity,
// duplicate, deletion, error). done is false while it is still processing.
func (e *Exporter) settle(ctx context.Context, st *store, up uploadJSON) (done bool, err error) {
	switch {
	case up.ActivityID != 0:
		st.Value.ActivityID, st.Value.UploadID = up.ActivityID, up.ID
	case up.Error != "":
		if id, ok := duplicateOf(up.Error); ok {
			// Ours only if an earlier POST of ours may have created it.
			own := st.Value.LostAnswer
			st.Value.ActivityID, st.Value.UploadID, st.Value.Foreign = id, up.ID, !own
			e.log.Info("Strava reports a duplicate: recorded as exported", "key", strings.TrimPrefix(st.Key, "receipt."), "activity_id", id, "own", own)
			break
		}
		// A replay uploads again.
		st.Value.UploadID = 0
		if err := st.Save(ctx); err != nil {
			return true, err
		}
		return true, fmt.Errorf("%w: Strava could not process the upload %d: %s", pluginapi.ErrPermanent, up.ID, up.Error)
	case up.Status == statusDeleted:
		st.Value.Deleted, st.Value.UploadID = true, up.ID
	default:
		return false, nil
	}
	return true, st.Save(ctx)
}

// poll waits for the stored upload to be processed.
func (e *Exporter) poll(ctx context.Context, key string, st *store) error {
	for range e.s.maxPolls {
		if err := e.sleep(ctx, e.s.pollInterval); err != nil {
			return err
		}
		up, err := e.c.getUpload(ctx, "check upload "+key, st.Value.UploadID)
		if err != nil {
			return err
		}
		if done, err := e.settle(ctx, st, up); done || err != nil {
			return err
		}
	}
	return fmt.Errorf("upload %d: Strava is still processing it after %d polls; will check again", st.Value.UploadID, e.s.maxPolls)
}
