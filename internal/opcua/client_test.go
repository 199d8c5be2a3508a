package opcua_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/opcua"
	"github.com/gopcua/opcua/ua"
)

// wait is how long a test waits for the client before it fails. It is
// generous: nothing is asserted about timing, only about what arrives.
const wait = 30 * time.Second

// The filler's nodes.
const (
	good     = "ns=1;s=Filler.Good"        // UInt32 counter of good units
	state    = "ns=1;s=Filler.State"       // Int32 enumeration: 1 running, 2 idle, 3 down
	temp     = "ns=1;s=Filler.Temperature" // Double, degC
	pressure = "ns=1;s=Filler.Pressure"    // Double, bar; its sensor failed
)

func addr(node string) string { return "opcua/filler/" + node }

var t0 = time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// recorder is a sink that records each batch it takes and can fail the
// first calls.
type recorder struct {
	mu       sync.Mutex
	failures int                   // calls still to fail
	rejected [][]monitoring.Sample // batches of the failed calls
	batches  chan []monitoring.Sample
}

func newRecorder(failures int) *recorder {
	return &recorder{failures: failures, batches: make(chan []monitoring.Sample, 1000)}
}

func (r *recorder) Ingest(ctx context.Context, samples []monitoring.Sample) error {
	batch := slices.Clone(samples)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures > 0 {
		r.failures--
		r.rejected = append(r.rejected, batch)
		return errors.New("database is locked")
	}
	r.batches <- batch
	return nil
}

// next returns the next n samples the sink took, in the order it took them;
// it fails the test if they do not arrive in time.
func (r *recorder) next(t *testing.T, n int) []monitoring.Sample {
	t.Helper()
	var got []monitoring.Sample
	timeout := time.After(wait)
	for len(got) < n {
		select {
		case b := <-r.batches:
			got = append(got, b...)
		case <-timeout:
			t.Fatalf("the sink took %d samples, want %d: %v", len(got), n, got)
		}
	}
	if len(got) > n {
		t.Fatalf("the sink took %d samples, want %d: %v", len(got), n, got)
	}
	return got
}

// byAddress sorts samples by address, keeping the order of each address's
// samples: the order between nodes within a publish is the server's choice.
func byAddress(s []monitoring.Sample) []monitoring.Sample {
	s = slices.Clone(s)
	slices.SortStableFunc(s, func(a, b monitoring.Sample) int { return strings.Compare(a.Address, b.Address) })
	return s
}

// filler returns the machine with its starting values.
func filler() *plc {
	return newPLC(map[string]*ua.DataValue{
		good:     reading(uint32(100), at(0)),
		state:    reading(int32(1), at(0)),
		temp:     reading(4.5, at(0)),
		pressure: failure(at(0)),
	})
}

// start runs a client for the filler's nodes against port until the test
// ends or stop is called.
func start(t *testing.T, port int, sink monitoring.Sink) (c *opcua.Client, stop func()) {
	t.Helper()
	cfg := opcua.Config{
		Name:     "filler",
		Endpoint: fmt.Sprintf("opc.tcp://127.0.0.1:%d", port),
		Nodes:    []string{good, state, temp, pressure},
		Interval: 20 * time.Millisecond,
	}
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	c, err := opcua.New(cfg, sink, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run = %v, want nil after the context ended", err)
				}
			case <-time.After(wait):
				t.Errorf("Run did not return after the context ended")
			}
		})
	}
	t.Cleanup(stop)
	return c, stop
}

// firstValues are the samples of the filler's starting values.
func firstValues() []monitoring.Sample {
	return []monitoring.Sample{
		{Address: addr(pressure), Time: at(0)}, // bad status: Null
		{Address: addr(good), Time: at(0), Value: monitoring.NumberValue(100)},
		{Address: addr(state), Time: at(0), Value: monitoring.NumberValue(1)},
		{Address: addr(temp), Time: at(0), Value: monitoring.NumberValue(4.5)},
	}
}

func TestClient(t *testing.T) {
	t.Run("delivers the current values, then every change in order", func(t *testing.T) {
		port := freePort(t)
		m := filler()
		m.serve(t, port)
		sink := newRecorder(0)
		c, _ := start(t, port, sink)

		if diff := cmp.Diff(byAddress(firstValues()), byAddress(sink.next(t, 4))); diff != "" {
			t.Fatalf("first samples (-want +got):\n%s", diff)
		}

		// One change at a time: the test server keeps one value per node
		// between publishes, as a server with queue size 1 would.
		changes := []struct {
			node string
			dv   *ua.DataValue
			want monitoring.Sample
		}{
			{good, reading(uint32(101), at(1)), monitoring.Sample{Address: addr(good), Time: at(1), Value: monitoring.NumberValue(101)}},
			{state, reading(int32(3), at(2)), monitoring.Sample{Address: addr(state), Time: at(2), Value: monitoring.NumberValue(3)}},
			{temp, reading(5.25, at(3)), monitoring.Sample{Address: addr(temp), Time: at(3), Value: monitoring.NumberValue(5.25)}},
			{good, reading(uint32(102), at(4)), monitoring.Sample{Address: addr(good), Time: at(4), Value: monitoring.NumberValue(102)}},
			{state, reading(int32(1), at(5)), monitoring.Sample{Address: addr(state), Time: at(5), Value: monitoring.NumberValue(1)}},
			{pressure, reading(2.5, at(6)), monitoring.Sample{Address: addr(pressure), Time: at(6), Value: monitoring.NumberValue(2.5)}},
			{temp, failure(at(7)), monitoring.Sample{Address: addr(temp), Time: at(7)}},
			{good, reading(uint32(103), at(8)), monitoring.Sample{Address: addr(good), Time: at(8), Value: monitoring.NumberValue(103)}},
		}
		var want, got []monitoring.Sample
		for _, ch := range changes {
			m.set(t, ch.node, ch.dv)
			want = append(want, ch.want)
			got = append(got, sink.next(t, 1)...)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("samples of the changes (-want +got):\n%s", diff)
		}

		// Changes of different nodes between two publishes: each arrives once.
		m.set(t, good, reading(uint32(104), at(9)))
		m.set(t, temp, reading(6.0, at(9)))
		m.set(t, state, reading(int32(2), at(9)))
		want = []monitoring.Sample{
			{Address: addr(good), Time: at(9), Value: monitoring.NumberValue(104)},
			{Address: addr(state), Time: at(9), Value: monitoring.NumberValue(2)},
			{Address: addr(temp), Time: at(9), Value: monitoring.NumberValue(6)},
		}
		if diff := cmp.Diff(want, byAddress(sink.next(t, 3))); diff != "" {
			t.Errorf("samples of simultaneous changes (-want +got):\n%s", diff)
		}

		st := c.Stats()
		wantStats := opcua.Stats{Connected: true, Notifications: 15, Ingested: 15}
		if st != wantStats {
			t.Errorf("Stats() = %+v, want %+v", st, wantStats)
		}
	})

	t.Run("offers the samples of a failed Ingest again", func(t *testing.T) {
		port := freePort(t)
		m := filler()
		m.serve(t, port)
		sink := newRecorder(0)
		c, _ := start(t, port, sink)
		sink.next(t, 4)

		sink.mu.Lock()
		sink.failures = 2
		sink.mu.Unlock()
		m.set(t, good, reading(uint32(150), at(10)))
		got := sink.next(t, 1)
		want := []monitoring.Sample{{Address: addr(good), Time: at(10), Value: monitoring.NumberValue(150)}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("samples taken (-want +got):\n%s", diff)
		}
		sink.mu.Lock()
		rejected := sink.rejected
		sink.mu.Unlock()
		if diff := cmp.Diff([][]monitoring.Sample{want, want}, rejected); diff != "" {
			t.Errorf("samples of the failed calls (-want +got):\n%s", diff)
		}
		if st := c.Stats(); st.Errors != 2 || st.Ingested != 5 || st.Notifications != 5 {
			t.Errorf("Stats() = %+v, want 2 errors, 5 notifications, 5 ingested", st)
		}
	})

	t.Run("reconnects after the server restarts", func(t *testing.T) {
		port := freePort(t)
		m := filler()
		stop := m.serve(t, port)
		px := newProxy(t, port)
		sink := newRecorder(0)
		c, stopClient := start(t, px.port(), sink)
		defer stopClient() // before the restarted server stops
		if diff := cmp.Diff(byAddress(firstValues()), byAddress(sink.next(t, 4))); diff != "" {
			t.Fatalf("first samples (-want +got):\n%s", diff)
		}

		px.cut()
		stop()
		// The machine goes on counting while the server is away.
		m.set(t, good, reading(uint32(120), at(20)))
		m.serve(t, port) // the same port: the gopcua server can listen there again

		// The new subscription starts with every node's current value.
		want := firstValues()
		want[1] = monitoring.Sample{Address: addr(good), Time: at(20), Value: monitoring.NumberValue(120)}
		if diff := cmp.Diff(byAddress(want), byAddress(sink.next(t, 4))); diff != "" {
			t.Fatalf("samples after the restart (-want +got):\n%s", diff)
		}

		m.set(t, good, reading(uint32(121), at(21)))
		got := sink.next(t, 1)
		if diff := cmp.Diff([]monitoring.Sample{{Address: addr(good), Time: at(21), Value: monitoring.NumberValue(121)}}, got); diff != "" {
			t.Errorf("samples after the restart (-want +got):\n%s", diff)
		}
		if st := c.Stats(); st.Reconnects != 1 || !st.Connected || st.Errors == 0 {
			t.Errorf("Stats() = %+v, want 1 reconnect, connected, errors counted", st)
		}
	})
}

func TestNewRejectsAnInvalidConfig(t *testing.T) {
	_, err := opcua.New(opcua.Config{Name: "filler"}, newRecorder(0), nil)
	if err == nil {
		t.Fatal("New(config without endpoint) = nil error, want invalid")
	}
}
