package testpg

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestStartRestart checks a cluster starts, keeps its data across a
// restart and refuses connections while stopped.
func TestStartRestart(t *testing.T) {
	s := Start(t)
	ctx := context.Background()
	conn := s.Conn()
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	s.Stop()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if c, err := pgx.Connect(cctx, s.DSN("postgres")+" password="+Password); err == nil {
		c.Close(ctx)
		t.Fatal("connected to a stopped server")
	}
	s.Restart()
	var n int
	if err := s.Conn().QueryRow(ctx, "SELECT n FROM kept").Scan(&n); err != nil || n != 42 {
		t.Fatalf("after restart: n = %d, %v", n, err)
	}
}
