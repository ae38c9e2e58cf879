package accesslinksim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

type user struct {
	id                  int64
	firstName, lastName string
	birthdate, gender   string
	weight, height      float64
	maxHR, restHR       int
	city                city
	loc                 *time.Location
	homeLat, homeLon    float64
	device, deviceID    string
	chestStrap          bool // RR intervals need a Polar H-series strap

	registered      bool
	memberID        string
	registeredAt    time.Time
	consentsMissing bool
}

// User is a snapshot of a simulated Polar user.
type User struct {
	ID              int64
	FirstName       string
	LastName        string
	Location        *time.Location // the IANA zone the user lives in
	Device          string
	Registered      bool
	MemberID        string
	RegisteredAt    time.Time
	ConsentsMissing bool
}

func (u *user) snapshot() User {
	return User{
		ID:              u.id,
		FirstName:       u.firstName,
		LastName:        u.lastName,
		Location:        u.loc,
		Device:          u.device,
		Registered:      u.registered,
		MemberID:        u.memberID,
		RegisteredAt:    u.registeredAt,
		ConsentsMissing: u.consentsMissing,
	}
}

type extraInfo struct {
	Value string `json:"value"`
	Index int    `json:"index"`
	Name  string `json:"name"`
}

// userJSON is the documented "user" model; keys are hyphenated.
type userJSON struct {
	PolarUserID      int64       `json:"polar-user-id"`
	MemberID         string      `json:"member-id"`
	RegistrationDate string      `json:"registration-date"`
	FirstName        string      `json:"first-name"`
	LastName         string      `json:"last-name"`
	Birthdate        string      `json:"birthdate"`
	Gender           string      `json:"gender"`
	Weight           float64     `json:"weight"`
	Height           float64     `json:"height"`
	ExtraInfo        []extraInfo `json:"extra-info"` // null: no partner questions
}

func (u *user) json() userJSON {
	return userJSON{
		PolarUserID:      u.id,
		MemberID:         u.memberID,
		RegistrationDate: u.registeredAt.UTC().Format(utcMillisLayout),
		FirstName:        u.firstName,
		LastName:         u.lastName,
		Birthdate:        u.birthdate,
		Gender:           u.gender,
		Weight:           u.weight,
		Height:           u.height,
	}
}

type registerRequest struct {
	XMLName  xml.Name `json:"-" xml:"register"`
	MemberID string   `json:"member-id" xml:"member-id"`
}

// parseRegister accepts the JSON body and, since the docs' samples send
// Content-Type application/xml, the XML form too.
func parseRegister(r io.Reader) (string, error) {
	body, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return "", fmt.Errorf("reading body: %w", err)
	}
	var req registerRequest
	if jerr := json.Unmarshal(body, &req); jerr != nil {
		if xerr := xml.NewDecoder(bytes.NewReader(body)).Decode(&req); xerr != nil {
			return "", fmt.Errorf("body is neither JSON nor XML: %w", jerr)
		}
	}
	if req.MemberID == "" {
		return "", fmt.Errorf("member-id is required")
	}
	return req.MemberID, nil
}

func (s *Simulator) handleRegister(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authUser(w, r)
	if !ok {
		return
	}
	memberID, err := parseRegister(r.Body)
	if err != nil {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.registered {
		writeError(w, s.now(), http.StatusConflict, "CONFLICT", "user already registered to partner")
		return
	}
	for _, o := range s.users {
		if o.registered && o.memberID == memberID {
			writeError(w, s.now(), http.StatusConflict, "CONFLICT", "duplicated member-id")
			return
		}
	}
	u.registered, u.memberID, u.registeredAt = true, memberID, s.now()
	writeJSON(w, http.StatusOK, u.json())
}

// pathUser resolves {userID} for the token's user. Another user's id looks
// like a missing user.
func pathUser(r *http.Request, u *user) bool {
	id, err := strconv.ParseInt(r.PathValue("userID"), 10, 64)
	return err == nil && id == u.id
}

func (s *Simulator) handleGetUser(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authUser(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !pathUser(r, u) || !u.registered {
		w.WriteHeader(http.StatusNoContent) // documented: user not found
		return
	}
	writeJSON(w, http.StatusOK, u.json())
}

// handleDeleteUser de-registers the user and, as documented, revokes the
// access token the user authorized.
func (s *Simulator) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authUser(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !pathUser(r, u) {
		writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "user not found")
		return
	}
	u.registered, u.memberID, u.registeredAt = false, "", time.Time{}
	s.revokeLocked(u.id)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) revokeLocked(userID int64) {
	for _, t := range s.tokens {
		if t.userID == userID {
			t.revoked = true
		}
	}
}

type availableUserData struct {
	UserID   int64  `json:"user-id"`
	DataType string `json:"data-type"`
	URL      string `json:"url"`
}

// handleNotifications lists users with exercises not yet committed through
// an exercise transaction (client credentials auth).
func (s *Simulator) handleNotifications(w http.ResponseWriter, r *http.Request) {
	if !s.requireClient(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []availableUserData
	for _, u := range s.users {
		if len(s.pendingExercisesLocked(u)) > 0 {
			out = append(out, availableUserData{
				UserID:   u.id,
				DataType: "EXERCISE",
				URL:      fmt.Sprintf("%s/v3/users/%d/exercise-transactions", s.base(), u.id),
			})
		}
		out = append(out, s.activityNotificationsLocked(u)...)
	}
	if len(out) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]availableUserData{"available-user-data": out})
}
