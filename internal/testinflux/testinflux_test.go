package testinflux

import (
	"net/http"
	"strings"
	"testing"
)

func TestInfluxStartWriteRestart(t *testing.T) {
	s := Start(t)
	s.CreateDatabase("t")
	resp, err := http.Post(s.URL+"/write?db=t&precision=s", "text/plain", strings.NewReader("m,a=b v=1 1700000000\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("write: HTTP %d", resp.StatusCode)
	}
	s.Stop()
	if _, err := s.Query("t", "SELECT * FROM m"); err == nil {
		t.Fatal("query succeeded while stopped")
	}
	s.Restart()
	if n := s.Count("t", "m", "v"); n != 1 {
		t.Errorf("count after restart = %d, want 1", n)
	}
}
