package sparkplug

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
)

// The metric names the specification reserves.
const (
	// RebirthMetric is the Boolean metric every NBIRTH declares and a host
	// sets to true in an NCMD to ask for a new birth sequence.
	RebirthMetric = "Node Control/Rebirth"
	// BdSeqMetric is the birth/death sequence number an NBIRTH and its NDEATH share.
	BdSeqMetric = "bdSeq"
)

// Message is an MQTT message the caller must publish.
type Message struct {
	Topic   string
	Payload []byte
	QoS     byte
	Retain  bool
}

// Result is what Handle makes of one message: the samples to ingest and the
// messages to publish.
type Result struct {
	Samples []monitoring.Sample
	Publish []Message
}

// Stats counts what a Host has handled since NewHost.
type Stats struct {
	Messages        uint64 // every message given to Handle
	DecodeErrors    uint64 // topics and payloads that are not Sparkplug B
	InvalidBirths   uint64 // NBIRTH and DBIRTH messages that break the specification
	RebirthRequests uint64 // Node Control/Rebirth commands published
	SeqGaps         uint64 // messages whose seq was not the previous one plus 1
	Dropped         uint64 // BIRTH and DATA messages whose samples were not kept
	IgnoredDeaths   uint64 // NDEATHs of an old session or of a node not online
}

// Host is the session logic of a Sparkplug host application: it follows
// the births, data and deaths of the edge nodes and their devices and turns
// them into samples. See the package documentation for the rules.
//
// A Host is not safe for concurrent use: one goroutine calls Handle, in the
// order the MQTT client receives the messages.
type Host struct {
	id        string
	connected bool
	stateTime time.Time // the timestamp of the STATE messages of this MQTT session
	nodes     map[nodeID]*node
	stats     Stats
}

type nodeID struct{ group, edge string }

// node is what the host knows of one edge node's session.
type node struct {
	online         bool
	bdSeq          uint64
	seq            uint64 // the last seq received
	rebirthPending bool   // a rebirth request was sent and no NBIRTH has come since
	self           *birth
	devices        map[string]*birth
	deviceOrder    []string // device ids in the order of their first DBIRTH
}

// birth is the metric table a BIRTH declared.
type birth struct {
	online  bool
	names   []string // in birth order
	types   map[string]DataType
	aliases map[uint64]string
}

// NewHost returns a host application with the Sparkplug host id hostID, the
// last level of its STATE topic. It must be a valid id (see ValidateID).
func NewHost(hostID string) *Host {
	return &Host{id: hostID, nodes: make(map[nodeID]*node)}
}

// Stats returns the counts so far.
func (h *Host) Stats() Stats { return h.stats }

// StateTopic returns the STATE topic of a host application:
// spBv1.0/STATE/<hostID> (tck-id-host-topic-phid-birth-topic).
func StateTopic(hostID string) string {
	return Topic{Type: State, HostID: hostID}.String()
}

// StatePayload returns the JSON payload of a host application's STATE
// message: {"online":true,"timestamp":<ms since the epoch>}
// (tck-id-host-topic-phid-birth-payload, tck-id-host-topic-phid-death-payload).
func StatePayload(online bool, t time.Time) []byte {
	return fmt.Appendf(nil, `{"online":%t,"timestamp":%d}`, online, t.UnixMilli())
}

// Connect starts an MQTT session at t. It returns the death certificate to
// register as the MQTT Will of the CONNECT packet and the birth certificate
// to publish once the client has subscribed to spBv1.0/# and its own STATE
// topic; both are QoS 1 and retained and carry the timestamp t
// (tck-id-operational-behavior-host-application-connect-will-*,
// tck-id-operational-behavior-host-application-connect-birth-*).
func (h *Host) Connect(t time.Time) (will, birth Message) {
	h.connected = true
	h.stateTime = t.UTC().Truncate(time.Millisecond)
	return h.stateMessage(false), h.stateMessage(true)
}

func (h *Host) stateMessage(online bool) Message {
	return Message{Topic: StateTopic(h.id), Payload: StatePayload(online, h.stateTime), QoS: 1, Retain: true}
}

// Handle handles one MQTT message that arrived at now. It returns an Invalid
// error when the topic or payload is not Sparkplug B or a birth breaks the
// specification; the Result then may still hold messages to publish.
func (h *Host) Handle(topic string, payload []byte, now time.Time) (Result, error) {
	h.stats.Messages++
	t, err := ParseTopic(topic)
	if err != nil {
		h.stats.DecodeErrors++
		return Result{}, err
	}
	now = now.UTC()
	switch t.Type {
	case State:
		return h.handleState(t, payload)
	case NBirth:
		return h.handleNBirth(t, payload, now)
	case DBirth:
		return h.handleDBirth(t, payload, now)
	case NData, DData:
		return h.handleData(t, payload, now)
	case NDeath:
		return h.handleNDeath(t, payload, now)
	case DDeath:
		return h.handleDDeath(t, payload, now)
	}
	return Result{}, nil // NCMD and DCMD are for edge nodes
}

// handleState answers an offline STATE of this host with its birth again
// (tck-id-message-flow-hid-sparkplug-state-message-delivered). The STATE
// messages of other hosts are none of its business.
func (h *Host) handleState(t Topic, payload []byte) (Result, error) {
	if t.HostID != h.id {
		return Result{}, nil
	}
	var s struct {
		Online    *bool  `json:"online"`
		Timestamp *int64 `json:"timestamp"`
	}
	if err := json.Unmarshal(payload, &s); err != nil || s.Online == nil || s.Timestamp == nil {
		h.stats.DecodeErrors++
		return Result{}, &forkline.Error{Code: forkline.Invalid, Msg: `The STATE payload must be JSON {"online": bool, "timestamp": ms}.`, Err: err}
	}
	if *s.Online || !h.connected {
		return Result{}, nil
	}
	return Result{Publish: []Message{h.stateMessage(true)}}, nil
}

func (h *Host) node(t Topic) *node {
	id := nodeID{t.Group, t.EdgeNode}
	n := h.nodes[id]
	if n == nil {
		n = &node{}
		h.nodes[id] = n
	}
	return n
}

func (h *Host) handleNBirth(t Topic, payload []byte, now time.Time) (Result, error) {
	p, err := decode(payload, nil)
	if err != nil {
		h.stats.DecodeErrors++
		return Result{}, err
	}
	n := h.node(t)
	// A new birth ends the old session, whether or not the new one is valid.
	n.online = false
	b, err := newBirth(p, nil)
	if err == nil {
		err = checkNBirth(p)
	}
	if err != nil {
		h.stats.InvalidBirths++
		return Result{}, forkline.Errorf(forkline.Invalid, "sparkplug %s: %s", t, forkline.ErrorMessage(err))
	}
	bd, _ := metricUint(p, BdSeqMetric)
	*n = node{
		online:  true,
		bdSeq:   bd,
		seq:     p.Seq,
		self:    b,
		devices: make(map[string]*birth),
	}
	return Result{Samples: samples(nodePrefix(t), b, p, now)}, nil
}

// checkNBirth checks the NBIRTH rules beyond those of every birth.
func checkNBirth(p Payload) error {
	if !p.HasSeq || p.Seq > 255 {
		return forkline.Errorf(forkline.Invalid, "an NBIRTH needs a seq from 0 to 255 (tck-id-payloads-nbirth-seq)")
	}
	if _, ok := metricUint(p, BdSeqMetric); !ok {
		return forkline.Errorf(forkline.Invalid, "an NBIRTH needs a %s metric with a whole number (tck-id-payloads-nbirth-bdseq)", BdSeqMetric)
	}
	for _, m := range p.Metrics {
		if m.Name == RebirthMetric {
			if m.DataType != TypeBoolean {
				return forkline.Errorf(forkline.Invalid, "the %s metric must be a Boolean (tck-id-operational-behavior-data-commands-rebirth-datatype)", RebirthMetric)
			}
			return nil
		}
	}
	return forkline.Errorf(forkline.Invalid, "an NBIRTH needs a %s metric (tck-id-payloads-nbirth-rebirth-req)", RebirthMetric)
}

// newBirth reads the metric table of a birth. Every metric needs a name and
// a data type (tck-id-payloads-alias-birth-requirement,
// tck-id-payloads-metric-datatype-req); an alias must be unique across the
// node (tck-id-payloads-alias-uniqueness): taken holds the aliases of the
// node's other births.
func newBirth(p Payload, taken func(alias uint64) bool) (*birth, error) {
	b := &birth{online: true, types: make(map[string]DataType), aliases: make(map[uint64]string)}
	for _, m := range p.Metrics {
		if m.Name == "" {
			return nil, forkline.Errorf(forkline.Invalid, "every birth metric needs a name; alias %d has none", m.Alias)
		}
		if m.DataType == TypeUnknown {
			return nil, forkline.Errorf(forkline.Invalid, "the birth metric %q needs a data type", m.Name)
		}
		if m.HasAlias {
			if _, dup := b.aliases[m.Alias]; dup || taken != nil && taken(m.Alias) {
				return nil, forkline.Errorf(forkline.Invalid, "the alias %d of %q is not unique in the edge node", m.Alias, m.Name)
			}
			b.aliases[m.Alias] = m.Name
		}
		if _, seen := b.types[m.Name]; !seen {
			b.names = append(b.names, m.Name)
		}
		b.types[m.Name] = m.DataType
	}
	return b, nil
}

// metricUint returns the value of the named metric when it is a whole,
// non-negative number.
func metricUint(p Payload, name string) (uint64, bool) {
	for _, m := range p.Metrics {
		if m.Name != name {
			continue
		}
		f := m.Value.Num
		if m.Value.Kind != monitoring.Number || f < 0 || f >= 1<<64 || f != float64(uint64(f)) {
			return 0, false
		}
		return uint64(f), true
	}
	return 0, false
}

func (h *Host) handleDBirth(t Topic, payload []byte, now time.Time) (Result, error) {
	n := h.nodes[nodeID{t.Group, t.EdgeNode}]
	if n == nil || !n.online {
		// tck-id-message-flow-device-birth-publish-nbirth-wait
		return h.untrusted(t, now)
	}
	p, err := decode(payload, nil)
	if err != nil {
		h.stats.DecodeErrors++
		return Result{}, err
	}
	if !h.inSequence(n, p) {
		return h.untrusted(t, now)
	}
	b, err := newBirth(p, func(alias uint64) bool { return n.aliasTaken(alias, t.Device) })
	if err != nil {
		h.stats.InvalidBirths++
		return Result{}, forkline.Errorf(forkline.Invalid, "sparkplug %s: %s", t, forkline.ErrorMessage(err))
	}
	if _, ok := n.devices[t.Device]; !ok {
		n.deviceOrder = append(n.deviceOrder, t.Device)
	}
	n.devices[t.Device] = b
	return Result{Samples: samples(devicePrefix(t), b, p, now)}, nil
}

// aliasTaken reports whether the node or one of its devices other than
// device declared alias.
func (n *node) aliasTaken(alias uint64, device string) bool {
	if _, ok := n.self.aliases[alias]; ok {
		return true
	}
	for id, d := range n.devices {
		if _, ok := d.aliases[alias]; ok && id != device {
			return true
		}
	}
	return false
}

func (h *Host) handleData(t Topic, payload []byte, now time.Time) (Result, error) {
	n := h.nodes[nodeID{t.Group, t.EdgeNode}]
	if n == nil || !n.online {
		return h.untrusted(t, now)
	}
	b, prefix := n.self, nodePrefix(t)
	if t.Type == DData {
		b, prefix = n.devices[t.Device], devicePrefix(t)
	}
	typeOf := func(m Metric) DataType {
		if b == nil {
			return TypeUnknown
		}
		return b.types[b.name(m)]
	}
	p, err := decode(payload, typeOf)
	if err != nil {
		h.stats.DecodeErrors++
		return Result{}, err
	}
	if !h.inSequence(n, p) || b == nil || !b.online {
		return h.untrusted(t, now)
	}
	for i, m := range p.Metrics {
		name := b.name(m)
		if _, ok := b.types[name]; !ok {
			return h.untrusted(t, now) // an unknown alias or a metric its birth did not declare
		}
		p.Metrics[i].Name = name
	}
	return Result{Samples: samples(prefix, b, p, now)}, nil
}

// name returns the birth name of a DATA metric: the alias's name when it has
// one, else its own name.
func (b *birth) name(m Metric) string {
	if m.HasAlias {
		return b.aliases[m.Alias]
	}
	return m.Name
}

// inSequence checks the seq of a message after an NBIRTH
// (tck-id-payloads-sequence-num-incrementing) and remembers it, so that the
// messages after a gap are in sequence again.
func (h *Host) inSequence(n *node, p Payload) bool {
	ok := p.HasSeq && p.Seq == (n.seq+1)%256
	if p.HasSeq {
		n.seq = p.Seq
	}
	if !ok {
		h.stats.SeqGaps++
	}
	return ok
}

// untrusted drops a message the host cannot read in its session and asks
// the node for a rebirth, unless it asked already since the last NBIRTH.
func (h *Host) untrusted(t Topic, now time.Time) (Result, error) {
	h.stats.Dropped++
	msgs, err := h.rebirth(t, now)
	return Result{Publish: msgs}, err
}

// rebirth returns a rebirth request for the node of t
// (tck-id-operational-behavior-data-commands-ncmd-rebirth-verb, -name,
// -value): an NCMD with a timestamp and no seq (tck-id-topics-ncmd-timestamp,
// tck-id-payloads-ncmd-seq), QoS 0, not retained (tck-id-topics-ncmd-mqtt).
func (h *Host) rebirth(t Topic, now time.Time) ([]Message, error) {
	n := h.node(t)
	if n.rebirthPending {
		return nil, nil
	}
	b, err := Encode(Payload{
		Timestamp: now,
		Metrics:   []Metric{{Name: RebirthMetric, DataType: TypeBoolean, Value: monitoring.BoolValue(true)}},
	})
	if err != nil {
		return nil, err
	}
	n.rebirthPending = true
	h.stats.RebirthRequests++
	cmd := Topic{Type: NCmd, Group: t.Group, EdgeNode: t.EdgeNode}
	return []Message{{Topic: cmd.String(), Payload: b}}, nil
}

// handleNDeath ends the node's session when the NDEATH's bdSeq is the one of
// its NBIRTH (tck-id-payloads-ndeath-bdseq): the node's metrics and those of
// its devices become null at now, the host's time
// (tck-id-operational-behavior-edge-node-termination-host-action-ndeath-*).
func (h *Host) handleNDeath(t Topic, payload []byte, now time.Time) (Result, error) {
	p, err := decode(payload, nil)
	if err != nil {
		h.stats.DecodeErrors++
		return Result{}, err
	}
	n := h.nodes[nodeID{t.Group, t.EdgeNode}]
	bd, ok := metricUint(p, BdSeqMetric)
	if n == nil || !n.online || !ok || bd != n.bdSeq {
		h.stats.IgnoredDeaths++
		return Result{}, nil
	}
	n.online = false
	out := nulls(nodePrefix(t), n.self, now)
	for _, id := range n.deviceOrder {
		if d := n.devices[id]; d.online {
			d.online = false
			dt := t
			dt.Device = id
			out = append(out, nulls(devicePrefix(dt), d, now)...)
		}
	}
	return Result{Samples: out}, nil
}

// handleDDeath ends a device's session: its metrics become null at the
// DDEATH's timestamp
// (tck-id-operational-behavior-edge-node-termination-host-action-ddeath-*).
// A gap before a DDEATH asks for a rebirth but the death still counts: the
// device is gone either way, and null samples never claim a wrong value.
func (h *Host) handleDDeath(t Topic, payload []byte, now time.Time) (Result, error) {
	n := h.nodes[nodeID{t.Group, t.EdgeNode}]
	if n == nil || !n.online {
		return h.untrusted(t, now)
	}
	p, err := decode(payload, nil)
	if err != nil {
		h.stats.DecodeErrors++
		return Result{}, err
	}
	var res Result
	if !h.inSequence(n, p) {
		if res.Publish, err = h.rebirth(t, now); err != nil {
			return res, err
		}
	}
	d := n.devices[t.Device]
	if d == nil || !d.online {
		return res, nil
	}
	d.online = false
	at := p.Timestamp
	if at.IsZero() {
		at = now
	}
	res.Samples = nulls(devicePrefix(t), d, at)
	return res, nil
}

func nodePrefix(t Topic) string {
	return Namespace + "/" + t.Group + "/" + t.EdgeNode + "/"
}

func devicePrefix(t Topic) string {
	return Namespace + "/" + t.Group + "/" + t.EdgeNode + "/" + t.Device + "/"
}

// samples turns the metrics of a BIRTH or DATA message, named already, into
// samples. A metric's time is its own timestamp, else the payload's, else now.
func samples(prefix string, b *birth, p Payload, now time.Time) []monitoring.Sample {
	var out []monitoring.Sample
	for _, m := range p.Metrics {
		if m.IsTransient || !sampled(m.Name, b.types[m.Name]) {
			continue
		}
		at := m.Time
		if at.IsZero() {
			at = p.Timestamp
		}
		if at.IsZero() {
			at = now
		}
		out = append(out, monitoring.Sample{Address: prefix + m.Name, Time: at, Value: m.Value})
	}
	return out
}

// nulls returns a null sample at t for every sampled metric of a birth.
func nulls(prefix string, b *birth, t time.Time) []monitoring.Sample {
	var out []monitoring.Sample
	for _, name := range b.names {
		if sampled(name, b.types[name]) {
			out = append(out, monitoring.Sample{Address: prefix + name, Time: t, Value: monitoring.Value{Kind: monitoring.Null}})
		}
	}
	return out
}

// sampled reports whether a metric becomes samples: scalar metrics other
// than the session's own bookkeeping.
func sampled(name string, d DataType) bool {
	if name == BdSeqMetric || strings.HasPrefix(name, "Node Control/") || strings.HasPrefix(name, "Device Control/") {
		return false
	}
	return d.Scalar()
}
