package simulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/simulator"
	"github.com/forkline/forkline/internal/sparkplug"
)

type message struct {
	topic   string
	qos     byte
	retain  bool
	payload []byte
}

// recorder is a Publisher that keeps every message.
type recorder struct{ msgs []message }

func (r *recorder) Publish(topic string, qos byte, retain bool, payload []byte) error {
	r.msgs = append(r.msgs, message{topic, qos, retain, append([]byte(nil), payload...)})
	return nil
}

// fakeWall is a wall clock that moves on when the run waits, so that a
// live run takes no real time. onTick runs at each wait.
type fakeWall struct {
	now    time.Time
	ticks  int
	onTick func(n int)
}

func (w *fakeWall) Now() time.Time { return w.now }
func (w *fakeWall) After(d time.Duration) <-chan time.Time {
	w.now = w.now.Add(d)
	w.ticks++
	if w.onTick != nil {
		w.onTick(w.ticks)
	}
	c := make(chan time.Time, 1)
	c <- w.now
	return c
}

// live runs the demo layout live for span of simulated time at speed,
// with a fake wall clock, and returns what it published.
func live(t *testing.T, speed float64, span time.Duration, onTick func(l *simulator.Live, n int)) (*recorder, []simulator.Will) {
	t.Helper()
	sim := simulator.NewSimulation(simulator.DemoLayout(), 1, day0)
	l := sim.Live(speed)
	wall := &fakeWall{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	if onTick != nil {
		wall.onTick = func(n int) { onTick(l, n) }
	}
	l.Now, l.After, l.Until = wall.Now, wall.After, day0.Add(span)
	wills := l.Wills()
	var rec recorder
	if err := l.Run(context.Background(), &rec); err != nil {
		t.Fatal(err)
	}
	return &rec, wills
}

func TestALiveRunIsAValidSparkplugSessionOfMappedTags(t *testing.T) {
	rec, wills := live(t, 10, 10*time.Minute, nil)
	layout := simulator.DemoLayout()
	mapped := map[string]bool{}
	for _, tag := range layout.Tags() {
		mapped[tag.Address] = true
	}
	if len(wills) != len(layout.EdgeNodes()) {
		t.Fatalf("%d wills for %d edge nodes", len(wills), len(layout.EdgeNodes()))
	}
	host := sparkplug.NewHost("forkline-test")
	nodeBorn := map[string]bool{}
	deviceBorn := map[string]bool{}
	counts := map[sparkplug.MessageType]int{}
	var samples int
	for i, m := range rec.msgs {
		tp, err := sparkplug.ParseTopic(m.topic)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		node := tp.Group + "/" + tp.EdgeNode
		counts[tp.Type]++
		switch tp.Type {
		case sparkplug.NBirth:
			nodeBorn[node] = true
		case sparkplug.DBirth:
			if !nodeBorn[node] {
				t.Fatalf("message %d: DBIRTH of %s before the NBIRTH of its node", i, m.topic)
			}
			deviceBorn[node+"/"+tp.Device] = true
		case sparkplug.DData:
			if !deviceBorn[node+"/"+tp.Device] {
				t.Fatalf("message %d: DDATA of %s before its DBIRTH", i, m.topic)
			}
		case sparkplug.NDeath:
			if m.qos != 1 {
				t.Errorf("NDEATH of %s with QoS %d, want 1", node, m.qos)
			}
		default:
			t.Fatalf("message %d: unexpected %s", i, m.topic)
		}
		if m.retain {
			t.Errorf("message %d (%s) retained", i, m.topic)
		}
		res, err := host.Handle(m.topic, m.payload, day0)
		if err != nil {
			t.Fatalf("message %d (%s): the host says %v", i, m.topic, err)
		}
		if len(res.Publish) > 0 {
			t.Fatalf("message %d (%s): the host asks %v", i, m.topic, res.Publish)
		}
		for _, s := range res.Samples {
			if s.Value.Kind == monitoring.Null {
				continue
			}
			if !mapped[s.Address] {
				t.Fatalf("message %d: sample of %s, which no tag of the layout maps", i, s.Address)
			}
			if s.Time.Before(day0) || s.Time.After(day0.Add(10*time.Minute)) {
				t.Fatalf("message %d: sample at %s, want simulated time", i, s.Time)
			}
			samples++
		}
	}
	if st := host.Stats(); st.SeqGaps != 0 || st.Dropped != 0 || st.InvalidBirths != 0 || st.RebirthRequests != 0 {
		t.Errorf("host stats %+v, want a clean session", st)
	}
	if counts[sparkplug.NBirth] != len(wills) || counts[sparkplug.DBirth] != len(layout.Equipment) || counts[sparkplug.NDeath] != len(wills) {
		t.Errorf("messages %v, want one NBIRTH and NDEATH per line and one DBIRTH per equipment", counts)
	}
	if counts[sparkplug.DData] < 100 || samples < 1000 {
		t.Errorf("%d DDATA with %d samples in ten simulated minutes, want counters every second", counts[sparkplug.DData], samples)
	}
}

func TestAMachineChangesStateWithinSecondsOfTheStart(t *testing.T) {
	rec, _ := live(t, 1, 10*time.Second, nil)
	host := sparkplug.NewHost("forkline-test")
	changes := 0
	for _, m := range rec.msgs {
		res, err := host.Handle(m.topic, m.payload, day0)
		if err != nil {
			t.Fatal(err)
		}
		tp, _ := sparkplug.ParseTopic(m.topic)
		if tp.Type != sparkplug.DData {
			continue
		}
		for _, s := range res.Samples {
			if len(s.Address) > 6 && s.Address[len(s.Address)-6:] == "/State" && !s.Time.After(day0.Add(10*time.Second)) {
				changes++
			}
		}
	}
	if changes == 0 {
		t.Error("no equipment changed state in the first ten seconds at speed 1")
	}
}

func TestARebirthRequestBringsBackTheBirthsInOrder(t *testing.T) {
	req, err := sparkplug.Encode(sparkplug.Payload{Timestamp: day0, Metrics: []sparkplug.Metric{{Name: sparkplug.RebirthMetric,
		DataType: sparkplug.TypeBoolean, Value: monitoring.BoolValue(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := live(t, 5, 2*time.Minute, func(l *simulator.Live, n int) {
		if n == 10 {
			if err := l.HandleCommand("spBv1.0/RVR/NCMD/HTST", req); err != nil {
				t.Error(err)
			}
		}
	})
	host := sparkplug.NewHost("forkline-test")
	var births []string
	for i, m := range rec.msgs {
		res, err := host.Handle(m.topic, m.payload, day0)
		if err != nil || len(res.Publish) > 0 {
			t.Fatalf("message %d (%s): %v, host asks %v", i, m.topic, err, res.Publish)
		}
		if tp, _ := sparkplug.ParseTopic(m.topic); tp.Group == "RVR" && tp.EdgeNode == "HTST" &&
			(tp.Type == sparkplug.NBirth || tp.Type == sparkplug.DBirth) {
			births = append(births, string(tp.Type))
		}
	}
	want := []string{"NBIRTH", "DBIRTH", "NBIRTH", "DBIRTH"}
	if len(births) != len(want) || births[0] != want[0] || births[2] != want[2] {
		t.Errorf("births of RVR/HTST: %v, want %v", births, want)
	}
}
