// Command tracebench runs the genealogy benchmarks of internal/sqlstore
// (issue #3: a plant of 1,000,000 lots, traced, recalled and consumed) and
// prints their results as the Markdown tables of docs/performance.md, with
// the targets marked met or missed. Run it from the repository root:
//
//	go run ./scripts/tracebench                  # SQLite, and PostgreSQL when FORKLINE_TEST_POSTGRES_URL is set
//	go run ./scripts/tracebench -benchtime 10s   # longer runs
//	go run ./scripts/tracebench -parse raw.txt   # tables from the saved output of an earlier run
//	go run ./scripts/tracebench -test before.test  # a test binary built elsewhere (go test -c ./internal/sqlstore/),
//	                                             # e.g. from a tree without a change, to measure before and after
//
// Before it starts, it waits (up to -wait) for the machine to be at least
// -idle idle, since other work on a two-core machine moves the numbers. The
// raw output of go test is kept in -out.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tracebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tracebench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	benchtime := fs.String("benchtime", "5s", "go test -benchtime for every benchmark")
	bench := fs.String("bench", "Trace|RecallScope|Consume", "go test -bench")
	out := fs.String("out", "", "file for the raw output of go test (default: a temporary file)")
	parse := fs.String("parse", "", "only print the tables of this saved output")
	binary := fs.String("test", "", "run this test binary of internal/sqlstore instead of go test")
	idle := fs.Float64("idle", 0.85, "share of the machine that must be idle before the run starts")
	wait := fs.Duration("wait", 10*time.Minute, "how long to wait for the machine to be idle")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *parse != "" {
		raw, err := os.ReadFile(*parse)
		if err != nil {
			return err
		}
		return report(stdout, raw)
	}
	if err := waitIdle(ctx, *idle, *wait, stderr); err != nil {
		return err
	}
	if *out == "" {
		f, err := os.CreateTemp("", "tracebench-*.txt")
		if err != nil {
			return err
		}
		f.Close()
		*out = f.Name()
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	var raw bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "test", "./internal/sqlstore/", "-run", "^$", "-bench", *bench, "-benchtime", *benchtime, "-timeout", "90m", "-v")
	if *binary != "" {
		cmd = exec.CommandContext(ctx, *binary, "-test.run", "^$", "-test.bench", *bench, "-test.benchtime", *benchtime, "-test.timeout", "90m", "-test.v")
	}
	cmd.Stdout = io.MultiWriter(&raw, f, stderr)
	cmd.Stderr = io.MultiWriter(&raw, f, stderr)
	fmt.Fprintf(stderr, "%s (raw output in %s)\n", strings.Join(cmd.Args, " "), *out)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test: %w", err)
	}
	return report(stdout, raw.Bytes())
}

// waitIdle waits until the machine was at least share idle over 3 seconds.
func waitIdle(ctx context.Context, share float64, limit time.Duration, stderr io.Writer) error {
	deadline := time.Now().Add(limit)
	for {
		b0, t0 := cpuTicks()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(3 * time.Second):
		}
		b1, t1 := cpuTicks()
		if t1 <= t0 {
			return nil // no /proc/stat: do not wait
		}
		got := 1 - float64(b1-b0)/float64(t1-t0)
		if got >= share {
			return nil
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(stderr, "machine only %.0f%% idle after %s; running anyway\n", 100*got, limit)
			return nil
		}
		fmt.Fprintf(stderr, "machine %.0f%% idle; waiting for %.0f%%\n", 100*got, 100*share)
	}
}

func cpuTicks() (busy, total uint64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

// result is one benchmark line: its name and its metrics by unit.
type result struct {
	name    string
	metrics map[string]float64
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func parseResults(raw []byte) (results []result, notes []string) {
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "generated") || strings.Contains(line, "history:") {
			if _, note, ok := strings.Cut(line, ": "); ok {
				notes = append(notes, strings.TrimSpace(note))
			}
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		r := result{name: m[1], metrics: map[string]float64{}}
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err == nil {
				r.metrics[fields[i+1]] = v
			}
		}
		results = append(results, r)
	}
	return results, notes
}

func report(w io.Writer, raw []byte) error {
	results, notes := parseResults(raw)
	if len(results) == 0 {
		return errors.New("no benchmark results in the output")
	}
	by := map[string]map[string]float64{}
	for _, r := range results {
		by[r.name] = r.metrics
	}
	for _, n := range notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| benchmark | p50 | p99 | ops/s | CPU/op | lots/op | answer | machine busy |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		m := r.metrics
		ops := m["consumes/s"]
		if ops == 0 && m["ns/op"] > 0 {
			ops = 1e9 / m["ns/op"]
		}
		answer := ""
		if kb := m["KB/op"]; kb > 0 {
			answer = num(kb, 0) + " KB"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", strings.TrimPrefix(r.name, "Benchmark"),
			latency(m, "p50"), latency(m, "p99"), num(ops, 0), cpu(m), num(m["lots/op"], 0), answer, pct(m["machine-busy-%"]))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | measured | met |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, engine := range []string{"sqlite", "postgres"} {
		for _, dir := range []string{"backward", "forward"} {
			api, ok := by["BenchmarkTrace/"+engine+"/"+dir+"/api"]
			bare, ok2 := by["BenchmarkTrace/"+engine+"/"+dir+"/bare-recursive-query"]
			if !ok || !ok2 {
				continue
			}
			if engine == "sqlite" {
				target(w, fmt.Sprintf("API trace %s p99 < 10 ms on SQLite", dir), fmt.Sprintf("%.1f ms", api["p99-µs"]/1000), api["p99-µs"] < 10000)
			}
			ratio := api["p99-µs"] / bare["p99-µs"]
			target(w, fmt.Sprintf("API trace %s p99 ≤ 3 × bare query p99 (%s)", dir, engine),
				fmt.Sprintf("%.1f ms / %.1f ms = %.1f×", api["p99-µs"]/1000, bare["p99-µs"]/1000, ratio), ratio <= 3)
		}
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		if m, ok := by["BenchmarkRecallScope/"+engine]; ok {
			target(w, "recall scope with holds < 1 s ("+engine+")", fmt.Sprintf("p99 %.0f ms", m["p99-ms"]), m["p99-ms"] < 1000)
		}
	}
	if m, ok := by["BenchmarkConsume/sqlite/service"]; ok {
		target(w, "≥ 5,000 consume commands/s on SQLite, service level", fmt.Sprintf("%.0f/s", m["consumes/s"]), m["consumes/s"] >= 5000)
	}
	return nil
}

func target(w io.Writer, name, measured string, met bool) {
	mark := "no"
	if met {
		mark = "yes"
	}
	fmt.Fprintf(w, "| %s | %s | %s |\n", name, measured, mark)
}

func latency(m map[string]float64, p string) string {
	if v, ok := m[p+"-ms"]; ok {
		return num(v, 1) + " ms"
	}
	v, ok := m[p+"-µs"]
	switch {
	case !ok:
		return ""
	case v >= 1000:
		return num(v/1000, 2) + " ms"
	default:
		return num(v, 0) + " µs"
	}
}

func cpu(m map[string]float64) string {
	if v, ok := m["cpu-ms/op"]; ok {
		return num(v, 1) + " ms"
	}
	if v, ok := m["cpu-µs/op"]; ok {
		return num(v, 0) + " µs"
	}
	return ""
}

func pct(v float64) string {
	if v == 0 {
		return ""
	}
	return num(v, 0) + "%"
}

func num(v float64, prec int) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}
