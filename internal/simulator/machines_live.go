package simulator

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/forkline/forkline/internal/sparkplug"
)

// Publisher sends one MQTT message. A paho client's Publish, waited for,
// is one.
type Publisher interface {
	Publish(topic string, qos byte, retain bool, payload []byte) error
}

// PublisherFunc makes a function a Publisher.
type PublisherFunc func(topic string, qos byte, retain bool, payload []byte) error

// Publish calls f.
func (f PublisherFunc) Publish(topic string, qos byte, retain bool, payload []byte) error {
	return f(topic, qos, retain, payload)
}

// Will is the NDEATH of an edge node's MQTT session: the Will its client
// registers when it connects (QoS 1, not retained).
type Will struct {
	Node    EdgeNode
	Topic   string
	Payload []byte
}

// Live publishes the simulated machines over Sparkplug B as they run: one
// edge node per line (group: the site's code, edge node: the line's code),
// one device per equipment. Each node sends its NBIRTH and its devices'
// DBIRTHs at the start and after a rebirth request, then DDATA by exception
// on each tick: a state when it changes, counters each simulated second
// when they changed, process values every 5 simulated seconds. Timestamps
// are simulated time, which runs speed times as fast as the wall clock from
// the simulation's time at the start. Ending, it publishes each node's
// NDEATH.
//
// Set the fields before Run; Rebirth and HandleCommand may be called from
// any goroutine while it runs.
type Live struct {
	// Now and After are the wall clock; time.Now and time.After unless set.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	// Until ends the run when the simulated time reaches it; zero: the run
	// lasts until its context ends.
	Until time.Time
	// Log receives publish failures; none unless set.
	Log *slog.Logger

	sim   *Simulation
	speed float64
	nodes []*liveNode
	rep   *reporter

	mu      sync.Mutex
	rebirth map[EdgeNode]bool
}

type liveNode struct {
	id       EdgeNode
	edge     *sparkplug.Edge
	machines []*Machine
	failing  bool
}

// Live returns a live run of the simulation, from its time on, at speed
// simulated seconds per second (1: real time; 0 or less is taken as 1).
func (sim *Simulation) Live(speed float64) *Live {
	if speed <= 0 {
		speed = 1
	}
	l := &Live{sim: sim, speed: speed, Now: time.Now, After: time.After, rebirth: map[EdgeNode]bool{},
		rep: newReporter(cadence{counter: time.Second, process: 5 * time.Second})}
	for _, id := range sim.layout.EdgeNodes() {
		n := &liveNode{id: id, edge: sparkplug.NewEdge(id.Group, id.Node)}
		for _, m := range sim.machines {
			if eq := m.Equipment(); eq.Site == id.Group && eq.Line == id.Node {
				n.machines = append(n.machines, m)
			}
		}
		l.nodes = append(l.nodes, n)
	}
	return l
}

// RunLive runs the machines of layout live from now, with no history, and
// publishes them through pub until ctx ends; see Live. Use
// NewSimulation, History and Live to continue a history instead.
func RunLive(ctx context.Context, pub Publisher, layout Layout, speed float64, seed int64) error {
	return NewSimulation(layout, seed, time.Now()).Live(speed).Run(ctx, pub)
}

// Wills starts a new MQTT session of every edge node and returns their
// NDEATHs, to register as the Will of each node's MQTT connection. Call it
// before Run and before connecting, once per connection: each call moves
// the nodes' bdSeq on. Without it, Run starts the first session itself.
func (l *Live) Wills() []Will {
	out := make([]Will, 0, len(l.nodes))
	for _, n := range l.nodes {
		topic, payload := n.edge.Connect()
		out = append(out, Will{Node: n.id, Topic: topic, Payload: payload})
	}
	return out
}

// Rebirth makes the edge node send its NBIRTH and DBIRTHs again at the next
// tick: call it when the host asks (an NCMD with Node Control/Rebirth, see
// HandleCommand) and after the node's MQTT client reconnected.
func (l *Live) Rebirth(group, node string) {
	l.mu.Lock()
	l.rebirth[EdgeNode{group, node}] = true
	l.mu.Unlock()
}

// HandleCommand takes a message of a subscription to the NCMD topics of
// the edge nodes (spBv1.0/<group>/NCMD/<edge node>) and makes the node
// rebirth when it asks to. Other messages are ignored.
func (l *Live) HandleCommand(topic string, payload []byte) error {
	t, err := sparkplug.ParseTopic(topic)
	if err != nil || t.Type != sparkplug.NCmd {
		return err
	}
	p, err := sparkplug.Decode(payload)
	if err != nil {
		return err
	}
	for _, m := range p.Metrics {
		if m.Name == sparkplug.RebirthMetric && m.Value.Bool {
			l.Rebirth(t.Group, t.EdgeNode)
		}
	}
	return nil
}

// tick is the wall-clock time between two steps: one simulated second,
// but at most 20 steps a second.
func (l *Live) tick() time.Duration {
	d := time.Duration(float64(time.Second) / l.speed)
	return min(max(d, 50*time.Millisecond), time.Second)
}

// Run publishes the machines through pub until ctx ends or the simulated
// time reaches Until, then publishes each node's NDEATH. A failed publish is
// logged and the node is born again at the next tick; Run returns an error
// only when a message cannot be encoded.
//
// So that a live view shows a change soon, one running machine makes a
// micro-stop 3 simulated seconds after the start.
func (l *Live) Run(ctx context.Context, pub Publisher) error {
	sim := l.sim
	wall0, sim0 := l.Now(), sim.now
	for _, m := range sim.machines {
		m.Step(sim0)
	}
	l.earlyStop(sim0)
	for _, n := range l.nodes {
		if err := l.birth(pub, n, sim0); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			l.deaths(pub)
			return nil
		case <-l.After(l.tick()):
		}
		t := sim0.Add(time.Duration(float64(l.Now().Sub(wall0)) * l.speed))
		if !l.Until.IsZero() && t.After(l.Until) {
			t = l.Until
		}
		if t.Before(sim.now) {
			t = sim.now
		}
		l.mu.Lock()
		again := l.rebirth
		l.rebirth = map[EdgeNode]bool{}
		l.mu.Unlock()
		for _, n := range l.nodes {
			if again[n.id] {
				if err := l.birth(pub, n, t); err != nil {
					return err
				}
				continue
			}
			if err := l.data(pub, n, t); err != nil {
				return err
			}
		}
		sim.now = t
		if !l.Until.IsZero() && !t.Before(l.Until) {
			l.deaths(pub)
			return nil
		}
	}
}

// earlyStop picks the machine that makes the early micro-stop: a counting
// machine that runs, else any that is not down.
func (l *Live) earlyStop(t time.Time) {
	var pick *Machine
	for _, m := range l.sim.machines {
		st, _ := m.State()
		if st == running && m.b.cycle > 0 {
			pick = m
			break
		}
		if pick == nil && st != down {
			pick = m
		}
	}
	if pick != nil {
		pick.Interrupt(t.Add(3*time.Second), 6*time.Second)
	}
}

func (l *Live) publish(pub Publisher, n *liveNode, topic string, qos byte, payload []byte) bool {
	if err := pub.Publish(topic, qos, false, payload); err != nil {
		if !n.failing && l.Log != nil {
			l.Log.Warn("simulator: publish failed; the edge node is born again when it can publish", "topic", topic, "err", err)
		}
		n.failing = true
		l.Rebirth(n.id.Group, n.id.Node)
		return false
	}
	n.failing = false
	return true
}

func metricsOf(eq EquipmentLayout, rs []Reading, t time.Time) []sparkplug.Metric {
	out := make([]sparkplug.Metric, 0, len(rs))
	for _, r := range rs {
		m := sparkplug.Metric{Name: r.Metric, Value: r.Value, Time: t}
		for _, x := range eq.Metrics {
			if x.Name == r.Metric {
				m.DataType = x.Type
			}
		}
		out = append(out, m)
	}
	return out
}

// birth publishes a node's NBIRTH and its devices' DBIRTHs with every
// metric's value at t.
func (l *Live) birth(pub Publisher, n *liveNode, t time.Time) error {
	topic, payload, err := n.edge.NBirth(nil, t)
	if err != nil {
		return err
	}
	if !l.publish(pub, n, topic, 0, payload) {
		return nil
	}
	for _, m := range n.machines {
		eq := m.Equipment()
		rs := m.Step(t)
		l.rep.forget(eq.Code, rs)
		topic, payload, err := n.edge.DBirth(eq.Code, metricsOf(eq, l.rep.due(eq.Code, t, rs), t), t)
		if err != nil {
			return err
		}
		if !l.publish(pub, n, topic, 0, payload) {
			return nil
		}
	}
	return nil
}

// data publishes the DDATA of a node's devices whose readings are due at t.
func (l *Live) data(pub Publisher, n *liveNode, t time.Time) error {
	for _, m := range n.machines {
		eq := m.Equipment()
		due := l.rep.due(eq.Code, t, m.Step(t))
		if len(due) == 0 {
			continue
		}
		topic, payload, err := n.edge.DData(eq.Code, metricsOf(eq, due, t), t)
		if err != nil {
			return err
		}
		if !l.publish(pub, n, topic, 0, payload) {
			return nil
		}
	}
	return nil
}

// deaths publishes each node's NDEATH, as a node that disconnects on
// purpose does.
func (l *Live) deaths(pub Publisher) {
	for _, n := range l.nodes {
		topic, payload := n.edge.NDeath()
		l.publish(pub, n, topic, 1, payload)
	}
}

// Route returns a Publisher that hands each Sparkplug message to the
// publisher of its edge node: one MQTT client per node, each with its own
// Will. A message of a node without one is an error.
func Route(pubs map[EdgeNode]Publisher) Publisher {
	return PublisherFunc(func(topic string, qos byte, retain bool, payload []byte) error {
		t, err := sparkplug.ParseTopic(topic)
		if err != nil {
			return err
		}
		p, ok := pubs[EdgeNode{t.Group, t.EdgeNode}]
		if !ok {
			return fmt.Errorf("simulator: no publisher for %s", topic)
		}
		return p.Publish(topic, qos, retain, payload)
	})
}
