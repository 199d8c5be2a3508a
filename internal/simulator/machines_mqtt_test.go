package simulator_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline/internal/mqtt"
	"github.com/forkline/forkline/internal/simulator"
	"github.com/forkline/forkline/internal/sparkplug"
)

// TestTheEdgesPublishThroughTheEmbeddedBrokerIntoTheSink runs the machines
// for a few simulated seconds (a fraction of a real one) through MQTT
// clients connected to the embedded broker, which ingests what it receives.
func TestTheEdgesPublishThroughTheEmbeddedBrokerIntoTheSink(t *testing.T) {
	var sink recordingSink
	broker, err := mqtt.StartBroker("127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)),
		mqtt.IngestInline(&sink, sparkplug.NewHost("forkline-test"), time.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	layout := simulator.DemoLayout()
	sim := simulator.NewSimulation(layout, 1, day0)
	l := sim.Live(40)
	l.Until = day0.Add(20 * time.Second)
	pub, disconnect, err := simulator.ConnectEdges(l, "tcp://"+broker.Addr(), "sim-test")
	if err != nil {
		t.Fatal(err)
	}
	err = l.Run(context.Background(), pub)
	disconnect()
	if err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	seen := map[string]bool{}
	for _, b := range sink.batches {
		for _, s := range b {
			seen[s.Address] = true
		}
	}
	for _, e := range layout.Equipment {
		if !seen[e.Address("State")] {
			t.Errorf("no state of %s reached the sink; it got %d addresses", e.Code, len(seen))
		}
	}
	for a := range seen {
		if !strings.HasPrefix(a, "spBv1.0/") {
			t.Errorf("sample of %s", a)
		}
	}
}
