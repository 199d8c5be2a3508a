package opcua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	gopcua "github.com/gopcua/opcua"
	"github.com/gopcua/opcua/ua"
)

// The backoff between reconnects and between retries of a failed Ingest.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// keepAlive is how often the server is asked to show it is alive when no
// value changes; closeTimeout bounds closing a connection.
const (
	keepAlive    = 10 * time.Second
	closeTimeout = 5 * time.Second
)

// firstValueWait is how long a new subscription may take to deliver the
// first values before the connection is started over.
const firstValueWait = 10 * time.Second

// Stats counts what a Client did since it was made.
type Stats struct {
	Connected     bool   // a subscription is live now
	Notifications uint64 // data-change notifications received, one per node value
	Ingested      uint64 // samples the sink took
	Errors        uint64 // failed connects, lost connections, rejected nodes and failed Ingest calls
	Reconnects    uint64 // connections made after the first
}

// Client keeps a subscription to one OPC UA server and hands its
// notifications to a sink. Make one with New.
type Client struct {
	cfg     Config
	nodes   []*ua.NodeID
	sink    monitoring.Sink
	logger  *slog.Logger
	now     func() time.Time
	running sync.Mutex

	connected     atomic.Bool
	connections   atomic.Uint64
	notifications atomic.Uint64
	ingested      atomic.Uint64
	errs          atomic.Uint64
}

// New returns a client for the connection cfg describes. It returns an
// Invalid *forkline.Error when cfg is not valid. A nil logger discards.
func New(cfg Config, sink monitoring.Sink, logger *slog.Logger) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		cfg:    cfg,
		sink:   sink,
		logger: logger.With("connection", cfg.Name, "endpoint", cfg.Endpoint),
		now:    time.Now,
	}
	for _, n := range cfg.Nodes {
		id, err := ua.ParseNodeID(n)
		if err != nil { // Validate parsed it already
			return nil, fmt.Errorf("parse node id %q: %w", n, err)
		}
		c.nodes = append(c.nodes, id)
	}
	return c, nil
}

// Run is New followed by (*Client).Run.
func Run(ctx context.Context, cfg Config, sink monitoring.Sink, logger *slog.Logger) error {
	c, err := New(cfg, sink, logger)
	if err != nil {
		return err
	}
	return c.Run(ctx)
}

// Run connects, subscribes and hands samples to the sink until ctx ends,
// reconnecting whenever the connection is lost (see the package doc). It
// returns nil once ctx is done, and a Conflict error if the client is
// running already.
func (c *Client) Run(ctx context.Context) error {
	if !c.running.TryLock() {
		return forkline.Errorf(forkline.Conflict, "The OPC UA connection %s is running already.", c.cfg.Name)
	}
	defer c.running.Unlock()

	delay := minBackoff
	for ctx.Err() == nil {
		connected, err := c.session(ctx)
		if ctx.Err() != nil {
			break
		}
		c.errs.Add(1)
		if connected {
			delay = minBackoff
		}
		c.logger.Warn("opc ua connection lost", "err", err, "retry_in", delay)
		if !sleep(ctx, delay) {
			break
		}
		delay = min(2*delay, maxBackoff)
	}
	c.logger.Info("opc ua connection stopped")
	return nil
}

// Stats returns the counts so far. It is safe to call while Run runs.
func (c *Client) Stats() Stats {
	n := c.connections.Load()
	return Stats{
		Connected:     c.connected.Load(),
		Notifications: c.notifications.Load(),
		Ingested:      c.ingested.Load(),
		Errors:        c.errs.Load(),
		Reconnects:    max(n, 1) - 1,
	}
}

// errLost says the server closed the connection or dropped the subscription.
var errLost = errors.New("connection lost")

// session runs one connection: connect, subscribe, deliver until the
// connection is lost or ctx ends. connected reports whether the
// subscription was made.
func (c *Client) session(ctx context.Context) (connected bool, err error) {
	states := make(chan gopcua.ConnState, 16) // a client makes a handful of state changes; never block it
	opts, err := c.options(ctx)
	if err != nil {
		return false, err
	}
	opts = append(opts, gopcua.AutoReconnect(false), gopcua.StateChangedCh(states))
	cl, err := gopcua.NewClient(c.cfg.Endpoint, opts...)
	if err != nil {
		return false, fmt.Errorf("client: %w", err)
	}
	if err := cl.Connect(ctx); err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		cl.Close(cctx)
	}()

	notifs := make(chan *gopcua.PublishNotificationData, 4)
	interval := c.cfg.interval()
	keepAliveCount := max(uint32(keepAlive/interval), 1)
	sub, err := cl.Subscribe(ctx, &gopcua.SubscriptionParameters{
		Interval:          interval,
		MaxKeepAliveCount: keepAliveCount,
		// The server keeps the subscription for an hour without publish
		// requests, which stop while a batch waits for the sink.
		LifetimeCount: max(uint32(time.Hour/interval), 3*keepAliveCount),
	}, notifs)
	if err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	items := make([]*ua.MonitoredItemCreateRequest, len(c.nodes))
	for i, id := range c.nodes {
		// The client handle is the node's index in cfg.Nodes.
		items[i] = gopcua.NewMonitoredItemCreateRequestWithDefaults(id, ua.AttributeIDValue, uint32(i))
	}
	res, err := sub.Monitor(ctx, ua.TimestampsToReturnBoth, items...)
	if err != nil {
		return false, fmt.Errorf("monitor: %w", err)
	}
	accepted := 0
	for i, r := range res.Results {
		if i < len(c.cfg.Nodes) && r.StatusCode != ua.StatusOK {
			c.errs.Add(1)
			c.logger.Error("opc ua node rejected", "node", c.cfg.Nodes[i], "status", r.StatusCode.Error())
			continue
		}
		accepted++
	}
	// Every monitored item reports its current value first (OPC UA Part 4,
	// 5.12.1.2). When none arrives, the client's publish loop never
	// started (gopcua v0.8.0 can lose the resume signal of its first
	// subscription): start over rather than wait forever.
	var first <-chan time.Time
	if accepted > 0 {
		t := time.NewTimer(max(firstValueWait, 3*interval))
		defer t.Stop()
		first = t.C
	}

	if c.connections.Add(1) > 1 {
		c.logger.Info("opc ua connection restored")
	} else {
		c.logger.Info("opc ua connected")
	}
	c.connected.Store(true)
	defer c.connected.Store(false)

	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case s := <-states:
			if s == gopcua.Disconnected || s == gopcua.Closed {
				return true, errLost
			}
		case <-first:
			return true, errors.New("no value arrived after subscribing")
		case n := <-notifs:
			first = nil
			if n.Error != nil {
				return true, fmt.Errorf("publish: %w", n.Error)
			}
			switch v := n.Value.(type) {
			case *ua.DataChangeNotification:
				if err := c.deliver(ctx, c.samples(v)); err != nil {
					return true, err
				}
			case *ua.StatusChangeNotification:
				// The server ended the subscription (e.g. its lifetime ran out).
				return true, fmt.Errorf("subscription status %s: %w", v.Status.Error(), errLost)
			}
		}
	}
}

// options returns the security and identity options for the endpoint the
// configuration asks for.
func (c *Client) options(ctx context.Context) ([]gopcua.Option, error) {
	endpoints, err := gopcua.GetEndpoints(ctx, c.cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("get endpoints: %w", err)
	}
	opts := []gopcua.Option{
		gopcua.ApplicationName("Forkline"),
		gopcua.SessionName("forkline " + c.cfg.Name),
	}
	policy, mode := c.cfg.security()
	ep, err := gopcua.SelectEndpoint(endpoints, policy, ua.MessageSecurityModeFromString(mode))
	if err != nil {
		// A server reached through NAT or a proxy may list no endpoint for
		// the URL used. Without security nor user, nothing from the list is
		// needed: the session picks the anonymous policy itself.
		if policy == "None" && c.cfg.Username == "" {
			return append(opts, gopcua.SecurityPolicy("None"), gopcua.SecurityMode(ua.MessageSecurityModeNone)), nil
		}
		return nil, fmt.Errorf("select endpoint: %w", err)
	}
	if c.cfg.CertFile != "" {
		opts = append(opts, gopcua.CertificateFile(c.cfg.CertFile), gopcua.PrivateKeyFile(c.cfg.KeyFile))
	}
	auth := ua.UserTokenTypeAnonymous
	if c.cfg.Username != "" {
		auth = ua.UserTokenTypeUserName
		opts = append(opts, gopcua.AuthUsername(c.cfg.Username, c.cfg.Password))
	} else {
		opts = append(opts, gopcua.AuthAnonymous())
	}
	return append(opts, gopcua.SecurityFromEndpoint(ep, auth)), nil
}

// samples turns the notifications of one publish response into samples,
// in the order the server sent them.
func (c *Client) samples(dc *ua.DataChangeNotification) []monitoring.Sample {
	now := c.now()
	out := make([]monitoring.Sample, 0, len(dc.MonitoredItems))
	for _, it := range dc.MonitoredItems {
		if it == nil || int(it.ClientHandle) >= len(c.cfg.Nodes) {
			continue
		}
		addr := "opcua/" + c.cfg.Name + "/" + c.cfg.Nodes[it.ClientHandle]
		out = append(out, SampleOf(addr, it.Value, now))
	}
	c.notifications.Add(uint64(len(out)))
	return out
}

// deliver hands samples to the sink, offering the same samples again with a
// backoff until the sink takes them or ctx ends.
func (c *Client) deliver(ctx context.Context, samples []monitoring.Sample) error {
	if len(samples) == 0 {
		return nil
	}
	delay := minBackoff
	for attempt := 1; ; attempt++ {
		err := c.sink.Ingest(ctx, samples)
		if err == nil {
			c.ingested.Add(uint64(len(samples)))
			if attempt > 1 {
				c.logger.Info("opc ua samples ingested after retrying", "samples", len(samples), "attempts", attempt)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.errs.Add(1)
		c.logger.Warn("opc ua ingest failed", "err", err, "samples", len(samples), "attempt", attempt, "retry_in", delay)
		if !sleep(ctx, delay) {
			return ctx.Err()
		}
		delay = min(2*delay, maxBackoff)
	}
}

// sleep waits for d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
