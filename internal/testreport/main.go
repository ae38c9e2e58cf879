// Command testreport reads `go test -json` on standard input and prints
// what a plain `go test` run would (each package's result line, and the
// whole output of every test that failed), then the slowest tests, so the
// suite's time budget stays visible. It exits 1 when anything failed.
//
//	go test -json ./... | go run ./internal/testreport -slowest 10
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type testID struct{ pkg, name string }

type timing struct {
	testID
	seconds float64
}

func main() {
	slowest := flag.Int("slowest", 10, "how many of the slowest tests to list")
	flag.Parse()
	failed, err := report(os.Stdin, os.Stdout, *slowest)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func report(in io.Reader, out io.Writer, slowest int) (failed bool, err error) {
	output := map[testID][]string{} // held until the test ends
	var times []timing
	var passed, failedN, skipped int
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil || e.Action == "" {
			// Not an event: a build error printed by the go command.
			fmt.Fprintln(out, string(line))
			continue
		}
		id := testID{e.Package, e.Test}
		switch {
		case e.Action == "build-output":
			fmt.Fprint(out, e.Output)
		case e.Action == "build-fail":
			failed = true
		case e.Test == "" && e.Action == "output":
			if !strings.HasPrefix(e.Output, "PASS") || strings.HasPrefix(e.Output, "PASS:") {
				fmt.Fprint(out, e.Output)
			}
		case e.Test == "" && e.Action == "fail":
			failed = true
			// Tests that never ended (a panic, the timeout) left their
			// output here: it says what happened.
			for held, lines := range output {
				if held.pkg == e.Package {
					fmt.Fprint(out, strings.Join(lines, ""))
					delete(output, held)
				}
			}
		case e.Test == "":
		case e.Action == "output":
			output[id] = append(output[id], e.Output)
		case e.Action == "pass" || e.Action == "skip":
			if e.Action == "pass" {
				passed++
			} else {
				skipped++
			}
			delete(output, id)
			if e.Action == "pass" && !strings.Contains(e.Test, "/") {
				times = append(times, timing{id, e.Elapsed})
			}
		case e.Action == "fail":
			failed, failedN = true, failedN+1
			fmt.Fprint(out, strings.Join(output[id], ""))
			delete(output, id)
			if !strings.Contains(e.Test, "/") {
				times = append(times, timing{id, e.Elapsed})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return true, err
	}
	printSlowest(out, times, slowest)
	fmt.Fprintf(out, "\ntests: %d passed, %d failed, %d skipped\n", passed, failedN, skipped)
	return failed, nil
}

func printSlowest(out io.Writer, times []timing, n int) {
	if n <= 0 || len(times) == 0 {
		return
	}
	sort.Slice(times, func(i, j int) bool { return times[i].seconds > times[j].seconds })
	fmt.Fprintf(out, "\nslowest tests:\n")
	for _, t := range times[:min(n, len(times))] {
		fmt.Fprintf(out, "%8.1fs  %s %s\n", t.seconds, t.pkg, t.name)
	}
}
