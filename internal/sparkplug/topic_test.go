package sparkplug_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/sparkplug"
)

func TestParseTopic(t *testing.T) {
	tests := []struct {
		name  string
		topic string
		want  sparkplug.Topic
	}{
		// tck-id-topics-nbirth-topic
		{"an NBIRTH names group and edge node", "spBv1.0/Line1/NBIRTH/Filler01",
			sparkplug.Topic{Type: sparkplug.NBirth, Group: "Line1", EdgeNode: "Filler01"}},
		// tck-id-topics-ndeath-topic
		{"an NDEATH names group and edge node", "spBv1.0/Line1/NDEATH/Filler01",
			sparkplug.Topic{Type: sparkplug.NDeath, Group: "Line1", EdgeNode: "Filler01"}},
		// tck-id-topics-ndata-topic
		{"an NDATA names group and edge node", "spBv1.0/Line1/NDATA/Filler01",
			sparkplug.Topic{Type: sparkplug.NData, Group: "Line1", EdgeNode: "Filler01"}},
		// tck-id-topics-ncmd-topic
		{"an NCMD names group and edge node", "spBv1.0/Line1/NCMD/Filler01",
			sparkplug.Topic{Type: sparkplug.NCmd, Group: "Line1", EdgeNode: "Filler01"}},
		// tck-id-topics-dbirth-topic
		{"a DBIRTH names a device", "spBv1.0/Line1/DBIRTH/Filler01/Scale3",
			sparkplug.Topic{Type: sparkplug.DBirth, Group: "Line1", EdgeNode: "Filler01", Device: "Scale3"}},
		// tck-id-topics-ddata-topic
		{"a DDATA names a device", "spBv1.0/Line1/DDATA/Filler01/Scale3",
			sparkplug.Topic{Type: sparkplug.DData, Group: "Line1", EdgeNode: "Filler01", Device: "Scale3"}},
		// tck-id-topics-ddeath-topic
		{"a DDEATH names a device", "spBv1.0/Line1/DDEATH/Filler01/Scale3",
			sparkplug.Topic{Type: sparkplug.DDeath, Group: "Line1", EdgeNode: "Filler01", Device: "Scale3"}},
		// tck-id-topics-dcmd-topic
		{"a DCMD names a device", "spBv1.0/Line1/DCMD/Filler01/Scale3",
			sparkplug.Topic{Type: sparkplug.DCmd, Group: "Line1", EdgeNode: "Filler01", Device: "Scale3"}},
		// tck-id-host-topic-phid-birth-topic
		{"a STATE names a host", "spBv1.0/STATE/forkline-1",
			sparkplug.Topic{Type: sparkplug.State, HostID: "forkline-1"}},
		// tck-id-intro-group-id-string: any UTF-8 but + / #
		{"ids may be any UTF-8 text", "spBv1.0/Käserei Süd/NDATA/Presse 2",
			sparkplug.Topic{Type: sparkplug.NData, Group: "Käserei Süd", EdgeNode: "Presse 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sparkplug.ParseTopic(tt.topic)
			if err != nil {
				t.Fatalf("ParseTopic(%q) error %v", tt.topic, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseTopic(%q) (-want +got):\n%s", tt.topic, diff)
			}
			if s := got.String(); s != tt.topic {
				t.Errorf("ParseTopic(%q).String() = %q, want the topic", tt.topic, s)
			}
		})
	}
}

func TestParseTopicRejects(t *testing.T) {
	tests := []struct {
		name, topic, msg string
	}{
		// tck-id-topic-structure-namespace-a
		{"another namespace", "spAv1.0/Line1/NDATA/Filler01", "namespace must be spBv1.0"},
		{"a Sparkplug 2.2 STATE topic", "STATE/forkline-1", "namespace must be spBv1.0"},
		{"an empty topic", "", "namespace must be spBv1.0"},
		// tck-id-topic-structure
		{"too few levels", "spBv1.0/Line1/NDATA", "want spBv1.0/<group>/<message type>"},
		{"too many levels", "spBv1.0/Line1/DDATA/Filler01/Scale3/x", "want spBv1.0/<group>/<message type>"},
		{"an unknown message type", "spBv1.0/Line1/NFOO/Filler01", `unknown message type "NFOO"`},
		{"a lower-case message type", "spBv1.0/Line1/ndata/Filler01", `unknown message type "ndata"`},
		// tck-id-topic-structure-namespace-device-id-associated-message-types
		{"a DDATA without device", "spBv1.0/Line1/DDATA/Filler01", "DDATA topics must name a device"},
		{"a DBIRTH without device", "spBv1.0/Line1/DBIRTH/Filler01", "DBIRTH topics must name a device"},
		// tck-id-topic-structure-namespace-device-id-non-associated-message-types
		{"an NDATA with a device", "spBv1.0/Line1/NDATA/Filler01/Scale3", "NDATA topics must not name a device"},
		{"an NBIRTH with a device", "spBv1.0/Line1/NBIRTH/Filler01/Scale3", "must not name a device"},
		{"a STATE with a group", "spBv1.0/STATE/forkline/1", "a STATE topic must be spBv1.0/STATE/<host id>"},
		// tck-id-topic-structure-namespace-valid-group-id, -edge-node-id, -device-id
		{"a group with +", "spBv1.0/Line+1/NDATA/Filler01", "the group id \"Line+1\" holds a reserved character"},
		{"an edge node with #", "spBv1.0/Line1/NDATA/Filler#1", "the edge node id \"Filler#1\" holds a reserved character"},
		{"a device with +", "spBv1.0/Line1/DDATA/Filler01/+", "the device id \"+\" holds a reserved character"},
		{"a host with #", "spBv1.0/STATE/#", "the host id \"#\" holds a reserved character"},
		{"an empty group", "spBv1.0//NDATA/Filler01", "the group id is empty"},
		{"an empty edge node", "spBv1.0/Line1/NDATA/", "the edge node id is empty"},
		{"an empty device", "spBv1.0/Line1/DDATA/Filler01/", "the device id is empty"},
		{"an id that is not UTF-8", "spBv1.0/Line1/NDATA/\xff", "the edge node id is not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sparkplug.ParseTopic(tt.topic)
			if err == nil {
				t.Fatalf("ParseTopic(%q) = %+v, want an error", tt.topic, got)
			}
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Errorf("ParseTopic(%q) error code = %s, want %s", tt.topic, code, forkline.Invalid)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ParseTopic(%q) error = %q, want it to say %q", tt.topic, err, tt.msg)
			}
		})
	}
}

func TestValidateID(t *testing.T) {
	for id, valid := range map[string]bool{"Filler01": true, "Käse 1": true, "": false, "a/b": false, "a+b": false, "a#b": false} {
		if err := sparkplug.ValidateID(id); (err == nil) != valid {
			t.Errorf("ValidateID(%q) = %v, want valid %t", id, err, valid)
		}
	}
}

// tck-id-host-topic-phid-birth-topic, tck-id-host-topic-phid-birth-payload,
// tck-id-host-topic-phid-death-payload
func TestState(t *testing.T) {
	at := mustTime("2026-03-01T06:00:00.123Z")
	if got, want := sparkplug.StateTopic("forkline-1"), "spBv1.0/STATE/forkline-1"; got != want {
		t.Errorf("StateTopic = %q, want %q", got, want)
	}
	if got, want := string(sparkplug.StatePayload(true, at)), `{"online":true,"timestamp":1772344800123}`; got != want {
		t.Errorf("StatePayload(true) = %s, want %s", got, want)
	}
	if got, want := string(sparkplug.StatePayload(false, at)), `{"online":false,"timestamp":1772344800123}`; got != want {
		t.Errorf("StatePayload(false) = %s, want %s", got, want)
	}
}
