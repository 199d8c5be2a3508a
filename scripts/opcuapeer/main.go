// Command opcuapeer runs Forkline's OPC UA ingest against a real server and
// prints every sample it would store, to check a peer before mapping its
// tags. Example, against the node-opcua server in docs/opcua.md:
//
//	go run ./scripts/opcuapeer -endpoint opc.tcp://127.0.0.1:26543/UA/Forkline \
//	    -node 'ns=1;s=Temperature' -node 'ns=1;s=Good' -node 'ns=1;s=State' -for 10s
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/opcua"
)

type nodes []string

func (n *nodes) String() string     { return strings.Join(*n, ",") }
func (n *nodes) Set(s string) error { *n = append(*n, s); return nil }

// printSink prints samples as they would be stored.
type printSink struct{ n atomic.Int64 }

func (p *printSink) Ingest(_ context.Context, samples []monitoring.Sample) error {
	for _, s := range samples {
		p.n.Add(1)
		fmt.Printf("%s  %-40s %s\n", s.Time.Format(time.RFC3339Nano), s.Address, s.Value)
	}
	return nil
}

func main() {
	endpoint := flag.String("endpoint", "opc.tcp://127.0.0.1:26543/UA/Forkline", "the OPC UA server")
	name := flag.String("name", "peer", "connection name: addresses are opcua/<name>/<node id>")
	interval := flag.Duration("interval", 500*time.Millisecond, "publishing interval")
	run := flag.Duration("for", 10*time.Second, "how long to listen")
	var ns nodes
	flag.Var(&ns, "node", "a node id to subscribe to, e.g. ns=1;s=Temperature (repeat the flag)")
	flag.Parse()
	sink := &printSink{}
	client, err := opcua.New(opcua.Config{Name: *name, Endpoint: *endpoint, Nodes: ns, Interval: *interval}, sink,
		slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "opcuapeer:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *run)
	defer cancel()
	if err := client.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "opcuapeer:", err)
		os.Exit(1)
	}
	st := client.Stats()
	fmt.Fprintf(os.Stderr, "samples %d, notifications %d, errors %d, reconnects %d\n", sink.n.Load(), st.Notifications, st.Errors, st.Reconnects)
	if sink.n.Load() == 0 {
		os.Exit(1)
	}
}
