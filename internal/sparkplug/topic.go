package sparkplug

import (
	"strings"
	"unicode/utf8"

	"github.com/forkline/forkline"
)

// Namespace is the first topic level of every Sparkplug B message
// (tck-id-topic-structure-namespace-a).
const Namespace = "spBv1.0"

// MessageType is the third level of a Sparkplug topic: what the message is.
type MessageType string

// The message types of Sparkplug 3.0.
const (
	NBirth MessageType = "NBIRTH" // an edge node's birth certificate
	NDeath MessageType = "NDEATH" // an edge node's death certificate (its MQTT will)
	DBirth MessageType = "DBIRTH" // a device's birth certificate
	DDeath MessageType = "DDEATH" // a device's death certificate
	NData  MessageType = "NDATA"  // changed metrics of an edge node
	DData  MessageType = "DDATA"  // changed metrics of a device
	NCmd   MessageType = "NCMD"   // a command to an edge node
	DCmd   MessageType = "DCMD"   // a command to a device
	State  MessageType = "STATE"  // a host application's birth or death certificate (JSON)
)

// device reports whether messages of type t name a device in their topic.
func (t MessageType) device() bool {
	return t == DBirth || t == DDeath || t == DData || t == DCmd
}

func (t MessageType) known() bool {
	switch t {
	case NBirth, NDeath, DBirth, DDeath, NData, DData, NCmd, DCmd, State:
		return true
	}
	return false
}

// Topic is a parsed Sparkplug topic:
// spBv1.0/<group>/<type>/<edge node>[/<device>], or spBv1.0/STATE/<host>.
type Topic struct {
	Type     MessageType
	Group    string // empty for STATE
	EdgeNode string // empty for STATE
	Device   string // only with DBIRTH, DDEATH, DDATA and DCMD
	HostID   string // only with STATE
}

// String returns the topic as it is published.
func (t Topic) String() string {
	if t.Type == State {
		return Namespace + "/" + string(State) + "/" + t.HostID
	}
	s := Namespace + "/" + t.Group + "/" + string(t.Type) + "/" + t.EdgeNode
	if t.Device != "" {
		s += "/" + t.Device
	}
	return s
}

// ParseTopic parses a Sparkplug B topic. It returns an Invalid error when the
// topic is not of the shapes tck-id-topic-structure names: another
// namespace, an unknown message type, a device id with a node message or none
// with a device message, or an id that is empty, not UTF-8, or holds one of
// the reserved characters + / # (tck-id-topic-structure-namespace-valid-*).
func ParseTopic(topic string) (Topic, error) {
	parts := strings.Split(topic, "/")
	if parts[0] != Namespace {
		return Topic{}, forkline.Errorf(forkline.Invalid, "sparkplug topic %q: the namespace must be %s", topic, Namespace)
	}
	if len(parts) >= 2 && parts[1] == string(State) {
		if len(parts) != 3 {
			return Topic{}, forkline.Errorf(forkline.Invalid, "sparkplug topic %q: a STATE topic must be %s/STATE/<host id>", topic, Namespace)
		}
		if err := validID("host id", parts[2]); err != nil {
			return Topic{}, topicError(topic, err)
		}
		return Topic{Type: State, HostID: parts[2]}, nil
	}
	if len(parts) < 4 || len(parts) > 5 {
		return Topic{}, forkline.Errorf(forkline.Invalid, "sparkplug topic %q: want %s/<group>/<message type>/<edge node>[/<device>]", topic, Namespace)
	}
	t := Topic{Group: parts[1], Type: MessageType(parts[2]), EdgeNode: parts[3]}
	if !t.Type.known() || t.Type == State {
		return Topic{}, forkline.Errorf(forkline.Invalid, "sparkplug topic %q: unknown message type %q", topic, parts[2])
	}
	if err := validID("group id", t.Group); err != nil {
		return Topic{}, topicError(topic, err)
	}
	if err := validID("edge node id", t.EdgeNode); err != nil {
		return Topic{}, topicError(topic, err)
	}
	switch {
	case t.Type.device() && len(parts) != 5:
		return Topic{}, forkline.Errorf(forkline.Invalid, "sparkplug topic %q: %s topics must name a device", topic, t.Type)
	case !t.Type.device() && len(parts) != 4:
		return Topic{}, forkline.Errorf(forkline.Invalid, "sparkplug topic %q: %s topics must not name a device", topic, t.Type)
	}
	if len(parts) == 5 {
		t.Device = parts[4]
		if err := validID("device id", t.Device); err != nil {
			return Topic{}, topicError(topic, err)
		}
	}
	return t, nil
}

func topicError(topic string, err error) error {
	return forkline.Errorf(forkline.Invalid, "sparkplug topic %q: %s", topic, forkline.ErrorMessage(err))
}

// ValidateID checks a group, edge node, device or host id: a non-empty UTF-8
// string without + / or #. It returns an Invalid error otherwise.
func ValidateID(id string) error { return validID("id", id) }

func validID(what, id string) error {
	switch {
	case id == "":
		return forkline.Errorf(forkline.Invalid, "the %s is empty", what)
	case !utf8.ValidString(id):
		return forkline.Errorf(forkline.Invalid, "the %s is not UTF-8", what)
	case strings.ContainsAny(id, "+/#"):
		return forkline.Errorf(forkline.Invalid, "the %s %q holds a reserved character (+ / #)", what, id)
	}
	return nil
}
