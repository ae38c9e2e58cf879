package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testpg"
	"github.com/polarbridge/polarbridge/pluginapi"
)

var sqlBlock = regexp.MustCompile("(?s)```sql\n(.*?)```")

// TestREADME runs the README's example queries on two weeks of data and
// checks its list of tables and columns against the database
// (UPDATE_README=1 rewrites that list).
func TestREADME(t *testing.T) {
	srv := testpg.Start(t)
	h := launch(t, srv, nil)
	var recs []*pluginapi.Record
	for d := range 14 {
		recs = append(recs, everyKind("475", night.AddDate(0, 0, d))...)
	}
	for i := 0; i < len(recs); i += 50 {
		exportOK(t, h, recs[i:min(i+50, len(recs))]...)
	}
	conn := srv.Conn()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)

	queries := sqlBlock.FindAllStringSubmatch(string(readme), -1)
	require.GreaterOrEqual(t, len(queries), 5, "example queries in README.md")
	results := make([][][]any, len(queries))
	for i, q := range queries {
		rows, err := conn.Query(context.Background(), q[1])
		require.NoError(t, err, "query %d:\n%s", i+1, q[1])
		results[i], err = pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
		require.NoError(t, err, "query %d", i+1)
		assert.NotEmpty(t, results[i], "query %d returns nothing:\n%s", i+1, q[1])
		if len(results[i]) > 0 {
			t.Logf("query %d: %d rows, the first %v", i+1, len(results[i]), results[i][0])
		}
	}
	// Two weeks of one 20-minute run a day: the first query's hours add up.
	var hours float64
	for _, r := range results[0] {
		hours += numeric(t, r[3])
	}
	assert.InDelta(t, 14*20.0/60, hours, 0.15, "weekly hours")
	assert.Len(t, results[1], 14, "a row per night of HRV")

	// Without store_files, a file's bytes are not kept; its hash is.
	var withData, files int
	require.NoError(t, conn.QueryRow(context.Background(),
		"SELECT count(data), count(sha256) FROM polar.exercise_files").Scan(&withData, &files))
	assert.Equal(t, []int{0, 14}, []int{withData, files}, "files with data, files")

	doc := schemaDoc(t, conn)
	begin, end := "<!-- schema:begin -->\n", "<!-- schema:end -->"
	i, j := strings.Index(string(readme), begin), strings.Index(string(readme), end)
	require.True(t, i >= 0 && j > i, "README.md has the schema markers")
	if os.Getenv("UPDATE_README") != "" {
		out := string(readme[:i+len(begin)]) + doc + string(readme[j:])
		require.NoError(t, os.WriteFile("README.md", []byte(out), 0o644))
		return
	}
	assert.Equal(t, doc, string(readme[i+len(begin):j]), "README.md's table list; UPDATE_README=1 go test -run TestREADME rewrites it")
}

// numeric is a numeric column's value.
func numeric(t *testing.T, v any) float64 {
	t.Helper()
	n, ok := v.(pgtype.Numeric)
	require.True(t, ok, "%T is not numeric", v)
	f, err := n.Float64Value()
	require.NoError(t, err)
	return f.Float64
}

// schemaDoc lists the schema's tables (in the order the migrations
// create them) and columns as a Markdown table.
func schemaDoc(t *testing.T, conn *pgx.Conn) string {
	rows, err := conn.Query(context.Background(), `
		SELECT c.relname, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
		FROM pg_class c
		JOIN pg_namespace ns ON ns.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE ns.nspname = 'polar' AND c.relkind = 'r'
		GROUP BY c.oid, c.relname
		ORDER BY c.oid`)
	require.NoError(t, err)
	var sb strings.Builder
	sb.WriteString("| table | columns |\n|---|---|\n")
	var name, cols string
	_, err = pgx.ForEachRow(rows, []any{&name, &cols}, func() error {
		fmt.Fprintf(&sb, "| `%s` | %s |\n", name, cols)
		return nil
	})
	require.NoError(t, err)
	return sb.String()
}
