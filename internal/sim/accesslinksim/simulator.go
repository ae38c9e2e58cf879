package accesslinksim

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Simulator is a fake Polar AccessLink v3 service. It is an http.Handler that
// serves the OAuth2 authorization and token endpoints and the /v3 API, plus Go
// methods that let tests create data, push webhooks and inspect traffic.
// All methods are safe for concurrent use.
type Simulator struct {
	cfg config
	mux *http.ServeMux

	mu           sync.Mutex
	users        []*user
	usersByID    map[int64]*user
	exercises    []*exercise // in upload order
	exByHash     map[string]*exercise
	exByNum      map[int64]*exercise
	nights       map[int64]map[string]*night // user ID -> date -> night
	codes        map[string]*authCode
	tokens       map[string]*token
	approveNext  int64
	approveIdx   int
	webhook      *webhook
	deliveries   []Delivery
	rl           rateLimiter
	requests     map[string]int
	observedBase string
	txs          map[int64]*transaction
	nextTxID     int64
	addSeq       map[int64]uint64 // per-user counter seeding data added later
	createdAt    time.Time
	hrSynced     map[int64]time.Time // user ID -> last watch sync (heartrate.go)
	act          activityState       // daily activity and physical information (activity.go)
}

// New builds a simulator and generates its users and history.
func New(opts ...Option) (*Simulator, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.users < 1 {
		return nil, fmt.Errorf("accesslinksim: need at least one user, got %d", cfg.users)
	}
	if cfg.historyDays < 0 {
		return nil, fmt.Errorf("accesslinksim: negative history days %d", cfg.historyDays)
	}
	if cfg.shortLimit <= 0 {
		cfg.shortLimit = 500 + 20*cfg.users
	}
	if cfg.longLimit <= 0 {
		cfg.longLimit = 5000 + 100*cfg.users
	}
	s := &Simulator{
		cfg:       cfg,
		mux:       http.NewServeMux(),
		usersByID: make(map[int64]*user),
		exByHash:  make(map[string]*exercise),
		exByNum:   make(map[int64]*exercise),
		nights:    make(map[int64]map[string]*night),
		codes:     make(map[string]*authCode),
		tokens:    make(map[string]*token),
		requests:  make(map[string]int),
		txs:       make(map[int64]*transaction),
		addSeq:    make(map[int64]uint64),
		nextTxID:  1000,
		rl:        rateLimiter{shortLimit: cfg.shortLimit, longLimit: cfg.longLimit},
	}
	s.createdAt = s.now()
	s.generate()
	s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// ClientID returns the accepted OAuth2 client id.
func (s *Simulator) ClientID() string { return s.cfg.clientID }

// ClientSecret returns the accepted OAuth2 client secret.
func (s *Simulator) ClientSecret() string { return s.cfg.clientSecret }

func (s *Simulator) now() time.Time { return s.cfg.now() }

func (s *Simulator) routes() {
	s.handle("GET /oauth2/authorization", false, s.handleAuthorize)
	s.handle("POST /oauth2/token", false, s.handleToken)
	// Polar serves the token endpoint as /v2/oauth2/token on another host.
	s.handle("POST /v2/oauth2/token", false, s.handleToken)

	s.handle("POST /v3/users", true, s.handleRegister)
	s.handle("GET /v3/users/{userID}", true, s.handleGetUser)
	s.handle("DELETE /v3/users/{userID}", true, s.handleDeleteUser)
	s.handle("GET /v3/notifications", true, s.handleNotifications)

	s.handle("POST /v3/webhooks", true, s.handleCreateWebhook)
	s.handle("GET /v3/webhooks", true, s.handleGetWebhook)
	s.handle("PATCH /v3/webhooks/{webhookID}", true, s.handlePatchWebhook)
	s.handle("DELETE /v3/webhooks/{webhookID}", true, s.handleDeleteWebhook)
	s.handle("POST /v3/webhooks/activate", true, s.handleActivateWebhook)
	s.handle("POST /v3/webhooks/deactivate", true, s.handleDeactivateWebhook)

	s.handle("GET /v3/exercises", true, s.handleListExercises)
	s.handle("GET /v3/exercises/{exerciseID}", true, s.handleGetExercise)
	s.handle("GET /v3/exercises/{exerciseID}/fit", true, s.handleExerciseFIT)
	s.handle("GET /v3/exercises/{exerciseID}/tcx", true, s.handleExerciseTCX)
	s.handle("GET /v3/exercises/{exerciseID}/gpx", true, s.handleExerciseGPX)

	const tx = "/v3/users/{userID}/exercise-transactions"
	s.handle("POST "+tx, true, s.handleCreateTransaction)
	s.handle("GET "+tx+"/{txID}", true, s.handleListTransaction)
	s.handle("PUT "+tx+"/{txID}", true, s.handleCommitTransaction)
	s.handle("GET "+tx+"/{txID}/exercises/{exNum}", true, s.handleTxExercise)
	s.handle("GET "+tx+"/{txID}/exercises/{exNum}/fit", true, s.handleTxFIT)
	s.handle("GET "+tx+"/{txID}/exercises/{exNum}/gpx", true, s.handleTxGPX)
	s.handle("GET "+tx+"/{txID}/exercises/{exNum}/tcx", true, s.handleTxTCX)
	s.handle("GET "+tx+"/{txID}/exercises/{exNum}/heart-rate-zones", true, s.handleTxZones)
	s.handle("GET "+tx+"/{txID}/exercises/{exNum}/samples", true, s.handleTxSamples)
	s.handle("GET "+tx+"/{txID}/exercises/{exNum}/samples/{typeID}", true, s.handleTxSample)

	s.handle("GET /v3/users/sleep", true, s.handleListSleep)
	s.handle("GET /v3/users/sleep/available", true, s.handleAvailableSleep)
	s.handle("GET /v3/users/sleep/{date}", true, s.handleGetSleep)
	s.handle("GET /v3/users/nightly-recharge", true, s.handleListRecharge)
	s.handle("GET /v3/users/nightly-recharge/{date}", true, s.handleGetRecharge)
	s.handle("GET /v3/users/cardio-load/{$}", true, s.handleListCardioLoad)
	s.handle("GET /v3/users/cardio-load/date", true, s.handleCardioLoadRange)
	s.handle("GET /v3/users/cardio-load/{date}", true, s.handleGetCardioLoad)
	s.handle("GET /v3/users/cardio-load/period/days/{days}", true, s.handleCardioLoadDays)
	s.handle("GET /v3/users/cardio-load/period/months/{months}", true, s.handleCardioLoadMonths)
	s.handle("GET /v3/users/continuous-heart-rate", true, s.handleHeartRateRange)
	s.handle("GET /v3/users/continuous-heart-rate/{date}", true, s.handleGetHeartRate)

	s.activityRoutes()
	s.handle("GET /v3/users/sleepwise/alertness", true, s.handleListAlertness)
	s.handle("GET /v3/users/sleepwise/alertness/date", true, s.handleAlertnessRange)
	s.handle("GET /v3/users/sleepwise/circadian-bedtime", true, s.handleListBedtime)
	s.handle("GET /v3/users/sleepwise/circadian-bedtime/date", true, s.handleBedtimeRange)
	for _, kind := range []string{"skintemperature", "skincontacts", "ecg", "spo2"} {
		s.handle("GET /v3/users/biosensing/"+kind, true, s.handleBiosensing(kind))
	}

	// Unknown API paths still count against the rate limit, as on Polar.
	s.handle("/v3/", true, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "no such resource")
	})
}

// handle registers h, counting the request under its pattern and, for API
// routes, applying the rate limit before anything else.
func (s *Simulator) handle(pattern string, api bool, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		now := s.now()
		s.mu.Lock()
		s.requests[pattern]++
		s.observedBase = requestBase(r)
		var st rateState
		if api {
			st = s.rl.take(now)
		}
		s.mu.Unlock()
		if api {
			st.setHeaders(w.Header())
			if !st.allowed {
				writeError(w, now, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "rate limit exceeded")
				return
			}
		}
		h(w, r)
	})
}

func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// base returns the URL prefix for absolute links; callers hold s.mu.
func (s *Simulator) base() string {
	if s.cfg.baseURL != "" {
		return strings.TrimSuffix(s.cfg.baseURL, "/")
	}
	if s.observedBase != "" {
		return s.observedBase
	}
	return "http://localhost"
}

// apiError is AccessLink's documented error model.
type apiError struct {
	Timestamp string `json:"timestamp"`
	Status    int    `json:"status"`
	ErrorType string `json:"errorType"`
	Message   string `json:"message"`
	CorrID    string `json:"corrId"`
}

func writeError(w http.ResponseWriter, now time.Time, status int, errType, msg string) {
	writeJSON(w, status, apiError{
		Timestamp: formatWebhookTime(now),
		Status:    status,
		ErrorType: errType,
		Message:   msg,
		CorrID:    rand.Text()[:16],
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
