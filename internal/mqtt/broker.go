package mqtt

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/sparkplug"
)

// DefaultBrokerAddr is where Forkline's embedded broker listens unless told
// otherwise: loopback, and not 1883, which is usually the plant's own broker.
const DefaultBrokerAddr = "127.0.0.1:1884"

// Broker is an MQTT broker embedded in Forkline, for a demo, a test or a
// small site without a broker of its own. It lets every client connect and
// publish and subscribe to every topic: listen on loopback only, or behind a
// firewall that lets in only the machines that may. It keeps sessions,
// retained messages and QoS 1 messages in memory: they are gone when the
// process ends (see IngestInline for what that means for machine data).
type Broker struct {
	server *mochi.Server
	addr   string
	inline *inlineHook // nil unless IngestInline
}

// BrokerOption changes how StartBroker sets up the broker.
type BrokerOption func(*brokerOptions)

type brokerOptions struct {
	inline *inlineHook
}

// IngestInline makes the broker itself Forkline's Sparkplug host application
// and JSON-convention subscriber: it decodes each message a client publishes
// on spBv1.0/... or forkline/v1/... and stores its samples with the sink
// before it acknowledges the message to its publisher. The embedded broker
// acknowledges a QoS 1 PUBLISH only after its OnPublish hooks have returned
// (mochi-mqtt v2.7.9, Server.processPublish), or never when a hook rejects
// it, as this one does to send the PUBACK itself later; either way a PUBACK
// from this broker means the samples are in the database: end-to-end
// durability without a broker-side store. The messages still go on to
// subscribers.
//
// Each client's messages are decoded in their order, as mochi reads them one
// after the other. When the sink can Submit (the pipeline), their samples
// are queued in that order and mochi reads on; the client's acknowledger
// sends each PUBACK, in order, once the message's samples are committed,
// and passes the message on then. So a publisher's window of QoS 1
// messages in flight and the messages of every other client are committed
// together (docs/performance.md, "Machine data"). With any other sink a
// QoS 1 message is stored before mochi reads the next. QoS 2 messages are
// always stored before mochi reads on. A message whose samples cannot be
// stored (the broker is closing) is neither acknowledged nor passed on, nor
// are the client's messages after it: the publisher sends them again when
// it reconnects. A message that does not decode is acknowledged, passed on and
// logged. An edge node's NDEATH, the MQTT will the broker publishes for it,
// is handled the same way, though nobody waits for its acknowledgement.
//
// The broker publishes the host's retained STATE, online at start and
// offline at Close. Do not also point a Client at this broker: it would
// store every sample a second time.
func IngestInline(sink monitoring.Sink, host *sparkplug.Host, now func() time.Time) BrokerOption {
	return func(o *brokerOptions) {
		o.inline = &inlineHook{sink: sink, host: host, now: now, acks: map[*mochi.Client]chan pending{}}
	}
}

// StartBroker starts a broker listening on addr, such as DefaultBrokerAddr
// or "127.0.0.1:0" for a free port, and returns once it accepts connections.
func StartBroker(addr string, logger *slog.Logger, opts ...BrokerOption) (*Broker, error) {
	var o brokerOptions
	for _, opt := range opts {
		opt(&o)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mqtt broker: listen on %s: %w", addr, err)
	}
	logger = logger.With("component", "mqtt-broker")
	server := mochi.New(&mochi.Options{InlineClient: true, Logger: logger})
	b := &Broker{server: server, addr: ln.Addr().String(), inline: o.inline}
	if err := server.AddHook(new(allowAll), nil); err != nil {
		ln.Close()
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	if h := o.inline; h != nil {
		h.server, h.logger = server, logger
		h.ctx, h.cancel = context.WithCancel(context.Background())
		if err := server.AddHook(h, nil); err != nil {
			ln.Close()
			return nil, fmt.Errorf("mqtt broker: %w", err)
		}
	}
	if err := server.AddListener(listeners.NewNet("tcp", ln)); err != nil {
		ln.Close()
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	if err := server.Serve(); err != nil {
		server.Close()
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	if h := o.inline; h != nil {
		h.mu.Lock()
		_, birth := h.host.Connect(h.now())
		h.mu.Unlock()
		h.stateTopic = birth.Topic
		if err := server.Publish(birth.Topic, birth.Payload, birth.Retain, birth.QoS); err != nil {
			b.Close()
			return nil, fmt.Errorf("mqtt broker: publish online STATE: %w", err)
		}
	}
	return b, nil
}

// Addr returns the address the broker listens on, with the port it got.
func (b *Broker) Addr() string { return b.addr }

// Close publishes the host's offline STATE when the broker ingests inline,
// then disconnects every client and stops listening.
func (b *Broker) Close() error {
	if h := b.inline; h != nil {
		h.closing.Store(true)
		if err := b.server.Publish(h.stateTopic, sparkplug.StatePayload(false, h.now()), true, 1); err != nil {
			h.logger.Warn("publish offline STATE", "err", err)
		}
		h.cancel()
	}
	return b.server.Close()
}

// allowAll lets every client connect and use every topic. (mochi's own
// auth.AllowHook is the same, but its package needs a YAML module.)
type allowAll struct{ mochi.HookBase }

func (*allowAll) ID() string { return "allow-all" }

func (*allowAll) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}

func (*allowAll) OnConnectAuthenticate(*mochi.Client, packets.Packet) bool { return true }

func (*allowAll) OnACLCheck(*mochi.Client, string, bool) bool { return true }

// inlineHook is IngestInline's mochi hook.
type inlineHook struct {
	mochi.HookBase
	sink       monitoring.Sink
	host       *sparkplug.Host
	mu         sync.Mutex // a Host is not safe for concurrent use
	now        func() time.Time
	server     *mochi.Server
	logger     *slog.Logger
	stateTopic string
	ctx        context.Context // ends at Close: stop retrying
	cancel     context.CancelFunc
	closing    atomic.Bool

	ackMu sync.Mutex
	acks  map[*mochi.Client]chan pending // each client's acknowledger
}

func (h *inlineHook) ID() string { return "forkline-ingest" }

func (h *inlineHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnPublish, mochi.OnWill, mochi.OnDisconnect}, []byte{b})
}

// OnPublish runs in the publishing client's goroutine before the broker
// acknowledges the message and passes it on.
func (h *inlineHook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		return pk, nil // the broker's own STATE and rebirth requests
	}
	sub, async := h.sink.(submitter)
	if !async || pk.FixedHeader.Qos > 1 {
		if !h.handle(pk.TopicName, pk.Payload) {
			// No PUBACK and no delivery: the publisher sends it again.
			return pk, packets.ErrRejectPacket
		}
		return pk, nil
	}
	// Queue the samples in the client's order, and leave the PUBACK and
	// the delivery to the client's acknowledger, which sends them once the
	// samples are stored. mochi goes on reading the client's next message.
	samples := h.decode(pk.TopicName, pk.Payload)
	p := pending{pk: pk, samples: samples}
	if len(samples) > 0 {
		p.wait = sub.Submit(h.ctx, samples)
	}
	h.acker(cl) <- p
	return pk, packets.ErrRejectPacket
}

// submitter is a sink that queues samples and waits for them apart,
// booking what one goroutine submits in its order: the pipeline.
type submitter interface {
	Submit(ctx context.Context, samples []monitoring.Sample) (wait func() error)
}

// pending is a QoS 0 or 1 message whose samples are on their way to the
// database.
type pending struct {
	pk      packets.Packet
	samples []monitoring.Sample
	wait    func() error // nil when the message has no samples
}

// ackQueueLen bounds a client's messages waiting for storage; beyond it
// mochi stops reading from the client.
const ackQueueLen = 1024

// acker returns the queue of cl's acknowledger, starting it with the
// client's first message. The queue ends when the client disconnects.
func (h *inlineHook) acker(cl *mochi.Client) chan<- pending {
	h.ackMu.Lock()
	defer h.ackMu.Unlock()
	q, ok := h.acks[cl]
	if !ok {
		q = make(chan pending, ackQueueLen)
		h.acks[cl] = q
		go h.acknowledge(cl, q)
	}
	return q
}

// acknowledge answers cl's messages in the order they came (MQTT 3.1.1,
// 4.6): once a message's samples are stored, it sends the PUBACK and passes
// the message on to the subscribers. A message whose samples cannot be
// stored (the broker is closing) is neither; nor, then, are the ones after
// it, which the publisher sends again too.
func (h *inlineHook) acknowledge(cl *mochi.Client, q <-chan pending) {
	failed := false
	for p := range q {
		if failed {
			continue
		}
		if p.wait != nil && p.wait() != nil && !h.store(p.samples) {
			failed = true
			continue
		}
		if p.pk.FixedHeader.Qos > 0 {
			// An error means the connection is gone: the publisher sends
			// the message again, and the watermarks and the process
			// values' keys recognise it.
			_ = cl.WritePacket(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Puback},
				PacketID: p.pk.PacketID, ReasonCode: packets.CodeSuccess.Code})
		}
		if err := h.server.Publish(p.pk.TopicName, p.pk.Payload, p.pk.FixedHeader.Retain, p.pk.FixedHeader.Qos); err != nil && !h.closing.Load() {
			h.logger.Warn("mqtt pass on", "topic", p.pk.TopicName, "err", err)
		}
	}
}

// OnDisconnect ends the acknowledger of a client that went away, once it
// has answered what the client sent.
func (h *inlineHook) OnDisconnect(cl *mochi.Client, _ error, _ bool) {
	h.ackMu.Lock()
	defer h.ackMu.Unlock()
	if q, ok := h.acks[cl]; ok {
		close(q)
		delete(h.acks, cl)
	}
}

// OnWill handles the will the broker is about to publish for a client that
// went away: for an edge node, its NDEATH.
func (h *inlineHook) OnWill(cl *mochi.Client, will mochi.Will) (mochi.Will, error) {
	h.handle(will.TopicName, will.Payload)
	return will, nil
}

// handle decodes a message and stores its samples. It returns false when
// the samples could not be stored.
func (h *inlineHook) handle(topic string, payload []byte) bool {
	return h.store(h.decode(topic, payload))
}

// decode decodes a message into samples and publishes what the host asks
// to (a rebirth request).
func (h *inlineHook) decode(topic string, payload []byte) []monitoring.Sample {
	var samples []monitoring.Sample
	var publish []sparkplug.Message
	switch {
	case strings.HasPrefix(topic, sparkplug.Namespace+"/"):
		h.mu.Lock()
		res, err := h.host.Handle(topic, payload, h.now())
		h.mu.Unlock()
		if err != nil {
			h.logger.Warn("sparkplug message not used", "topic", topic, "err", err)
		}
		samples, publish = res.Samples, res.Publish
	case strings.HasPrefix(topic, JSONPrefix):
		var err error
		if samples, err = DecodeJSON(topic, payload, h.now()); err != nil {
			h.logger.Warn("machine-data message not used", "topic", topic, "err", err)
		}
	}
	if !h.closing.Load() {
		for _, m := range publish {
			if err := h.server.Publish(m.Topic, m.Payload, m.Retain, m.QoS); err != nil {
				h.logger.Warn("mqtt publish", "topic", m.Topic, "err", err)
			}
		}
	}
	return samples
}

// store stores samples, retrying until it succeeds or the broker closes,
// and returns false then.
func (h *inlineHook) store(samples []monitoring.Sample) bool {
	if len(samples) == 0 {
		return true
	}
	wait := 100 * time.Millisecond
	for {
		err := h.sink.Ingest(h.ctx, samples)
		if err == nil {
			return true
		}
		if h.ctx.Err() != nil {
			return false
		}
		h.logger.Warn("ingest machine data, retrying", "err", err, "retry_in", wait)
		select {
		case <-h.ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}
