package teamsync

import "encoding/json"

// Account implements source.Source: a Team Pro event belongs to the coach
// account it was polled with.
func (s *Source) Account(_ string, body []byte) string {
	var ev event
	if json.Unmarshal(body, &ev) != nil {
		return ""
	}
	return ev.Account
}
