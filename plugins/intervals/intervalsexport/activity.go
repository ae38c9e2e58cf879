package intervalsexport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// activityReceipt is what the plugin remembers of one exercise, under
// "receipt.<record key>" in the host KV. intervals.icu de-duplicates
// uploads only by the file's hash and never upserts on external_id, so
// this receipt is what keeps an exercise to one activity.
type activityReceipt struct {
	// ActivityIDs are the activities the exercise is (several for a
	// multisport file); FileSHA256 the hash of the file they came from
	// ("" for a manual activity).
	ActivityIDs []string `json:"activity_ids,omitempty"`
	FileSHA256  string   `json:"file_sha256,omitempty"`
	// Sent is set before a create is sent and cleared when its answer is
	// stored: set, the create may have happened unseen (an answer lost
	// to a broken connection, a 5xx or a crash).
	Sent bool `json:"sent,omitempty"`
	// Replaced are activities of an earlier file, deleted once the new
	// file's activities are stored.
	Replaced []string `json:"replaced,omitempty"`
	// Foreign: the upload duplicated activities this plugin did not make.
	Foreign bool `json:"foreign,omitempty"`
	// Deleted: the athlete deleted the activity on intervals.icu.
	Deleted bool   `json:"deleted,omitempty"`
	Done    string `json:"done,omitempty"` // the record version fully handled
}

// ReceiptKey is the host KV key of an exercise's receipt.
func ReceiptKey(recordKey string) string { return "receipt." + recordKey }

// Receipt is the public view of a stored receipt, for tests and tools.
type Receipt struct {
	ActivityIDs []string
	Done        string
	Foreign     bool
	Deleted     bool
}

// LoadReceipt reads an exercise's receipt from kv.
func LoadReceipt(ctx context.Context, kv pluginapi.KV, recordKey string) (Receipt, error) {
	st, err := pluginapi.LoadStored[activityReceipt](ctx, kv, ReceiptKey(recordKey))
	if err != nil {
		return Receipt{}, err
	}
	if !st.Exists() {
		return Receipt{}, pluginapi.ErrKeyNotFound
	}
	r := st.Value
	return Receipt{ActivityIDs: r.ActivityIDs, Done: r.Done, Foreign: r.Foreign, Deleted: r.Deleted}, nil
}

const deletedSkip = "the activity was deleted on intervals.icu; it is not uploaded again"

// exportExercise returns the result of one exercise record.
func (e *Exporter) exportExercise(ctx context.Context, rec *pluginapi.Record) *pluginapi.ExportResult {
	key := rec.GetKey()
	if pluginapi.ValidateKey(ReceiptKey(key)) != nil {
		return pluginapi.Permanent("record key %q is not usable as a receipt key", key)
	}
	st, err := pluginapi.LoadStored[activityReceipt](ctx, e.kv, ReceiptKey(key))
	if err != nil {
		return pluginapi.Retry("%s: %v", key, err)
	}
	if st.Value.Done == rec.GetVersion() {
		return pluginapi.OK() // a redelivery
	}
	skipped, err := e.exercise(ctx, rec, st)
	if err != nil {
		return pluginapi.ResultFor(key, err)
	}
	if skipped != "" {
		e.log.Info("not exported to intervals.icu", "key", key, "reason", skipped)
		r := pluginapi.OK()
		r.Message = "skipped: " + skipped
		return r
	}
	return pluginapi.OK()
}

// exercise runs the steps left for rec: create (upload or manual), then
// set its metadata; a new version with a different file replaces the
// activities. It returns a reason when the record is done without
// changing anything at intervals.icu.
func (e *Exporter) exercise(ctx context.Context, rec *pluginapi.Record, st *pluginapi.Stored[activityReceipt]) (string, error) {
	r := &st.Value
	ex := rec.GetExercise()
	log := e.log.With("key", rec.GetKey())
	finish := func(skip string) (string, error) {
		r.Done = rec.GetVersion()
		return skip, st.Save(ctx)
	}
	if r.Deleted {
		return finish(deletedSkip)
	}
	target := e.s.types.Lookup(ex.GetDetailedSport(), ex.GetFitSport(), ex.GetFitSubSport())
	data := pluginapi.NewExerciseTemplateData(rec, target)
	name, err := e.s.name.Render(data)
	if err != nil {
		return "", fmt.Errorf("%w: %w", pluginapi.ErrPermanent, err)
	}
	desc, err := e.s.desc.Render(data)
	if err != nil {
		return "", fmt.Errorf("%w: %w", pluginapi.ErrPermanent, err)
	}
	file := uploadable(ex)
	hash := ""
	if file != nil {
		sum := sha256.Sum256(file.GetData())
		hash = hex.EncodeToString(sum[:])
	}

	created := false
	if len(r.ActivityIDs) == 0 || (file != nil && hash != r.FileSHA256) {
		if len(r.ActivityIDs) > 0 {
			// A corrected exercise with another file: intervals.icu
			// cannot replace an activity's file, so the new file becomes
			// new activities and the old ones are deleted.
			r.Replaced = append(r.Replaced, r.ActivityIDs...)
			r.ActivityIDs, r.FileSHA256, r.Foreign = nil, "", false
		}
		if err := e.create(ctx, rec, st, file, hash, name, desc, target); err != nil {
			return "", err
		}
		created = true
		log.Info("exported to intervals.icu", "activity_ids", r.ActivityIDs, "foreign", r.Foreign)
	}
	for len(r.Replaced) > 0 {
		id := r.Replaced[0]
		err := e.c.deleteActivity(ctx, "delete the replaced activity "+id+" of "+rec.GetKey(), id)
		var api *apiError
		if err != nil && !(errors.As(err, &api) && api.status == http.StatusNotFound) {
			return "", err
		}
		r.Replaced = r.Replaced[1:]
		if err := st.Save(ctx); err != nil {
			return "", err
		}
		log.Info("deleted the activity of the exercise's earlier file", "activity_id", id)
	}
	if r.Foreign && !e.s.cfg.UpdateDuplicates {
		return finish(fmt.Sprintf("intervals.icu already has this file as %s, not uploaded by polarbridge: linked and left as it is (update_duplicates is false)", strings.Join(r.ActivityIDs, ", ")))
	}
	// A new upload names the activity already; its type is still what
	// intervals.icu read from the file, and a multisport file's parts are
	// best typed by it.
	if created && file != nil && len(r.ActivityIDs) > 1 {
		return finish("")
	}
	upd := activityJSON{Name: name, Description: desc, Type: target.Type}
	if target.Trainer {
		upd.Trainer = &target.Trainer
	}
	if target.Commute {
		upd.Commute = &target.Commute
	}
	if len(r.ActivityIDs) > 1 {
		upd.Type, upd.Trainer = "", nil
	}
	for _, id := range r.ActivityIDs {
		err := e.c.updateActivity(ctx, "update activity "+id+" of "+rec.GetKey(), id, upd)
		var api *apiError
		if errors.As(err, &api) && api.status == http.StatusNotFound {
			r.Deleted = true
			return finish(deletedSkip)
		}
		if err != nil {
			return "", err
		}
	}
	log.Info("intervals.icu activity updated", "activity_ids", r.ActivityIDs, "type", target.String(), "rule", target.Rule)
	return finish("")
}

// create makes the exercise's activities: the file uploaded, or a
// manual activity when there is no file. The receipt is stored with the
// ids before anything else happens.
func (e *Exporter) create(ctx context.Context, rec *pluginapi.Record, st *pluginapi.Stored[activityReceipt], file *pluginapi.File, hash, name, desc string, target pluginapi.ActivityType) error {
	r := &st.Value
	ex := rec.GetExercise()
	externalID := ex.GetId()
	op := "upload " + rec.GetKey()
	if file == nil {
		op = "create the manual activity of " + rec.GetKey()
	}
	// An earlier manual create may have happened unseen: look first, as
	// intervals.icu would create a second one.
	if file == nil && r.Sent {
		start := ex.GetStart().Local()
		ids, err := e.c.findByExternalID(ctx, "look for "+rec.GetKey(), start.Format("2006-01-02"), externalID)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			r.ActivityIDs, r.Sent = ids, false
			return st.Save(ctx)
		}
	}
	earlier := r.Sent
	r.Sent = true
	if err := st.Save(ctx); err != nil {
		return err
	}
	var (
		ids     []string
		created bool
		err     error
	)
	if file != nil {
		format := strings.ToLower(strings.TrimPrefix(file.GetFormat().String(), "FILE_FORMAT_"))
		ids, created, err = e.c.upload(ctx, op, uploadParams{
			filename: fmt.Sprintf("polar-%s-%s.%s", rec.GetUserId(), externalID, format), data: file.GetData(),
			name: name, description: desc, externalID: externalID, deviceName: ex.GetDevice(),
		})
	} else {
		var id string
		id, err = e.c.createManual(ctx, op, manualActivity(ex, name, desc, target))
		ids, created = []string{id}, true
	}
	if err != nil {
		if !pluginapi.AnswerLost(err) {
			// Refused or never sent: nothing was created.
			r.Sent = earlier
			if serr := st.Save(ctx); serr != nil {
				e.log.Warn("could not record that intervals.icu refused the create", "key", rec.GetKey(), "error", serr)
			}
		}
		return err
	}
	if e.s.exitAfter && created {
		e.log.Warn("testing.exit_after_upload: killing the process before the receipt is stored")
		e.kill()
	}
	// All duplicates: ours only if an earlier create of ours may have
	// made them unseen.
	r.ActivityIDs, r.FileSHA256, r.Foreign, r.Sent = ids, hash, !created && !earlier, false
	return st.Save(ctx)
}

// manualActivity is a manual intervals.icu activity for an exercise
// without a file (a manual entry in Polar Flow).
func manualActivity(ex *pluginapi.Exercise, name, desc string, t pluginapi.ActivityType) activityJSON {
	secs := int(ex.GetDurationSeconds() + 0.5)
	a := activityJSON{
		Name: name, Description: desc, Type: t.Type, ExternalID: ex.GetId(),
		StartDateLocal: ex.GetStart().Local().Format("2006-01-02T15:04:05"),
		MovingTime:     secs, ElapsedTime: secs, Distance: ex.GetDistanceMeters(),
		AverageHR: ex.GetHeartRateAvg(), MaxHR: ex.GetHeartRateMax(), Calories: ex.GetCalories(),
	}
	if t.Trainer {
		a.Trainer = &t.Trainer
	}
	if t.Commute {
		a.Commute = &t.Commute
	}
	return a
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
