package mqtt_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/mqtt"
)

// wait bounds every wait for a message: generous, it only ends a test that
// would hang.
const wait = 30 * time.Second

// t0 is the fixed time of the client's clock in the tests.
var t0 = time.Date(2026, 1, 2, 6, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return t0 }

// forEachBroker runs test against the embedded broker and, when
// FORKLINE_TEST_MQTT_URL is set, against that broker (Mosquitto in CI).
// newURL returns the URL of a broker for this subtest.
func forEachBroker(t *testing.T, test func(t *testing.T, brokerURL string)) {
	t.Run("embedded broker", func(t *testing.T) {
		b, err := mqtt.StartBroker("127.0.0.1:0", discard())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		test(t, "tcp://"+b.Addr())
	})
	t.Run("external broker", func(t *testing.T) {
		u := os.Getenv("FORKLINE_TEST_MQTT_URL")
		if u == "" {
			if os.Getenv("CI") == "true" {
				t.Fatal("FORKLINE_TEST_MQTT_URL is not set; CI must run the MQTT tests against Mosquitto")
			}
			t.Skip("FORKLINE_TEST_MQTT_URL is not set (e.g. tcp://127.0.0.1:1883): skipping the tests against an external broker")
		}
		test(t, u)
	})
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// uniqueID returns an id for topics and client ids that no parallel run
// on a shared broker uses.
func uniqueID() string { return strings.ToLower(rand.Text()[:12]) }

// recordingSink stores every batch it takes; with fail set it refuses them.
type recordingSink struct {
	fail     bool
	batches  chan []monitoring.Sample
	attempts chan []monitoring.Sample
}

func newSink(fail bool) *recordingSink {
	return &recordingSink{fail: fail, batches: make(chan []monitoring.Sample, 1000), attempts: make(chan []monitoring.Sample, 1000)}
}

func (s *recordingSink) Ingest(ctx context.Context, samples []monitoring.Sample) error {
	select {
	case s.attempts <- slices.Clone(samples):
	default:
	}
	if s.fail {
		return errors.New("the database is down")
	}
	s.batches <- slices.Clone(samples)
	return nil
}

// next returns the next batch the sink stored.
func (s *recordingSink) next(t *testing.T) []monitoring.Sample {
	t.Helper()
	select {
	case b := <-s.batches:
		return b
	case <-time.After(wait):
		t.Fatal("no samples arrived")
		return nil
	}
}

// startClient runs a client until the test ends or stop is called.
func startClient(t *testing.T, cfg mqtt.Config, sink monitoring.Sink) (c *mqtt.Client, stop func()) {
	t.Helper()
	c = mqtt.New(cfg, sink, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})), fixedNow)
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
					t.Errorf("Run() = %v, want nil", err)
				}
			case <-time.After(wait):
				t.Error("Run did not return after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return c, stop
}

// connect connects a plain MQTT client, e.g. a test edge node.
func connect(t *testing.T, brokerURL, clientID string, configure func(*paho.ClientOptions)) paho.Client {
	t.Helper()
	opts := paho.NewClientOptions().AddBroker(brokerURL).SetClientID(clientID).
		SetAutoReconnect(false).SetConnectRetry(false).SetCleanSession(true)
	if configure != nil {
		configure(opts)
	}
	c := paho.NewClient(opts)
	waitToken(t, c.Connect())
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

func waitToken(t *testing.T, tok paho.Token) {
	t.Helper()
	if !tok.WaitTimeout(wait) {
		t.Fatal("MQTT operation did not complete")
	}
	if err := tok.Error(); err != nil {
		t.Fatal(err)
	}
}

// subscribe returns the messages on filter.
func subscribe(t *testing.T, c paho.Client, filter string) <-chan paho.Message {
	t.Helper()
	ch := make(chan paho.Message, 100)
	waitToken(t, c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) { ch <- m }))
	return ch
}

func receive(t *testing.T, ch <-chan paho.Message) paho.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(wait):
		t.Fatal("no message arrived")
		return nil
	}
}

type state struct {
	Online    bool  `json:"online"`
	Timestamp int64 `json:"timestamp"`
}

// waitState reads STATE messages until one says online is want.
func waitState(t *testing.T, ch <-chan paho.Message, want bool) state {
	t.Helper()
	for {
		m := receive(t, ch)
		var s state
		if err := json.Unmarshal(m.Payload(), &s); err != nil {
			continue // an empty payload clears a retained message
		}
		if s.Online == want {
			return s
		}
	}
}

// clearSession removes the persistent session of clientID and the retained
// STATE of hostID from a shared broker.
func clearSession(t *testing.T, brokerURL, clientID, hostID string) {
	t.Cleanup(func() {
		opts := paho.NewClientOptions().AddBroker(brokerURL).SetClientID(clientID).SetCleanSession(true).
			SetAutoReconnect(false)
		c := paho.NewClient(opts)
		if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
			return // the embedded broker is gone already
		}
		c.Publish("spBv1.0/STATE/"+hostID, 1, true, []byte{}).WaitTimeout(wait)
		c.Disconnect(100)
	})
}

// proxy forwards TCP connections to a broker until cut, which drops them
// as a failed network would: the broker then publishes the wills.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func startProxy(t *testing.T, brokerURL string) *proxy {
	t.Helper()
	u, err := url.Parse(brokerURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: u.Host}
	go p.serve()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) URL() string { return "tcp://" + p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go func() { io.Copy(out, in); out.Close() }()
		go func() { io.Copy(in, out); in.Close() }()
	}
}

// cut stops accepting connections and drops the open ones.
func (p *proxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}
