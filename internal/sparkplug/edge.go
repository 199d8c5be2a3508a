package sparkplug

import (
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
)

// Edge is the session logic of a Sparkplug edge node, for the simulator and
// for tests: it numbers the messages of the node (seq, bdSeq), declares
// aliases in births and uses them in data. Each method returns the topic and
// payload to publish; births and data go out with QoS 0, not retained
// (tck-id-topics-nbirth-mqtt, tck-id-topics-ndata-mqtt), and the NDEATH is
// the MQTT Will, QoS 1, not retained
// (tck-id-payloads-ndeath-will-message-qos, -retain).
//
// An Edge is not safe for concurrent use.
type Edge struct {
	group, node string
	bdSeq       uint64
	connected   bool // Connect was called at least once
	born        bool // NBirth was called in this MQTT session
	seq         uint64
	nextAlias   uint64
	self        edgeBirth
	devices     map[string]edgeBirth
}

// edgeBirth is what an edge node declared in one birth: the alias and data
// type of each metric name.
type edgeBirth struct {
	aliases map[string]uint64
	types   map[string]DataType
}

// NewEdge returns an edge node with the group and edge node ids.
func NewEdge(group, node string) *Edge {
	return &Edge{group: group, node: node}
}

// Connect starts a new MQTT session: the bdSeq goes up by one, from 0 at
// the first session and back to 0 after 255
// (tck-id-topics-nbirth-bdseq-increment,
// tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq).
// It returns the NDEATH to register as the Will of the CONNECT packet.
// NBirth without a Connect before connects implicitly.
func (e *Edge) Connect() (topic string, payload []byte) {
	if e.connected {
		e.bdSeq = (e.bdSeq + 1) % 256
	}
	e.connected, e.born = true, false
	return e.NDeath()
}

// NDeath returns the NDEATH of the current session: only the bdSeq metric,
// no seq and no timestamp (tck-id-topics-ndeath-payload,
// tck-id-topics-ndeath-seq). It is the Will of the CONNECT packet, and what
// the node publishes before it disconnects on purpose.
func (e *Edge) NDeath() (topic string, payload []byte) {
	b, err := Encode(Payload{Metrics: []Metric{e.bdSeqMetric(time.Time{})}})
	if err != nil {
		panic(err) // a whole number below 256 always encodes
	}
	return e.topic(NDeath, ""), b
}

func (e *Edge) bdSeqMetric(t time.Time) Metric {
	return Metric{Name: BdSeqMetric, Time: t, DataType: TypeInt64, Value: monitoring.NumberValue(float64(e.bdSeq))}
}

// NBirth returns the node's birth certificate at t: seq 0, the bdSeq of the
// session, Node Control/Rebirth false without an alias, and the metrics,
// each with a name, a new alias, its data type and value
// (tck-id-topics-nbirth-*, tck-id-operational-behavior-data-commands-rebirth-*).
// A metric without a time gets t. Another NBirth in the same session answers a
// rebirth request: it keeps the bdSeq
// (tck-id-operational-behavior-data-commands-rebirth-action-3) and forgets
// the devices, which must be born again.
func (e *Edge) NBirth(metrics []Metric, t time.Time) (topic string, payload []byte, err error) {
	if !e.connected {
		e.Connect()
	}
	e.nextAlias = 0
	e.devices = make(map[string]edgeBirth)
	b, ms := e.declare(metrics, t)
	ms = append([]Metric{
		e.bdSeqMetric(t),
		{Name: RebirthMetric, Time: t, DataType: TypeBoolean, Value: monitoring.BoolValue(false)},
	}, ms...)
	payload, err = Encode(Payload{Timestamp: t, Seq: 0, HasSeq: true, Metrics: ms})
	if err != nil {
		return "", nil, err
	}
	e.self, e.born, e.seq = b, true, 0
	return e.topic(NBirth, ""), payload, nil
}

// DBirth returns a device's birth certificate at t, with the next seq and
// the device's metrics, each with a name, an alias unique in the node, its
// data type and value.
func (e *Edge) DBirth(device string, metrics []Metric, t time.Time) (topic string, payload []byte, err error) {
	if err := e.check(device); err != nil {
		return "", nil, err
	}
	b, ms := e.declare(metrics, t)
	payload, err = Encode(Payload{Timestamp: t, Seq: e.nextSeq(), HasSeq: true, Metrics: ms})
	if err != nil {
		return "", nil, err
	}
	e.devices[device] = b
	e.seq = e.nextSeq()
	return e.topic(DBirth, device), payload, nil
}

// NData returns the node's changed metrics at t, by alias only and without
// data type (tck-id-payloads-alias-data-cmd-requirement,
// tck-id-payloads-metric-datatype-not-req). A metric's Name says which it
// is; its DataType is the birth's. It returns an Invalid error for a metric
// the NBIRTH did not declare.
func (e *Edge) NData(metrics []Metric, t time.Time) (topic string, payload []byte, err error) {
	if err := e.check(""); err != nil {
		return "", nil, err
	}
	return e.data(NData, "", e.self, metrics, t)
}

// DData returns a device's changed metrics at t, as NData does.
func (e *Edge) DData(device string, metrics []Metric, t time.Time) (topic string, payload []byte, err error) {
	if err := e.check(device); err != nil {
		return "", nil, err
	}
	b, ok := e.devices[device]
	if !ok {
		return "", nil, forkline.Errorf(forkline.Invalid, "sparkplug device %q has no DBIRTH", device)
	}
	return e.data(DData, device, b, metrics, t)
}

// DDeath returns a device's death certificate at t, with the next seq
// (tck-id-topics-ddeath-seq-num). The device must be born again before
// its next data.
func (e *Edge) DDeath(device string, t time.Time) (topic string, payload []byte, err error) {
	if err := e.check(device); err != nil {
		return "", nil, err
	}
	if _, ok := e.devices[device]; !ok {
		return "", nil, forkline.Errorf(forkline.Invalid, "sparkplug device %q has no DBIRTH", device)
	}
	payload, err = Encode(Payload{Timestamp: t, Seq: e.nextSeq(), HasSeq: true})
	if err != nil {
		return "", nil, err
	}
	delete(e.devices, device)
	e.seq = e.nextSeq()
	return e.topic(DDeath, device), payload, nil
}

func (e *Edge) check(device string) error {
	if !e.born {
		return forkline.Errorf(forkline.Invalid, "sparkplug edge node %s/%s has no NBIRTH in this session", e.group, e.node)
	}
	if device != "" {
		return ValidateID(device)
	}
	return nil
}

// declare gives each birth metric an alias and its time.
func (e *Edge) declare(metrics []Metric, t time.Time) (edgeBirth, []Metric) {
	b := edgeBirth{aliases: make(map[string]uint64), types: make(map[string]DataType)}
	ms := make([]Metric, len(metrics))
	for i, m := range metrics {
		e.nextAlias++
		m.Alias, m.HasAlias = e.nextAlias, true
		if m.Time.IsZero() {
			m.Time = t
		}
		b.aliases[m.Name] = m.Alias
		b.types[m.Name] = m.DataType
		ms[i] = m
	}
	return b, ms
}

func (e *Edge) data(typ MessageType, device string, b edgeBirth, metrics []Metric, t time.Time) (string, []byte, error) {
	ms := make([]Metric, len(metrics))
	for i, m := range metrics {
		alias, ok := b.aliases[m.Name]
		if !ok {
			return "", nil, forkline.Errorf(forkline.Invalid, "sparkplug metric %q was not in the birth", m.Name)
		}
		m.DataType = b.types[m.Name]
		m.Name, m.Alias, m.HasAlias = "", alias, true
		if m.Time.IsZero() {
			m.Time = t
		}
		ms[i] = m
	}
	payload, err := encode(Payload{Timestamp: t, Seq: e.nextSeq(), HasSeq: true, Metrics: ms}, false)
	if err != nil {
		return "", nil, err
	}
	e.seq = e.nextSeq()
	return e.topic(typ, device), payload, nil
}

func (e *Edge) nextSeq() uint64 { return (e.seq + 1) % 256 }

func (e *Edge) topic(typ MessageType, device string) string {
	return Topic{Type: typ, Group: e.group, EdgeNode: e.node, Device: device}.String()
}
