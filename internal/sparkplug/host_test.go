package sparkplug_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/sparkplug"
	"github.com/forkline/forkline/internal/sparkplug/sproto"
)

var (
	t0 = mustTime("2026-03-01T06:00:00Z")
	t1 = t0.Add(time.Second)
	t2 = t0.Add(2 * time.Second)
	t9 = t0.Add(9 * time.Second) // the host's clock
)

const (
	nbirthTopic = "spBv1.0/Line1/NBIRTH/Filler01"
	ndataTopic  = "spBv1.0/Line1/NDATA/Filler01"
	ndeathTopic = "spBv1.0/Line1/NDEATH/Filler01"
	dbirthTopic = "spBv1.0/Line1/DBIRTH/Filler01/Scale3"
	ddataTopic  = "spBv1.0/Line1/DDATA/Filler01/Scale3"
	ddeathTopic = "spBv1.0/Line1/DDEATH/Filler01/Scale3"
	ncmdTopic   = "spBv1.0/Line1/NCMD/Filler01"
	nodeAddr    = "spBv1.0/Line1/Filler01/"
	deviceAddr  = "spBv1.0/Line1/Filler01/Scale3/"
)

func encode(t testing.TB, p sparkplug.Payload) []byte {
	t.Helper()
	b, err := sparkplug.Encode(p)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b
}

func boolean(b bool) monitoring.Value { return monitoring.BoolValue(b) }

// nodeBirth is a valid NBIRTH payload: bdSeq, the rebirth metric and two
// aliased metrics, plus extra.
func nodeBirth(bdSeq uint64, extra ...sparkplug.Metric) sparkplug.Payload {
	return sparkplug.Payload{Timestamp: t0, HasSeq: true, Metrics: append([]sparkplug.Metric{
		{Name: "bdSeq", Time: t0, DataType: sparkplug.TypeInt64, Value: num(float64(bdSeq))},
		{Name: "Node Control/Rebirth", Time: t0, DataType: sparkplug.TypeBoolean, Value: boolean(false)},
		{Name: "State", Alias: 1, HasAlias: true, Time: t0, DataType: sparkplug.TypeInt32, Value: num(1)},
		{Name: "Good", Alias: 2, HasAlias: true, Time: t0, DataType: sparkplug.TypeUInt32, Value: num(100)},
	}, extra...)}
}

func deviceBirth(seq uint64) sparkplug.Payload {
	return sparkplug.Payload{Timestamp: t0, Seq: seq, HasSeq: true, Metrics: []sparkplug.Metric{
		{Name: "Weight", Alias: 10, HasAlias: true, Time: t0, DataType: sparkplug.TypeFloat, Value: num(0.5)},
		{Name: "Device Control/Tare", Alias: 11, HasAlias: true, Time: t0, DataType: sparkplug.TypeBoolean, Value: boolean(false)},
	}}
}

// data is a DATA payload at t1 with seq and metrics by alias, without data
// type, as an edge node sends them.
func data(seq uint64, metrics ...sparkplug.Metric) sparkplug.Payload {
	return sparkplug.Payload{Timestamp: t1, Seq: seq, HasSeq: true, Metrics: metrics}
}

// byAlias is a DATA metric by alias. Encode needs its data type to choose the
// protobuf field; edge nodes leave it out (see TestHostReadsDataWithoutDataType).
func byAlias(alias uint64, d sparkplug.DataType, v monitoring.Value) sparkplug.Metric {
	return sparkplug.Metric{Alias: alias, HasAlias: true, DataType: d, Value: v}
}

// The results of the births of nodeBirth(…) and deviceBirth(…).
var (
	nodeBirthResult = sparkplug.Result{Samples: []monitoring.Sample{
		sample(nodeAddr+"State", t0, num(1)), sample(nodeAddr+"Good", t0, num(100))}}
	deviceBirthResult = sparkplug.Result{Samples: []monitoring.Sample{sample(deviceAddr+"Weight", t0, num(0.5))}}
)

func sample(addr string, at time.Time, v monitoring.Value) monitoring.Sample {
	return monitoring.Sample{Address: addr, Time: at, Value: v}
}

func rebirthRequest(t testing.TB, at time.Time) sparkplug.Message {
	return sparkplug.Message{Topic: ncmdTopic, Payload: encode(t, sparkplug.Payload{Timestamp: at, Metrics: []sparkplug.Metric{
		{Name: "Node Control/Rebirth", DataType: sparkplug.TypeBoolean, Value: boolean(true)},
	}})}
}

// step is one message to the host and what it must make of it.
type step struct {
	topic   string
	payload []byte
	want    sparkplug.Result
	err     string // a part of the error, empty for none
}

func run(t *testing.T, h *sparkplug.Host, steps []step) {
	t.Helper()
	for i, s := range steps {
		got, err := h.Handle(s.topic, s.payload, t9)
		switch {
		case s.err == "" && err != nil:
			t.Fatalf("step %d: Handle(%s) error %v", i, s.topic, err)
		case s.err != "" && (err == nil || !strings.Contains(err.Error(), s.err)):
			t.Fatalf("step %d: Handle(%s) error = %v, want one saying %q", i, s.topic, err, s.err)
		case s.err != "" && forkline.ErrorCode(err) != forkline.Invalid:
			t.Errorf("step %d: Handle(%s) error code = %s, want invalid", i, s.topic, forkline.ErrorCode(err))
		}
		if diff := cmp.Diff(s.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("step %d: Handle(%s) (-want +got):\n%s", i, s.topic, diff)
		}
	}
}

func TestHost(t *testing.T) {
	tests := []struct {
		name  string
		steps func(t *testing.T) []step
	}{
		{"an NBIRTH's metrics become samples, the session's bookkeeping does not", func(t *testing.T) []step {
			// tck-id-topics-nbirth-metrics, tck-id-topics-nbirth-bdseq-included,
			// tck-id-topics-nbirth-rebirth-metric
			p := nodeBirth(0,
				sparkplug.Metric{Name: "Properties/Firmware", Alias: 3, HasAlias: true, DataType: sparkplug.TypeString, Value: text("4.2")},
				sparkplug.Metric{Name: "Node Control/Scan Rate", Alias: 4, HasAlias: true, DataType: sparkplug.TypeInt32, Value: num(1000)},
				sparkplug.Metric{Name: "Recipe", Alias: 5, HasAlias: true, DataType: sparkplug.TypeDataSet},
				sparkplug.Metric{Name: "Blob", Alias: 6, HasAlias: true, DataType: sparkplug.TypeBytes, Bytes: []byte{1}},
				sparkplug.Metric{Name: "Scratch", Alias: 7, HasAlias: true, DataType: sparkplug.TypeInt32, Value: num(1), IsTransient: true},
				sparkplug.Metric{Name: "Temp", Alias: 8, HasAlias: true, DataType: sparkplug.TypeDouble, IsNull: true},
			)
			return []step{{topic: nbirthTopic, payload: encode(t, p), want: sparkplug.Result{Samples: []monitoring.Sample{
				sample(nodeAddr+"State", t0, num(1)),
				sample(nodeAddr+"Good", t0, num(100)),
				sample(nodeAddr+"Properties/Firmware", t0, text("4.2")),
				sample(nodeAddr+"Temp", t0, null),
			}}}}
		}},
		{"a DBIRTH after the NBIRTH declares a device", func(t *testing.T) []step {
			// tck-id-topics-dbirth-metrics, tck-id-payloads-dbirth-seq-inc
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: dbirthTopic, payload: encode(t, deviceBirth(1)), want: deviceBirthResult},
			}
		}},
		{"DATA metrics by alias take the birth's name", func(t *testing.T) []step {
			// tck-id-payloads-alias-data-cmd-requirement
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: dbirthTopic, payload: encode(t, deviceBirth(1)), want: deviceBirthResult},
				{topic: ndataTopic, payload: encode(t, data(2,
					sparkplug.Metric{Alias: 1, HasAlias: true, Time: t2, DataType: sparkplug.TypeInt32, Value: num(-5)},
					byAlias(2, sparkplug.TypeUInt32, num(101)),
				)), want: sparkplug.Result{Samples: []monitoring.Sample{
					sample(nodeAddr+"State", t2, num(-5)), // its own time
					sample(nodeAddr+"Good", t1, num(101)), // the payload's time
				}}},
				{topic: ddataTopic, payload: encode(t, data(3, byAlias(10, sparkplug.TypeFloat, num(12.25)), byAlias(11, sparkplug.TypeBoolean, boolean(true)))),
					want: sparkplug.Result{Samples: []monitoring.Sample{sample(deviceAddr+"Weight", t1, num(12.25))}}},
			}
		}},
		{"DATA metrics by name, without times, are samples at the arrival time", func(t *testing.T) []step {
			// tck-id-payloads-name-requirement
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: ndataTopic, payload: encode(t, sparkplug.Payload{Seq: 1, HasSeq: true, Metrics: []sparkplug.Metric{
					{Name: "Good", DataType: sparkplug.TypeUInt32, Value: num(7)},
					{Name: "State", IsNull: true},
				}}), want: sparkplug.Result{Samples: []monitoring.Sample{
					sample(nodeAddr+"Good", t9, num(7)),
					sample(nodeAddr+"State", t9, null),
				}}},
			}
		}},
		{"seq wraps from 255 to 0 without a gap", func(t *testing.T) []step {
			// tck-id-payloads-sequence-num-incrementing, tck-id-topics-ndata-seq-num
			steps := []step{{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult}}
			for i := 1; i <= 258; i++ {
				seq := uint64(i % 256)
				steps = append(steps, step{topic: ndataTopic, payload: encode(t, data(seq, byAlias(2, sparkplug.TypeUInt32, num(float64(i))))),
					want: sparkplug.Result{Samples: []monitoring.Sample{sample(nodeAddr+"Good", t1, num(float64(i)))}}})
			}
			return steps
		}},
		{"a gap asks for one rebirth and drops the message", func(t *testing.T) []step {
			// tck-id-operational-behavior-data-commands-ncmd-rebirth-verb, -name, -value
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: ndataTopic, payload: encode(t, data(1, byAlias(2, sparkplug.TypeUInt32, num(101)))),
					want: sparkplug.Result{Samples: []monitoring.Sample{sample(nodeAddr+"Good", t1, num(101))}}},
				// seq 2 is lost
				{topic: ndataTopic, payload: encode(t, data(3, byAlias(2, sparkplug.TypeUInt32, num(103)))),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
				// another gap: the request is outstanding, no second one
				{topic: ndataTopic, payload: encode(t, data(5, byAlias(2, sparkplug.TypeUInt32, num(105))))},
				// in sequence after the last seq seen: kept
				{topic: ndataTopic, payload: encode(t, data(6, byAlias(2, sparkplug.TypeUInt32, num(106)))),
					want: sparkplug.Result{Samples: []monitoring.Sample{sample(nodeAddr+"Good", t1, num(106))}}},
				// the rebirth ends the outstanding request
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: ndataTopic, payload: encode(t, data(9, byAlias(2, sparkplug.TypeUInt32, num(109)))),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
			}
		}},
		{"a DATA without seq is a gap", func(t *testing.T) []step {
			// tck-id-payloads-sequence-num-always-included
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: ndataTopic, payload: encode(t, sparkplug.Payload{Timestamp: t1, Metrics: []sparkplug.Metric{byAlias(2, sparkplug.TypeUInt32, num(1))}}),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
			}
		}},
		{"NDATA from a node without NBIRTH asks for a rebirth once", func(t *testing.T) []step {
			return []step{
				{topic: ndataTopic, payload: encode(t, data(5, byAlias(2, sparkplug.TypeUInt32, num(1)))),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
				{topic: ndataTopic, payload: encode(t, data(6, byAlias(2, sparkplug.TypeUInt32, num(2))))},
			}
		}},
		{"DBIRTH before NBIRTH asks for a rebirth", func(t *testing.T) []step {
			// tck-id-message-flow-device-birth-publish-nbirth-wait, tck-id-payloads-dbirth-order
			return []step{
				{topic: dbirthTopic, payload: encode(t, deviceBirth(1)),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
			}
		}},
		{"DDATA before its DBIRTH asks for a rebirth", func(t *testing.T) []step {
			// tck-id-payloads-ddata-order
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: ddataTopic, payload: encode(t, data(1, byAlias(10, sparkplug.TypeFloat, num(1)))),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
			}
		}},
		{"an unknown alias asks for a rebirth and drops the message", func(t *testing.T) []step {
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: ndataTopic, payload: encode(t, data(1, byAlias(2, sparkplug.TypeUInt32, num(5)), byAlias(99, sparkplug.TypeUInt32, num(1)))),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
			}
		}},
		{"a name the birth did not declare asks for a rebirth", func(t *testing.T) []step {
			// tck-id-topics-nbirth-metric-reqs: the NBIRTH declares every metric
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: ndataTopic, payload: encode(t, data(1, sparkplug.Metric{Name: "Speed", DataType: sparkplug.TypeInt32, Value: num(5)})),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
			}
		}},
		{"an NDEATH makes the node's and its devices' metrics null at the host's time", func(t *testing.T) []step {
			// tck-id-operational-behavior-edge-node-termination-host-action-ndeath-node-tags-stale,
			// -ndeath-devices-tags-stale, tck-id-payloads-ndeath-bdseq
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(3)), want: nodeBirthResult},
				{topic: dbirthTopic, payload: encode(t, deviceBirth(1)), want: deviceBirthResult},
				{topic: ndeathTopic, payload: encode(t, sparkplug.Payload{Metrics: []sparkplug.Metric{
					{Name: "bdSeq", DataType: sparkplug.TypeInt64, Value: num(3)}}}),
					want: sparkplug.Result{Samples: []monitoring.Sample{
						sample(nodeAddr+"State", t9, null),
						sample(nodeAddr+"Good", t9, null),
						sample(deviceAddr+"Weight", t9, null),
					}}},
				// the node is offline: its data is not trusted
				{topic: ndataTopic, payload: encode(t, data(2, byAlias(2, sparkplug.TypeUInt32, num(1)))),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
			}
		}},
		{"an NDEATH of an older session is ignored", func(t *testing.T) []step {
			// tck-id-topics-nbirth-bdseq-matching: the Will of the last connection, delivered late
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(4)), want: nodeBirthResult},
				{topic: ndeathTopic, payload: encode(t, sparkplug.Payload{Metrics: []sparkplug.Metric{
					{Name: "bdSeq", DataType: sparkplug.TypeInt64, Value: num(3)}}})},
				{topic: ndeathTopic, payload: encode(t, sparkplug.Payload{})}, // no bdSeq at all
				{topic: ndataTopic, payload: encode(t, data(1, byAlias(2, sparkplug.TypeUInt32, num(5)))),
					want: sparkplug.Result{Samples: []monitoring.Sample{sample(nodeAddr+"Good", t1, num(5))}}},
			}
		}},
		{"a DDEATH makes the device's metrics null at its timestamp", func(t *testing.T) []step {
			// tck-id-operational-behavior-edge-node-termination-host-action-ddeath-devices-tags-stale
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: dbirthTopic, payload: encode(t, deviceBirth(1)), want: deviceBirthResult},
				{topic: ddeathTopic, payload: encode(t, sparkplug.Payload{Timestamp: t2, Seq: 2, HasSeq: true}),
					want: sparkplug.Result{Samples: []monitoring.Sample{sample(deviceAddr+"Weight", t2, null)}}},
				{topic: ddataTopic, payload: encode(t, data(3, byAlias(10, sparkplug.TypeFloat, num(1)))),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
			}
		}},
		{"a DDEATH after a gap asks for a rebirth and still counts", func(t *testing.T) []step {
			return []step{
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: dbirthTopic, payload: encode(t, deviceBirth(1)), want: deviceBirthResult},
				{topic: ddeathTopic, payload: encode(t, sparkplug.Payload{Seq: 7, HasSeq: true}),
					want: sparkplug.Result{
						Samples: []monitoring.Sample{sample(deviceAddr+"Weight", t9, null)},
						Publish: []sparkplug.Message{rebirthRequest(t, t9)},
					}},
			}
		}},
		{"commands to edge nodes are not the host's", func(t *testing.T) []step {
			return []step{
				{topic: ncmdTopic, payload: []byte("not even protobuf")},
				{topic: "spBv1.0/Line1/DCMD/Filler01/Scale3", payload: nil},
			}
		}},
		{"births that break the specification are rejected", func(t *testing.T) []step {
			noRebirth := nodeBirth(0)
			noRebirth.Metrics = append(noRebirth.Metrics[:1], noRebirth.Metrics[2:]...)
			rebirthInt := nodeBirth(0)
			rebirthInt.Metrics[1] = sparkplug.Metric{Name: "Node Control/Rebirth", DataType: sparkplug.TypeInt32, Value: num(0)}
			noBdSeq := nodeBirth(0)
			noBdSeq.Metrics = noBdSeq.Metrics[1:]
			noSeq := nodeBirth(0)
			noSeq.HasSeq = false
			seq256 := nodeBirth(0)
			seq256.Seq = 256
			noName := nodeBirth(0, byAlias(9, sparkplug.TypeInt32, num(1)))
			noType := nodeBirth(0, sparkplug.Metric{Name: "Speed"})
			dupAlias := nodeBirth(0, sparkplug.Metric{Name: "Speed", Alias: 1, HasAlias: true, DataType: sparkplug.TypeInt32, Value: num(1)})
			dupDeviceAlias := deviceBirth(1)
			dupDeviceAlias.Metrics[0].Alias = 2
			return []step{
				{topic: nbirthTopic, payload: encode(t, noRebirth), err: "an NBIRTH needs a Node Control/Rebirth metric (tck-id-payloads-nbirth-rebirth-req)"},
				{topic: nbirthTopic, payload: encode(t, rebirthInt), err: "the Node Control/Rebirth metric must be a Boolean"},
				{topic: nbirthTopic, payload: encode(t, noBdSeq), err: "an NBIRTH needs a bdSeq metric"},
				{topic: nbirthTopic, payload: encode(t, noSeq), err: "an NBIRTH needs a seq from 0 to 255"},
				{topic: nbirthTopic, payload: encode(t, seq256), err: "an NBIRTH needs a seq from 0 to 255"},
				{topic: nbirthTopic, payload: encode(t, noName), err: "every birth metric needs a name; alias 9 has none"},
				{topic: nbirthTopic, payload: encode(t, noType), err: `the birth metric "Speed" needs a data type`},
				{topic: nbirthTopic, payload: encode(t, dupAlias), err: `the alias 1 of "Speed" is not unique in the edge node`},
				// the node has no session now
				{topic: ndataTopic, payload: encode(t, data(1, byAlias(2, sparkplug.TypeUInt32, num(1)))),
					want: sparkplug.Result{Publish: []sparkplug.Message{rebirthRequest(t, t9)}}},
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				// tck-id-payloads-alias-uniqueness: across the node's entire set of metrics
				{topic: dbirthTopic, payload: encode(t, dupDeviceAlias), err: `the alias 2 of "Weight" is not unique in the edge node`},
			}
		}},
		{"malformed topics and payloads are errors", func(t *testing.T) []step {
			return []step{
				{topic: "spBv1.0/Line1/NDATA", err: "sparkplug topic"},
				{topic: nbirthTopic, payload: []byte{0xff}, err: "not a valid protobuf"},
				{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
				{topic: ndataTopic, payload: []byte{0xff}, err: "not a valid protobuf"},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, sparkplug.NewHost("forkline"), tt.steps(t))
		})
	}
}

// TestRebirthRequest checks the NCMD a host sends.
func TestRebirthRequest(t *testing.T) {
	h := sparkplug.NewHost("forkline")
	res, err := h.Handle(ndataTopic, encode(t, data(1)), t9)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Publish) != 1 {
		t.Fatalf("Handle published %d messages, want 1 rebirth request", len(res.Publish))
	}
	msg := res.Publish[0]
	// tck-id-topics-ncmd-topic, tck-id-topics-ncmd-mqtt
	if msg.Topic != ncmdTopic || msg.QoS != 0 || msg.Retain {
		t.Errorf("rebirth request goes to %s QoS %d retain %t, want %s QoS 0 not retained", msg.Topic, msg.QoS, msg.Retain, ncmdTopic)
	}
	got, err := sparkplug.Decode(msg.Payload)
	if err != nil {
		t.Fatal(err)
	}
	// tck-id-topics-ncmd-timestamp, tck-id-payloads-ncmd-seq,
	// tck-id-operational-behavior-data-commands-ncmd-rebirth-name, -value
	want := sparkplug.Payload{Timestamp: t9, Metrics: []sparkplug.Metric{
		{Name: "Node Control/Rebirth", DataType: sparkplug.TypeBoolean, Value: boolean(true)},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rebirth request payload (-want +got):\n%s", diff)
	}
}

func TestHostState(t *testing.T) {
	h := sparkplug.NewHost("forkline")
	offline := sparkplug.StatePayload(false, t0)
	// Before Connect there is no birth to repeat.
	run(t, h, []step{{topic: "spBv1.0/STATE/forkline", payload: offline}})

	will, birth := h.Connect(t1)
	// tck-id-operational-behavior-host-application-connect-will-*, -connect-birth-*
	wantWill := sparkplug.Message{Topic: "spBv1.0/STATE/forkline", Payload: sparkplug.StatePayload(false, t1), QoS: 1, Retain: true}
	wantBirth := sparkplug.Message{Topic: "spBv1.0/STATE/forkline", Payload: sparkplug.StatePayload(true, t1), QoS: 1, Retain: true}
	if diff := cmp.Diff(wantWill, will); diff != "" {
		t.Errorf("Connect will (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantBirth, birth); diff != "" {
		t.Errorf("Connect birth (-want +got):\n%s", diff)
	}
	run(t, h, []step{
		// tck-id-message-flow-hid-sparkplug-state-message-delivered: an offline
		// STATE of its own is answered with its birth, with the session's timestamp
		{topic: "spBv1.0/STATE/forkline", payload: offline, want: sparkplug.Result{Publish: []sparkplug.Message{wantBirth}}},
		{topic: "spBv1.0/STATE/forkline", payload: sparkplug.StatePayload(true, t1)},
		// another host's STATE is none of ours, whatever it holds
		{topic: "spBv1.0/STATE/scada", payload: offline},
		{topic: "spBv1.0/STATE/scada", payload: []byte("OFFLINE")},
		{topic: "spBv1.0/STATE/forkline", payload: []byte("OFFLINE"), err: "The STATE payload must be JSON"},
		{topic: "spBv1.0/STATE/forkline", payload: []byte(`{"online":false}`), err: "The STATE payload must be JSON"},
	})
}

func TestHostStats(t *testing.T) {
	h := sparkplug.NewHost("forkline")
	for _, s := range []step{
		{topic: "bad"},
		{topic: nbirthTopic, payload: []byte{0xff}},
		{topic: nbirthTopic, payload: encode(t, sparkplug.Payload{HasSeq: true})}, // no bdSeq, no rebirth metric
		{topic: nbirthTopic, payload: encode(t, nodeBirth(1)), want: nodeBirthResult},
		{topic: ndataTopic, payload: encode(t, data(1))},
		{topic: ndataTopic, payload: encode(t, data(3))}, // gap: rebirth
		{topic: ndataTopic, payload: encode(t, data(5))}, // gap: outstanding
		{topic: ndeathTopic, payload: encode(t, sparkplug.Payload{})},
	} {
		h.Handle(s.topic, s.payload, t9)
	}
	want := sparkplug.Stats{Messages: 8, DecodeErrors: 2, InvalidBirths: 1, RebirthRequests: 1, SeqGaps: 2, Dropped: 2, IgnoredDeaths: 1}
	if diff := cmp.Diff(want, h.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

// TestHostReadsDataWithoutDataType: DATA messages should leave the data type
// out (tck-id-payloads-metric-datatype-not-req), so the host reads a value
// with the type its birth declared: an Int32 -5 sent as int_value 0xFFFFFFFB
// is -5, not 4294967291.
func TestHostReadsDataWithoutDataType(t *testing.T) {
	ms := uint64(t2.UnixMilli())
	ndata, err := proto.Marshal(&sproto.Payload{Timestamp: proto.Uint64(uint64(t1.UnixMilli())), Seq: proto.Uint64(1), Metrics: []*sproto.Payload_Metric{
		{Alias: proto.Uint64(1), Timestamp: &ms, Value: &sproto.Payload_Metric_IntValue{IntValue: 0xFFFFFFFB}},
		{Alias: proto.Uint64(2), Value: &sproto.Payload_Metric_IntValue{IntValue: 0xFFFFFFFB}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	run(t, sparkplug.NewHost("forkline"), []step{
		{topic: nbirthTopic, payload: encode(t, nodeBirth(0)), want: nodeBirthResult},
		{topic: ndataTopic, payload: ndata, want: sparkplug.Result{Samples: []monitoring.Sample{
			sample(nodeAddr+"State", t2, num(-5)),        // Int32 in the birth
			sample(nodeAddr+"Good", t1, num(4294967291)), // UInt32 in the birth
		}}},
	})
}
