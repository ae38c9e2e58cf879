package accesslinksync

import (
	"strconv"

	"github.com/polarbridge/polarbridge/core/accesslink"
)

// Account implements source.Source: an AccessLink event belongs to its
// Polar user.
func (s *Source) Account(_ string, body []byte) string {
	p, err := accesslink.ParseWebhook(body)
	if err != nil || p.UserID == 0 {
		return ""
	}
	return strconv.FormatInt(p.UserID, 10)
}
