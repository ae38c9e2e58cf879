package main

import (
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"p","Test":"TestOK"}`,
		`{"Action":"output","Package":"p","Test":"TestOK","Output":"=== RUN   TestOK\n"}`,
		`{"Action":"pass","Package":"p","Test":"TestOK","Elapsed":2.5}`,
		`{"Action":"output","Package":"p","Test":"TestBad","Output":"    x_test.go:3: boom\n"}`,
		`{"Action":"fail","Package":"p","Test":"TestBad","Elapsed":0.5}`,
		`{"Action":"skip","Package":"p","Test":"TestSkip"}`,
		`{"Action":"output","Package":"p","Output":"FAIL\tp\t3.1s\n"}`,
		`{"Action":"fail","Package":"p","Elapsed":3.1}`,
		`{"Action":"build-output","ImportPath":"q","Output":"q/x.go:1: syntax error\n"}`,
		`{"Action":"build-fail","ImportPath":"q"}`,
	}, "\n")
	var out strings.Builder
	failed, err := report(strings.NewReader(in), &out, 1)
	if err != nil || !failed {
		t.Fatalf("report = %v, %v; want failed", failed, err)
	}
	got := out.String()
	for _, want := range []string{"boom", "FAIL\tp\t3.1s", "syntax error", "2.5s  p TestOK", "tests: 1 passed, 1 failed, 1 skipped"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "=== RUN   TestOK") || strings.Contains(got, "TestBad (") {
		t.Errorf("output of passing tests, or only one slowest test expected:\n%s", got)
	}
}
