package sparkplug_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/sparkplug"
	"github.com/forkline/forkline/internal/sparkplug/sproto"
)

type publisher func() (string, []byte, error)

func must(t *testing.T, f publisher) (string, []byte) {
	t.Helper()
	topic, payload, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return topic, payload
}

func decoded(t *testing.T, payload []byte) sparkplug.Payload {
	t.Helper()
	p, err := sparkplug.Decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var fillerMetrics = []sparkplug.Metric{
	{Name: "State", DataType: sparkplug.TypeInt8, Value: num(-1)},
	{Name: "Good", DataType: sparkplug.TypeUInt32, Value: num(100)},
}

func TestEdgeNBirth(t *testing.T) {
	e := sparkplug.NewEdge("Line1", "Filler01")
	topic, payload := must(t, func() (string, []byte, error) { return e.NBirth(fillerMetrics, t0) })
	if topic != nbirthTopic {
		t.Errorf("NBirth topic = %s, want %s", topic, nbirthTopic)
	}
	// tck-id-topics-nbirth-seq-num, -timestamp, -bdseq-included, -rebirth-metric,
	// tck-id-operational-behavior-data-commands-rebirth-name-aliases,
	// tck-id-payloads-alias-birth-requirement, tck-id-payloads-name-birth-data-requirement
	want := sparkplug.Payload{Timestamp: t0, Seq: 0, HasSeq: true, Metrics: []sparkplug.Metric{
		{Name: "bdSeq", Time: t0, DataType: sparkplug.TypeInt64, Value: num(0)},
		{Name: "Node Control/Rebirth", Time: t0, DataType: sparkplug.TypeBoolean, Value: boolean(false)},
		{Name: "State", Alias: 1, HasAlias: true, Time: t0, DataType: sparkplug.TypeInt8, Value: num(-1)},
		{Name: "Good", Alias: 2, HasAlias: true, Time: t0, DataType: sparkplug.TypeUInt32, Value: num(100)},
	}}
	if diff := cmp.Diff(want, decoded(t, payload)); diff != "" {
		t.Errorf("NBirth payload (-want +got):\n%s", diff)
	}
}

func TestEdgeDataUsesAliasesWithoutDataType(t *testing.T) {
	e := sparkplug.NewEdge("Line1", "Filler01")
	must(t, func() (string, []byte, error) { return e.NBirth(fillerMetrics, t0) })
	must(t, func() (string, []byte, error) {
		return e.DBirth("Scale3", []sparkplug.Metric{{Name: "Weight", DataType: sparkplug.TypeFloat, Value: num(0.5)}}, t0)
	})
	topic, payload := must(t, func() (string, []byte, error) {
		return e.DData("Scale3", []sparkplug.Metric{{Name: "Weight", Value: num(1.5)}}, t1)
	})
	if topic != ddataTopic {
		t.Errorf("DData topic = %s, want %s", topic, ddataTopic)
	}
	// tck-id-payloads-alias-data-cmd-requirement, tck-id-payloads-metric-datatype-not-req
	var pb sproto.Payload
	if err := proto.Unmarshal(payload, &pb); err != nil {
		t.Fatal(err)
	}
	m := pb.Metrics[0]
	if m.Name != nil || m.Datatype != nil || m.GetAlias() != 3 || m.GetTimestamp() != uint64(t1.UnixMilli()) || pb.GetSeq() != 2 {
		t.Errorf("DData metric = %v seq %d, want alias 3 only, the time and seq 2", m, pb.GetSeq())
	}
}

// TestEdgeSeqWraps: one seq for all messages of the node, 255 wraps to 0
// (tck-id-payloads-sequence-num-incrementing, tck-id-payloads-dbirth-seq-inc,
// tck-id-payloads-ddeath-seq-inc).
func TestEdgeSeqWraps(t *testing.T) {
	e := sparkplug.NewEdge("Line1", "Filler01")
	var seqs []uint64
	record := func(f publisher) {
		_, payload := must(t, f)
		p := decoded(t, payload)
		if !p.HasSeq {
			t.Fatalf("a message without seq")
		}
		seqs = append(seqs, p.Seq)
	}
	record(func() (string, []byte, error) { return e.NBirth(fillerMetrics, t0) })
	record(func() (string, []byte, error) { return e.DBirth("Scale3", nil, t0) })
	for range 300 {
		record(func() (string, []byte, error) { return e.NData(fillerMetrics[1:], t1) })
	}
	record(func() (string, []byte, error) { return e.DData("Scale3", nil, t1) })
	record(func() (string, []byte, error) { return e.DDeath("Scale3", t2) })
	for i, s := range seqs {
		if s != uint64(i%256) {
			t.Fatalf("message %d has seq %d, want %d", i, s, i%256)
		}
	}
	// A rebirth starts at 0 again (tck-id-topics-nbirth-seq-num).
	record(func() (string, []byte, error) { return e.NBirth(fillerMetrics, t2) })
	if got := seqs[len(seqs)-1]; got != 0 {
		t.Errorf("NBirth seq = %d, want 0", got)
	}
}

// TestEdgeBdSeq: bdSeq starts at 0, goes up with every MQTT connection,
// wraps after 255, and NDEATH carries the one of its session
// (tck-id-topics-nbirth-bdseq-increment, tck-id-payloads-ndeath-bdseq,
// tck-id-operational-behavior-data-commands-rebirth-action-3).
func TestEdgeBdSeq(t *testing.T) {
	bdSeq := func(payload []byte) float64 {
		for _, m := range decoded(t, payload).Metrics {
			if m.Name == "bdSeq" {
				return m.Value.Num
			}
		}
		t.Fatal("no bdSeq metric")
		return 0
	}
	e := sparkplug.NewEdge("Line1", "Filler01")
	topic, will := e.Connect()
	if topic != ndeathTopic {
		t.Errorf("Connect will topic = %s, want %s", topic, ndeathTopic)
	}
	// tck-id-topics-ndeath-payload, tck-id-topics-ndeath-seq
	wantWill := sparkplug.Payload{Metrics: []sparkplug.Metric{{Name: "bdSeq", DataType: sparkplug.TypeInt64, Value: num(0)}}}
	if diff := cmp.Diff(wantWill, decoded(t, will)); diff != "" {
		t.Errorf("Connect will (-want +got):\n%s", diff)
	}
	_, birth := must(t, func() (string, []byte, error) { return e.NBirth(fillerMetrics, t0) })
	_, rebirth := must(t, func() (string, []byte, error) { return e.NBirth(fillerMetrics, t1) })
	if bdSeq(birth) != 0 || bdSeq(rebirth) != 0 {
		t.Errorf("bdSeq of birth and rebirth = %v, %v, want 0, 0", bdSeq(birth), bdSeq(rebirth))
	}
	for want := 1; want <= 256; want++ {
		_, will := e.Connect()
		_, birth := must(t, func() (string, []byte, error) { return e.NBirth(fillerMetrics, t0) })
		_, death := e.NDeath()
		if w, b, d := bdSeq(will), bdSeq(birth), bdSeq(death); w != float64(want%256) || b != w || d != w {
			t.Fatalf("connection %d: bdSeq of will, birth, death = %v, %v, %v, want %d", want, w, b, d, want%256)
		}
	}
}

func TestEdgeRejects(t *testing.T) {
	e := sparkplug.NewEdge("Line1", "Filler01")
	check := func(name string, f publisher, msg string) {
		t.Helper()
		if _, _, err := f(); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error = %v, want one saying %q", name, err, msg)
		}
	}
	check("NData before NBirth", func() (string, []byte, error) { return e.NData(nil, t0) }, "has no NBIRTH in this session")
	check("DBirth before NBirth", func() (string, []byte, error) { return e.DBirth("Scale3", nil, t0) }, "has no NBIRTH")
	check("NBirth with a bad value", func() (string, []byte, error) {
		return e.NBirth([]sparkplug.Metric{{Name: "State", DataType: sparkplug.TypeInt8, Value: num(300)}}, t0)
	}, "the value 300 does not fit Int8")
	must(t, func() (string, []byte, error) { return e.NBirth(fillerMetrics, t0) })
	check("NData of a metric not born", func() (string, []byte, error) {
		return e.NData([]sparkplug.Metric{{Name: "Speed", DataType: sparkplug.TypeInt32, Value: num(1)}}, t1)
	}, `sparkplug metric "Speed" was not in the birth`)
	check("DData of a device not born", func() (string, []byte, error) { return e.DData("Scale3", nil, t1) }, `device "Scale3" has no DBIRTH`)
	check("DDeath of a device not born", func() (string, []byte, error) { return e.DDeath("Scale3", t1) }, `device "Scale3" has no DBIRTH`)
	check("DBirth of a bad device id", func() (string, []byte, error) { return e.DBirth("a/b", nil, t1) }, "reserved character")
}

// TestEdgeToHost drives a host with an edge node through a whole session.
func TestEdgeToHost(t *testing.T) {
	e := sparkplug.NewEdge("Line1", "Filler01")
	h := sparkplug.NewHost("forkline")
	handle := func(topic string, payload []byte) sparkplug.Result {
		t.Helper()
		res, err := h.Handle(topic, payload, t9)
		if err != nil {
			t.Fatalf("Handle(%s) error %v", topic, err)
		}
		return res
	}
	check := func(what string, got, want sparkplug.Result) {
		t.Helper()
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
	_, oldWill := e.Connect()
	check("NBIRTH", handle(must(t, func() (string, []byte, error) { return e.NBirth(fillerMetrics, t0) })),
		sparkplug.Result{Samples: []monitoring.Sample{sample(nodeAddr+"State", t0, num(-1)), sample(nodeAddr+"Good", t0, num(100))}})
	check("DBIRTH", handle(must(t, func() (string, []byte, error) {
		return e.DBirth("Scale3", []sparkplug.Metric{{Name: "Weight", DataType: sparkplug.TypeDouble, Value: num(0.5)}}, t0)
	})), sparkplug.Result{Samples: []monitoring.Sample{sample(deviceAddr+"Weight", t0, num(0.5))}})
	for i := range 300 { // across the seq wrap
		check("NDATA", handle(must(t, func() (string, []byte, error) {
			return e.NData([]sparkplug.Metric{{Name: "State", Value: num(-2)}, {Name: "Good", Value: num(float64(101 + i))}}, t1)
		})), sparkplug.Result{Samples: []monitoring.Sample{sample(nodeAddr+"State", t1, num(-2)), sample(nodeAddr+"Good", t1, num(float64(101+i)))}})
	}
	check("DDATA", handle(must(t, func() (string, []byte, error) {
		return e.DData("Scale3", []sparkplug.Metric{{Name: "Weight", Value: num(12.5), Time: t2}}, t1)
	})), sparkplug.Result{Samples: []monitoring.Sample{sample(deviceAddr+"Weight", t2, num(12.5))}})
	check("DDEATH", handle(must(t, func() (string, []byte, error) { return e.DDeath("Scale3", t2) })),
		sparkplug.Result{Samples: []monitoring.Sample{sample(deviceAddr+"Weight", t2, null)}})

	// The node reconnects: the old connection's will arrives late and is ignored.
	e.Connect()
	check("NBIRTH of the new connection", handle(must(t, func() (string, []byte, error) { return e.NBirth(fillerMetrics, t1) })),
		sparkplug.Result{Samples: []monitoring.Sample{sample(nodeAddr+"State", t1, num(-1)), sample(nodeAddr+"Good", t1, num(100))}})
	check("the old will", handle(ndeathTopic, oldWill), sparkplug.Result{})

	// A lost message: the host asks for a rebirth, the node answers with the same bdSeq.
	must(t, func() (string, []byte, error) { return e.NData(fillerMetrics[1:], t1) })
	res := handle(must(t, func() (string, []byte, error) { return e.NData(fillerMetrics[1:], t1) }))
	if len(res.Publish) != 1 || res.Publish[0].Topic != ncmdTopic || len(res.Samples) != 0 {
		t.Fatalf("Handle of NDATA after a lost one = %+v, want one rebirth request and no samples", res)
	}
	check("rebirth", handle(must(t, func() (string, []byte, error) { return e.NBirth(fillerMetrics, t2) })),
		sparkplug.Result{Samples: []monitoring.Sample{sample(nodeAddr+"State", t2, num(-1)), sample(nodeAddr+"Good", t2, num(100))}})
	must(t, func() (string, []byte, error) {
		return e.DBirth("Scale3", []sparkplug.Metric{{Name: "Weight", DataType: sparkplug.TypeDouble, Value: num(0.5)}}, t2)
	})
	// The host missed that DBIRTH too; then the node dies with the session's will.
	check("NDEATH", handle(e.NDeath()), sparkplug.Result{Samples: []monitoring.Sample{
		sample(nodeAddr+"State", t9, null), sample(nodeAddr+"Good", t9, null)}})

	want := sparkplug.Stats{Messages: 309, RebirthRequests: 1, SeqGaps: 1, Dropped: 1, IgnoredDeaths: 1}
	if diff := cmp.Diff(want, h.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}
