package mqtt_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/mqtt"
	"github.com/forkline/forkline/internal/sparkplug"
)

// gateSink stores a batch only when the test lets it through.
type gateSink struct {
	entered chan []monitoring.Sample
	release chan error // nil stores the batch; an error refuses it
	stored  chan []monitoring.Sample
}

func newGateSink() *gateSink {
	return &gateSink{entered: make(chan []monitoring.Sample, 10), release: make(chan error), stored: make(chan []monitoring.Sample, 10)}
}

func (s *gateSink) Ingest(ctx context.Context, samples []monitoring.Sample) error {
	s.entered <- slices.Clone(samples)
	select {
	case err := <-s.release:
		if err == nil {
			s.stored <- slices.Clone(samples)
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func startInlineBroker(t *testing.T, sink monitoring.Sink, hostID string) *mqtt.Broker {
	t.Helper()
	b, err := mqtt.StartBroker("127.0.0.1:0", discard(), mqtt.IngestInline(sink, sparkplug.NewHost(hostID), fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestBrokerIngestInline(t *testing.T) {
	t.Run("the publisher's PUBACK waits until the samples are stored", func(t *testing.T) {
		sink := newGateSink()
		b := startInlineBroker(t, sink, "forkline")
		pub := connect(t, "tcp://"+b.Addr(), "pub", nil)
		topic := "forkline/v1/plant1/cold/line1/chiller"
		tok := pub.Publish(topic, 1, false, []byte(`{"timestamp": 1767340800000, "values": {"temp": 3.5}}`))
		select {
		case <-sink.entered:
		case <-time.After(wait):
			t.Fatal("the broker did not ingest the message")
		}
		select {
		case <-tok.Done():
			t.Fatal("PUBACK before the samples were stored")
		default:
		}
		sink.release <- errors.New("a transient failure") // retried
		<-sink.entered
		sink.release <- nil
		waitToken(t, tok)
		select {
		case got := <-sink.stored:
			want := []monitoring.Sample{number(topic+"/temp", time.UnixMilli(1767340800000).UTC(), 3.5)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("samples (-want +got):\n%s", diff)
			}
		default:
			t.Fatal("PUBACK arrived, samples were not stored")
		}
	})

	t.Run("a message not stored by Close is not acknowledged", func(t *testing.T) {
		sink := newGateSink()
		b, err := mqtt.StartBroker("127.0.0.1:0", discard(), mqtt.IngestInline(sink, sparkplug.NewHost("forkline"), fixedNow))
		if err != nil {
			t.Fatal(err)
		}
		pub := connect(t, "tcp://"+b.Addr(), "pub", nil)
		tok := pub.Publish("forkline/v1/plant1/cold/line1/chiller", 1, false, []byte(`{"values": {"temp": 3.5}}`))
		<-sink.entered
		b.Close() // the sink never stores it
		if !tok.WaitTimeout(wait) {
			t.Fatal("the publish token did not end with the connection")
		}
		if tok.Error() == nil {
			t.Error("publish succeeded, want it unacknowledged")
		}
	})

	t.Run("Sparkplug births, data, rebirth requests and the will's NDEATH", func(t *testing.T) {
		sink := newSink(false)
		b := startInlineBroker(t, sink, "forkline")
		brokerURL := "tcp://" + b.Addr()

		watcher := connect(t, brokerURL, "watch", nil)
		if s := waitState(t, subscribe(t, watcher, sparkplug.StateTopic("forkline")), true); s.Timestamp != t0.UnixMilli() {
			t.Errorf("STATE timestamp = %d, want %d", s.Timestamp, t0.UnixMilli())
		}

		p := startProxy(t, brokerURL)
		edge := sparkplug.NewEdge("plant1", "Filler01")
		willTopic, willPayload := edge.Connect()
		pub := connect(t, p.URL(), "edge", func(o *paho.ClientOptions) { o.SetBinaryWill(willTopic, willPayload, 1, false) })
		commands := subscribe(t, connect(t, brokerURL, "edge-commands", nil), "spBv1.0/plant1/NCMD/Filler01")
		send := func(topic string, payload []byte, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			waitToken(t, pub.Publish(topic, 1, false, payload))
		}
		prefix := "spBv1.0/plant1/Filler01/"
		t1 := time.Date(2026, 1, 2, 7, 0, 0, 0, time.UTC)
		send(edge.NBirth([]sparkplug.Metric{{Name: "Good", DataType: sparkplug.TypeUInt64, Value: monitoring.NumberValue(1)}}, t1))
		send(edge.NData([]sparkplug.Metric{{Name: "Good", Value: monitoring.NumberValue(2)}}, t1.Add(time.Second)))
		// With QoS 1 the PUBACK came after the samples were stored: they
		// are in the sink already, in order.
		for i, want := range [][]monitoring.Sample{
			{number(prefix+"Good", t1, 1)},
			{number(prefix+"Good", t1.Add(time.Second), 2)},
		} {
			select {
			case got := <-sink.batches:
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("batch %d (-want +got):\n%s", i, diff)
				}
			default:
				t.Fatalf("batch %d not stored before its PUBACK", i)
			}
		}

		edge.NData([]sparkplug.Metric{{Name: "Good", Value: monitoring.NumberValue(3)}}, t1) // lost
		send(edge.NData([]sparkplug.Metric{{Name: "Good", Value: monitoring.NumberValue(4)}}, t1))
		if m := receive(t, commands); m.Topic() != "spBv1.0/plant1/NCMD/Filler01" {
			t.Errorf("rebirth request on %s", m.Topic())
		}
		send(edge.NBirth([]sparkplug.Metric{{Name: "Good", DataType: sparkplug.TypeUInt64, Value: monitoring.NumberValue(4)}}, t1))
		if diff := cmp.Diff([]monitoring.Sample{number(prefix+"Good", t1, 4)}, sink.next(t)); diff != "" {
			t.Errorf("samples after the rebirth (-want +got):\n%s", diff)
		}

		p.cut() // the edge node drops off the network; the broker sends its will
		if diff := cmp.Diff([]monitoring.Sample{null(prefix+"Good", t0)}, sink.next(t)); diff != "" {
			t.Errorf("samples of the NDEATH (-want +got):\n%s", diff)
		}
	})
}

// countingSink counts the samples it stores.
type countingSink struct{ n atomic.Int64 }

func (s *countingSink) Ingest(_ context.Context, samples []monitoring.Sample) error {
	s.n.Add(int64(len(samples)))
	return nil
}

func TestBrokerManyPublishers(t *testing.T) {
	sink := new(countingSink)
	b := startInlineBroker(t, sink, "forkline")
	const publishers, messages = 4, 50
	done := make(chan error, publishers)
	for i := range publishers {
		pub := connect(t, "tcp://"+b.Addr(), fmt.Sprintf("pub%d", i), nil)
		go func() {
			for j := range messages {
				tok := pub.Publish(fmt.Sprintf("forkline/v1/p/a/l/e%d", i), 1, false, fmt.Appendf(nil, `{"timestamp": %d, "values": {"n": %d}}`, 1767340800000+j, j))
				if !tok.WaitTimeout(wait) || tok.Error() != nil {
					done <- fmt.Errorf("publish %d: %v", j, tok.Error())
					return
				}
			}
			done <- nil
		}()
	}
	for range publishers {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := sink.n.Load(); got != publishers*messages {
		t.Errorf("samples stored after every PUBACK = %d, want %d", got, publishers*messages)
	}
}
