package accesslinksim

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Transaction rules from "Transaction model": at most 50 entities, and an
// uncommitted transaction is disbanded after 10 minutes, its data returned
// in the next one.
const (
	txMaxItems = 50
	txLifetime = 10 * time.Minute
)

type transaction struct {
	id      int64
	userID  int64
	exNums  []int64
	created time.Time
	done    bool
}

func (s *Simulator) txOpenLocked(tx *transaction) bool {
	return !tx.done && s.now().Before(tx.created.Add(txLifetime))
}

// pendingExercisesLocked lists the user's visible exercises that are neither
// committed nor part of an open transaction; callers hold s.mu.
func (s *Simulator) pendingExercisesLocked(u *user) []*exercise {
	if !u.registered {
		return nil
	}
	inOpenTx := map[int64]bool{}
	for _, tx := range s.txs {
		if tx.userID == u.id && s.txOpenLocked(tx) {
			for _, n := range tx.exNums {
				inOpenTx[n] = true
			}
		}
	}
	var out []*exercise
	for _, ex := range s.exercises {
		if !ex.committed && !inOpenTx[ex.num] && s.visibleLocked(u, ex) {
			out = append(out, ex)
		}
	}
	return out
}

type transactionLocation struct {
	TransactionID int64  `json:"transaction-id"`
	ResourceURI   string `json:"resource-uri"`
}

func (s *Simulator) handleCreateTransaction(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !pathUser(r, u) {
		writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "user not found")
		return
	}
	pending := s.pendingExercisesLocked(u)
	if len(pending) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	pending = pending[:min(len(pending), txMaxItems)]
	s.nextTxID++
	tx := &transaction{id: s.nextTxID, userID: u.id, created: s.now()}
	for _, ex := range pending {
		tx.exNums = append(tx.exNums, ex.num)
	}
	s.txs[tx.id] = tx
	writeJSON(w, http.StatusCreated, transactionLocation{
		TransactionID: tx.id,
		ResourceURI:   fmt.Sprintf("%s/v3/users/%d/exercise-transactions/%d", s.base(), u.id, tx.id),
	})
}

// lookupTxLocked resolves {userID}/{txID}, answering 404 itself.
func (s *Simulator) lookupTxLocked(w http.ResponseWriter, r *http.Request, u *user) *transaction {
	id, _ := strconv.ParseInt(r.PathValue("txID"), 10, 64)
	tx := s.txs[id]
	if !pathUser(r, u) || tx == nil || tx.userID != u.id || !s.txOpenLocked(tx) {
		writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "no transaction found with given transaction id")
		return nil
	}
	return tx
}

func (s *Simulator) handleListTransaction(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.lookupTxLocked(w, r, u)
	if tx == nil {
		return
	}
	urls := make([]string, len(tx.exNums))
	for i, n := range tx.exNums {
		urls[i] = fmt.Sprintf("%s/v3/users/%d/exercise-transactions/%d/exercises/%d", s.base(), u.id, tx.id, n)
	}
	writeJSON(w, http.StatusOK, map[string][]string{"exercises": urls})
}

func (s *Simulator) handleCommitTransaction(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.lookupTxLocked(w, r, u)
	if tx == nil {
		return
	}
	tx.done = true
	for _, n := range tx.exNums {
		if ex := s.exByNum[n]; ex != nil {
			ex.committed = true
		}
	}
	w.WriteHeader(http.StatusOK)
}

// lookupTxExercise resolves an exercise inside a transaction; the returned
// copy is safe to use without s.mu.
func (s *Simulator) lookupTxExercise(w http.ResponseWriter, r *http.Request) (exercise, int64, string, bool) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return exercise{}, 0, "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.lookupTxLocked(w, r, u)
	if tx == nil {
		return exercise{}, 0, "", false
	}
	n, _ := strconv.ParseInt(r.PathValue("exNum"), 10, 64)
	for _, m := range tx.exNums {
		if m == n && s.exByNum[n] != nil {
			return *s.exByNum[n], tx.id, s.base(), true
		}
	}
	w.WriteHeader(http.StatusNoContent) // documented: no data available
	return exercise{}, 0, "", false
}

// exerciseTxJSON is the documented "exercise" model: hyphenated keys and a
// numeric id, unlike the /v3/exercises variant.
type exerciseTxJSON struct {
	ID                     int64          `json:"id"`
	UploadTime             string         `json:"upload-time"`
	PolarUser              string         `json:"polar-user"`
	TransactionID          int64          `json:"transaction-id"`
	Device                 string         `json:"device,omitempty"`
	DeviceID               string         `json:"device-id,omitempty"`
	StartTime              string         `json:"start-time"`
	StartTimeUTCOffset     int            `json:"start-time-utc-offset"`
	Duration               string         `json:"duration"`
	Calories               int            `json:"calories"`
	Distance               *float64       `json:"distance,omitempty"`
	HeartRate              *heartRateJSON `json:"heart-rate,omitempty"`
	TrainingLoad           *float64       `json:"training-load,omitempty"`
	Sport                  string         `json:"sport"`
	HasRoute               bool           `json:"has-route"`
	DetailedSportInfo      string         `json:"detailed-sport-info"`
	FatPercentage          *int           `json:"fat-percentage,omitempty"`
	CarbohydratePercentage *int           `json:"carbohydrate-percentage,omitempty"`
	ProteinPercentage      *int           `json:"protein-percentage,omitempty"`
	RunningIndex           *int           `json:"running-index,omitempty"`
	TrainingLoadPro        []tlpJSON      `json:"training-load-pro,omitempty"`
}

func (ex *exercise) txJSON(base string, txID int64) exerciseTxJSON {
	h := ex.hashJSON(base, false, false)
	return exerciseTxJSON{
		ID:                     ex.num,
		UploadTime:             h.UploadTime,
		PolarUser:              h.PolarUser,
		TransactionID:          txID,
		Device:                 h.Device,
		DeviceID:               h.DeviceID,
		StartTime:              h.StartTime,
		StartTimeUTCOffset:     h.StartTimeUTCOffset,
		Duration:               h.Duration,
		Calories:               h.Calories,
		Distance:               h.Distance,
		HeartRate:              h.HeartRate,
		TrainingLoad:           h.TrainingLoad,
		Sport:                  h.Sport,
		HasRoute:               h.HasRoute,
		DetailedSportInfo:      h.DetailedSportInfo,
		FatPercentage:          h.FatPercentage,
		CarbohydratePercentage: h.CarbohydratePercentage,
		ProteinPercentage:      h.ProteinPercentage,
		RunningIndex:           h.RunningIndex,
		TrainingLoadPro:        h.TrainingLoadPro,
	}
}

func (s *Simulator) handleTxExercise(w http.ResponseWriter, r *http.Request) {
	if ex, txID, base, ok := s.lookupTxExercise(w, r); ok {
		writeJSON(w, http.StatusOK, ex.txJSON(base, txID))
	}
}

func (s *Simulator) handleTxFIT(w http.ResponseWriter, r *http.Request) {
	if ex, _, _, ok := s.lookupTxExercise(w, r); ok {
		serveFIT(w, &ex)
	}
}

func (s *Simulator) handleTxGPX(w http.ResponseWriter, r *http.Request) {
	if ex, _, _, ok := s.lookupTxExercise(w, r); ok {
		serveGPX(w, &ex)
	}
}

func (s *Simulator) handleTxTCX(w http.ResponseWriter, r *http.Request) {
	if ex, _, _, ok := s.lookupTxExercise(w, r); ok {
		serveTCX(w, &ex)
	}
}

func (s *Simulator) handleTxZones(w http.ResponseWriter, r *http.Request) {
	ex, _, _, ok := s.lookupTxExercise(w, r)
	if !ok {
		return
	}
	if ex.st == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]zoneJSON{"zone": ex.zonesJSON()})
}

func (s *Simulator) handleTxSamples(w http.ResponseWriter, r *http.Request) {
	ex, _, base, ok := s.lookupTxExercise(w, r)
	if !ok {
		return
	}
	samples := ex.samplesJSON()
	if len(samples) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	urls := make([]string, len(samples))
	for i, smp := range samples {
		urls[i] = fmt.Sprintf("%s%s/%s", base, r.URL.Path, smp.SampleType)
	}
	writeJSON(w, http.StatusOK, map[string][]string{"samples": urls})
}

func (s *Simulator) handleTxSample(w http.ResponseWriter, r *http.Request) {
	ex, _, _, ok := s.lookupTxExercise(w, r)
	if !ok {
		return
	}
	for _, smp := range ex.samplesJSON() {
		if smp.SampleType == r.PathValue("typeID") {
			writeJSON(w, http.StatusOK, smp)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
