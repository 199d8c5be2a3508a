package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/sparkplug"
)

// The subscriptions of the host application client, both QoS 1 so that a
// message a publisher sent at QoS 1 stays with the broker until Forkline has
// stored it. spBv1.0/# covers the host's own STATE topic, which Sparkplug
// requires it to subscribe to (tck-id-host-topic-phid-birth-sub-required).
var subscriptions = map[string]byte{
	sparkplug.Namespace + "/#": 1,
	JSONPrefix + "#":           1,
}

const (
	// ingestWorkers call Sink.Ingest concurrently, so that the pipeline
	// behind it can commit several messages in one transaction. (A sink
	// that can Submit, the pipeline, gets every message as it arrives, in
	// order; the workers then only wait for them.)
	ingestWorkers = 4
	// queueLen bounds the messages between the ordered handler and the
	// acknowledgements. Brokers usually hold back QoS 1 messages well
	// before (Mosquitto's max_inflight_messages is 20).
	queueLen = 256

	minBackoff = time.Second
	maxBackoff = 30 * time.Second
)

// Client is Forkline's Sparkplug B host application and subscriber of the
// JSON topic convention on one broker. It hands what it receives to a Sink
// and acknowledges a QoS 1 message only once the Sink has stored its
// samples.
type Client struct {
	cfg    Config
	sink   monitoring.Sink
	logger *slog.Logger
	now    func() time.Time
	hostMu sync.Mutex // Handle runs in one session's handler; Connect between sessions
	host   *sparkplug.Host

	connected atomic.Bool
	connects  atomic.Int64
	received  atomic.Int64
	acked     atomic.Int64
	samples   atomic.Int64
	rejected  atomic.Int64
	retries   atomic.Int64
	published atomic.Int64
}

// Stats are counters since the client was made.
type Stats struct {
	Connected     bool  // a session with the broker is up
	Connects      int64 // sessions established
	Received      int64 // messages the broker delivered
	Acked         int64 // messages acknowledged, their samples stored
	Samples       int64 // samples the sink stored
	Rejected      int64 // messages that did not decode; acknowledged and logged
	IngestRetries int64 // failed Sink.Ingest calls that were retried
	Published     int64 // messages the host published: STATE and rebirth requests
}

// New returns a client; Run connects it.
func New(cfg Config, sink monitoring.Sink, logger *slog.Logger, now func() time.Time) *Client {
	return &Client{
		cfg:    cfg,
		sink:   sink,
		logger: logger,
		now:    now,
		host:   sparkplug.NewHost(cfg.HostID),
	}
}

// Stats returns the counters.
func (c *Client) Stats() Stats {
	return Stats{
		Connected:     c.connected.Load(),
		Connects:      c.connects.Load(),
		Received:      c.received.Load(),
		Acked:         c.acked.Load(),
		Samples:       c.samples.Load(),
		Rejected:      c.rejected.Load(),
		IngestRetries: c.retries.Load(),
		Published:     c.published.Load(),
	}
}

// Run connects to the broker and takes messages until ctx ends, connecting
// again after a lost connection. It returns an Invalid error for bad
// settings and nil once ctx has ended. On the way out it publishes the
// host's offline STATE and disconnects; messages whose samples were not
// stored by then stay unacknowledged, and the broker delivers them again
// in the next session.
func (c *Client) Run(ctx context.Context) error {
	if err := c.cfg.Validate(); err != nil {
		return err
	}
	wait := minBackoff
	for {
		connected, err := c.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if connected {
			wait = minBackoff
		}
		c.logger.Warn("mqtt session ended", "url", c.cfg.URL, "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, maxBackoff)
	}
}

// job is one received message on its way to the sink and the acknowledgement.
type job struct {
	msg     paho.Message
	samples []monitoring.Sample
	wait    func() error  // set when the samples were submitted to the sink
	done    chan struct{} // closed once the samples are stored
}

// session is one MQTT connection. Its context ends with the connection:
// what it has not acknowledged by then, the broker delivers again.
type session struct {
	c          *Client
	ctx        context.Context
	cl         paho.Client
	stateTopic string
	closing    atomic.Bool // the offline STATE is on its way: no more rebirths
	acks       chan *job   // every message, in arrival order
	work       chan *job   // messages with samples to store
	publish    chan sparkplug.Message
}

// session connects once and serves the connection until it drops or ctx
// ends. connected says whether the broker accepted the connection.
func (c *Client) session(parent context.Context) (connected bool, err error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	s := &session{
		c:          c,
		ctx:        ctx,
		stateTopic: sparkplug.StateTopic(c.cfg.HostID),
		acks:       make(chan *job, queueLen),
		work:       make(chan *job, queueLen),
		publish:    make(chan sparkplug.Message, 64),
	}
	c.hostMu.Lock()
	will, birth := c.host.Connect(c.now())
	c.hostMu.Unlock()
	lost := make(chan error, 1)
	opts := paho.NewClientOptions().
		AddBroker(c.cfg.URL).
		SetClientID(c.cfg.ClientID).
		SetUsername(c.cfg.Username).
		SetPassword(c.cfg.Password).
		// A persistent session: the broker keeps the subscriptions and the
		// unacknowledged QoS 1 messages while Forkline is away.
		SetCleanSession(false).
		// Reconnecting is Run's job, so that every CONNECT carries a will
		// with its own timestamp (tck-id-host-topic-phid-death-payload-timestamp-connect).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(10*time.Second).
		SetKeepAlive(30*time.Second).
		SetWriteTimeout(10*time.Second).
		SetOrderMatters(true).
		SetAutoAckDisabled(true).
		SetBinaryWill(will.Topic, will.Payload, will.QoS, will.Retain).
		// Messages of the stored session may arrive before SUBSCRIBE
		// returns: the default handler takes every message.
		SetDefaultPublishHandler(s.receive).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			select {
			case lost <- err:
			default:
			}
		})
	s.cl = paho.NewClient(opts)

	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // runs before wg.Wait: stops the goroutines
	for range ingestWorkers {
		wg.Go(s.ingestLoop)
	}
	wg.Go(s.ackLoop)
	wg.Go(s.publishLoop)

	if err := waitToken(ctx, s.cl.Connect()); err != nil {
		s.cl.Disconnect(0)
		return false, fmt.Errorf("connect to %s: %w", c.cfg.URL, err)
	}
	defer s.cl.Disconnect(0)
	c.connected.Store(true)
	defer c.connected.Store(false)
	c.connects.Add(1)

	sub := s.cl.SubscribeMultiple(subscriptions, nil)
	if err := waitToken(ctx, sub); err != nil {
		return true, fmt.Errorf("subscribe: %w", err)
	}
	for topic, qos := range sub.(*paho.SubscribeToken).Result() {
		if qos > 2 {
			return true, fmt.Errorf("subscribe: the broker refused %s", topic)
		}
	}
	// The host's birth certificate: retained, QoS 1, with the will's
	// timestamp (tck-id-host-topic-phid-birth-*).
	if err := waitToken(ctx, s.cl.Publish(birth.Topic, birth.QoS, birth.Retain, birth.Payload)); err != nil {
		return true, fmt.Errorf("publish online STATE: %w", err)
	}
	c.published.Add(1)
	c.logger.Info("mqtt connected", "url", c.cfg.URL, "client_id", c.cfg.ClientID, "host_id", c.cfg.HostID)

	select {
	case err := <-lost:
		return true, fmt.Errorf("connection lost: %w", err)
	case <-ctx.Done():
	}
	// A clean disconnect: the death certificate first, with the time of
	// the disconnect (tck-id-host-topic-phid-death-payload-timestamp-disconnect-clean).
	s.closing.Store(true)
	tok := s.cl.Publish(s.stateTopic, 1, true, sparkplug.StatePayload(false, c.now()))
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		c.logger.Warn("mqtt offline STATE not confirmed", "err", tok.Error())
	} else {
		c.published.Add(1)
	}
	s.cl.Disconnect(250)
	return true, nil
}

// receive takes the messages in the order the broker delivers them. It
// decodes them, passing Sparkplug messages through the host, and queues them
// for storing and acknowledgement. It must not block for long: paho reads
// no further packets meanwhile.
func (s *session) receive(_ paho.Client, m paho.Message) {
	c := s.c
	c.received.Add(1)
	topic := m.Topic()
	var samples []monitoring.Sample
	switch {
	case strings.HasPrefix(topic, sparkplug.Namespace+"/"):
		// The host also answers an offline STATE on its own topic with
		// its birth again (tck-id-message-flow-hid-sparkplug-state-message-delivered).
		c.hostMu.Lock()
		res, err := c.host.Handle(topic, m.Payload(), c.now())
		c.hostMu.Unlock()
		if err != nil {
			c.rejected.Add(1)
			c.logger.Warn("sparkplug message not used", "topic", topic, "err", err)
		}
		samples = res.Samples
		if !s.closing.Load() {
			for _, p := range res.Publish {
				s.queuePublish(p)
			}
		}
	case strings.HasPrefix(topic, JSONPrefix):
		var err error
		if samples, err = DecodeJSON(topic, m.Payload(), c.now()); err != nil {
			c.rejected.Add(1)
			c.logger.Warn("machine-data message not used", "topic", topic, "err", err)
		}
	}
	j := &job{msg: m, samples: samples, done: make(chan struct{})}
	if len(samples) == 0 {
		close(j.done)
	} else if sub, ok := c.sink.(submitter); ok {
		// Queued here, in arrival order: the messages in flight join one
		// transaction and an edge node's readings are booked in the order
		// it sent them, whichever worker waits for them.
		j.wait = sub.Submit(s.ctx, samples)
	}
	if !s.enqueue(s.acks, j) {
		return
	}
	if len(samples) > 0 {
		s.enqueue(s.work, j)
	}
}

// enqueue waits for room in a full queue, unless the session ends. paho
// reports a lost connection only after this handler returns, so it also
// gives up when the connection is no longer open: the message stays
// unacknowledged and comes again in the next session.
func (s *session) enqueue(q chan<- *job, j *job) bool {
	select {
	case q <- j:
		return true
	default:
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case q <- j:
			return true
		case <-s.ctx.Done():
			return false
		case <-tick.C:
			if !s.cl.IsConnectionOpen() {
				return false
			}
		}
	}
}

func (s *session) queuePublish(m sparkplug.Message) {
	select {
	case s.publish <- m:
	default:
		// A rebirth request that is lost here is asked again at the next gap.
		s.c.logger.Warn("mqtt publish queue full, message dropped", "topic", m.Topic)
	}
}

// publishLoop publishes the host's messages outside the ordered handler,
// which must not wait for the broker.
func (s *session) publishLoop() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case m := <-s.publish:
			if err := waitToken(s.ctx, s.cl.Publish(m.Topic, m.QoS, m.Retain, m.Payload)); err != nil {
				if s.ctx.Err() == nil {
					s.c.logger.Warn("mqtt publish", "topic", m.Topic, "err", err)
				}
				continue
			}
			s.c.published.Add(1)
		}
	}
}

// ingestLoop stores samples. Several run at once, so that the pipeline
// behind the sink commits their samples together.
func (s *session) ingestLoop() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case j := <-s.work:
			if j.wait != nil && j.wait() == nil {
				s.c.samples.Add(int64(len(j.samples)))
			} else if !s.ingest(j.samples) {
				return
			}
			close(j.done)
		}
	}
}

// ingest calls the sink until it stores the samples or the session ends.
// The pipeline behind the sink retries database errors itself, so a failure
// here is rare; retrying is still safer than acknowledging or dropping.
func (s *session) ingest(samples []monitoring.Sample) bool {
	wait := 100 * time.Millisecond
	for {
		err := s.c.sink.Ingest(s.ctx, samples)
		if err == nil {
			s.c.samples.Add(int64(len(samples)))
			return true
		}
		if s.ctx.Err() != nil {
			return false
		}
		s.c.retries.Add(1)
		s.c.logger.Warn("ingest machine data, retrying", "err", err, "retry_in", wait)
		select {
		case <-s.ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// ackLoop acknowledges messages in the order they arrived (MQTT 3.1.1,
// 4.6), each once its samples are stored.
func (s *session) ackLoop() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case j := <-s.acks:
			select {
			case <-s.ctx.Done():
				return
			case <-j.done:
				j.msg.Ack()
				s.c.acked.Add(1)
			}
		}
	}
}

// waitToken waits for a paho operation or the end of ctx.
func waitToken(ctx context.Context, tok paho.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return errors.Join(ctx.Err(), errors.New("mqtt operation abandoned"))
	}
}
