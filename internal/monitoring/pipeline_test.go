package monitoring

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/google/go-cmp/cmp"
)

// memStore keeps what the pipeline writes, the way the database would.
type memStore struct {
	Store // methods the pipeline does not call panic
	mu    sync.Mutex
	tags  []Tag
	marks map[forkline.ID]Watermark
	ivs   map[forkline.ID]Interval
	cnt   map[countKey]Count
	vals  map[string]ProcessValue
	fail  int // the next fail writes fail
	wrote []Batch
}

func newMemStore(tags ...Tag) *memStore {
	return &memStore{tags: tags, marks: map[forkline.ID]Watermark{}, ivs: map[forkline.ID]Interval{},
		cnt: map[countKey]Count{}, vals: map[string]ProcessValue{}}
}

func (m *memStore) Tags(context.Context) ([]Tag, error) { return m.tags, nil }
func (m *memStore) Watermarks(context.Context) ([]Watermark, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Watermark
	for _, w := range m.marks {
		out = append(out, w)
	}
	return out, nil
}
func (m *memStore) OpenIntervals(context.Context) ([]Interval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Interval
	for _, iv := range m.ivs {
		if iv.End.IsZero() {
			out = append(out, iv)
		}
	}
	return out, nil
}

func (m *memStore) Write(_ context.Context, b Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail > 0 {
		m.fail--
		return &forkline.Error{Code: forkline.Unavailable, Msg: "database down"}
	}
	for _, iv := range b.Close {
		old, ok := m.ivs[iv.ID]
		if !ok || !old.End.IsZero() {
			return fmt.Errorf("close of %s: not open", iv.ID)
		}
		m.ivs[iv.ID] = iv
	}
	for _, iv := range b.Open {
		if _, ok := m.ivs[iv.ID]; ok {
			return fmt.Errorf("interval %s twice", iv.ID)
		}
		m.ivs[iv.ID] = iv
	}
	for _, c := range b.Counts {
		k := countKey{c.EquipmentID, c.Minute}
		old := m.cnt[k]
		c.Good += old.Good
		c.Reject += old.Reject
		m.cnt[k] = c
	}
	for _, v := range b.Values {
		k := v.TagID + v.Time.String()
		if _, ok := m.vals[k]; !ok {
			m.vals[k] = v
		}
	}
	for _, w := range b.Watermarks {
		m.marks[w.TagID] = w
	}
	m.wrote = append(m.wrote, b)
	return nil
}

func (m *memStore) counts() map[string][2]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][2]int64{}
	for k, c := range m.cnt {
		out[k.equipment+" "+k.minute.Format("15:04")] = [2]int64{c.Good, c.Reject}
	}
	return out
}

// states lists the intervals of an equipment as "state start-end".
func (m *memStore) states(eq forkline.ID) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ivs []Interval
	for _, iv := range m.ivs {
		if iv.EquipmentID == eq {
			ivs = append(ivs, iv)
		}
	}
	sortIntervals(ivs)
	var out []string
	for _, iv := range ivs {
		end := "open"
		if !iv.End.IsZero() {
			end = iv.End.Format("15:04:05")
		}
		out = append(out, fmt.Sprintf("%s %s-%s", iv.State, iv.Start.Format("15:04:05"), end))
	}
	return out
}

func sortIntervals(ivs []Interval) {
	for i := 1; i < len(ivs); i++ {
		for j := i; j > 0 && ivs[j].Start.Before(ivs[j-1].Start); j-- {
			ivs[j], ivs[j-1] = ivs[j-1], ivs[j]
		}
	}
}

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

var testTags = []Tag{
	{ID: "tag-state", EquipmentID: "filler", Address: "spBv1.0/Dairy/Cups/Filler/State", Role: RoleState, Active: true,
		StateMap: map[string]State{"1": Running, "2": Idle, "3": Down}},
	{ID: "tag-good", EquipmentID: "filler", Address: "spBv1.0/Dairy/Cups/Filler/Good", Role: RoleGood, CounterMax: 65535, Active: true},
	{ID: "tag-reject", EquipmentID: "filler", Address: "spBv1.0/Dairy/Cups/Filler/Reject", Role: RoleReject, Active: true},
	{ID: "tag-temp", EquipmentID: "htst", Address: "spBv1.0/Dairy/HTST/Temp", Role: RoleProcess, Unit: "degC", Active: true},
	{ID: "tag-off", EquipmentID: "htst", Address: "spBv1.0/Dairy/HTST/Old", Role: RoleProcess, Active: false},
}

func startPipeline(t *testing.T, st Store) (*Pipeline, func()) {
	t.Helper()
	ids := forkline.NewIDGenerator(time.Now)
	p := NewPipeline(st, ids, func() time.Time { return at(3600) }, nil)
	p.Retry = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	return p, func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	}
}

func ingest(t *testing.T, p *Pipeline, samples ...Sample) {
	t.Helper()
	if err := p.Ingest(context.Background(), samples); err != nil {
		t.Fatalf("Ingest: %v", err)
	}
}

func num(addr string, sec int, f float64) Sample {
	return Sample{Address: addr, Time: at(sec), Value: NumberValue(f)}
}

const (
	aState  = "spBv1.0/Dairy/Cups/Filler/State"
	aGood   = "spBv1.0/Dairy/Cups/Filler/Good"
	aReject = "spBv1.0/Dairy/Cups/Filler/Reject"
	aTemp   = "spBv1.0/Dairy/HTST/Temp"
)

func TestPipelineCounters(t *testing.T) {
	st := newMemStore(testTags...)
	p, stop := startPipeline(t, st)
	defer stop()
	ingest(t, p,
		num(aGood, 0, 65000), // baseline: not counted
		num(aGood, 30, 65100),
		num(aGood, 61, 65535),
		num(aGood, 70, 9),    // rolled over: 65535 -> 0 is one unit, then 9
		num(aGood, 70, 9999), // same time again: a repeat
		num(aReject, 10, 5),  // baseline
		num(aReject, 20, 7),
		num(aReject, 90, 3), // no maximum: reset, 3 since
	)
	ingest(t, p,
		num(aGood, 65, 1),   // before the watermark: a repeat
		num(aGood, 125, 20), // 11 more
		Sample{Address: aGood, Time: at(126), Value: Value{}}, // null: ignored
	)
	want := map[string][2]int64{
		"filler 08:00": {100, 2},
		"filler 08:01": {435 + 10, 3},
		"filler 08:02": {11, 0},
	}
	if diff := cmp.Diff(want, st.counts()); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	s := p.Stats()
	if s.Repeats != 2 || s.Invalid != 1 || s.Samples != 11 {
		t.Errorf("stats = %+v, want 2 repeats, 1 invalid, 11 samples", s)
	}
}

func TestCounterDelta(t *testing.T) {
	for _, c := range []struct {
		prev, now float64
		max       int64
		want      int64
	}{
		{10, 15, 0, 5},
		{10, 10, 0, 0},
		{65530, 4, 65535, 10}, // 65531..65535 and 0..4
		{100, 4, 65535, 4},    // far below the top: a reset
		{4294967295, 0, 4294967295, 1},
		{70000, 5, 65535, 5}, // above the maximum: not a roll-over
		{500, 0, 0, 0},       // reset to 0
	} {
		if got := CounterDelta(c.prev, c.now, c.max); got != c.want {
			t.Errorf("CounterDelta(%v, %v, %d) = %d, want %d", c.prev, c.now, c.max, got, c.want)
		}
	}
}

func TestPipelineStates(t *testing.T) {
	st := newMemStore(testTags...)
	p, stop := startPipeline(t, st)
	ch, unsub := p.Subscribe()
	defer unsub()
	ingest(t, p,
		num(aState, 0, 1),
		num(aState, 10, 1), // still running
		num(aState, 20, 3),
		num(aState, 50, 1),
	)
	chg := <-ch
	if chg.States["filler"].State != Running || chg.States["filler"].Start != at(50) {
		t.Errorf("change = %+v, want filler running from 08:00:50", chg)
	}
	ingest(t, p,
		num(aState, 40, 2), // older than the watermark: a repeat
		num(aState, 70, 2),
		Sample{Address: aState, Time: at(80), Value: Value{}}, // the device died
		num(aState, 90, 7), // a value the map does not name
	)
	stop()
	want := []string{
		"running 08:00:00-08:00:20",
		"down 08:00:20-08:00:50",
		"running 08:00:50-08:01:10",
		"idle 08:01:10-08:01:20",
		"unknown 08:01:20-open",
	}
	if diff := cmp.Diff(want, st.states("filler")); diff != "" {
		t.Errorf("intervals (-want +got):\n%s", diff)
	}
	// After a restart the open interval and the watermarks are read back.
	p2, stop2 := startPipeline(t, st)
	ingest(t, p2, num(aState, 90, 1), num(aState, 100, 1))
	stop2()
	want[4] = "unknown 08:01:20-08:01:40"
	want = append(want, "running 08:01:40-open")
	if diff := cmp.Diff(want, st.states("filler")); diff != "" {
		t.Errorf("after restart (-want +got):\n%s", diff)
	}
}

func TestPipelineValuesAndUnmapped(t *testing.T) {
	st := newMemStore(testTags...)
	p, stop := startPipeline(t, st)
	defer stop()
	ingest(t, p,
		num(aTemp, 0, 72.1),
		Sample{Address: aTemp, Time: at(1), Value: TextValue("72.4")},
		Sample{Address: aTemp, Time: at(2), Value: TextValue("hot")}, // not a number
		num("spBv1.0/Dairy/HTST/Old", 0, 1),                          // mapping disabled
		num("spBv1.0/Dairy/HTST/Flow", 0, 9000),
		num("spBv1.0/Dairy/HTST/Flow", 1, 9100),
	)
	if len(st.vals) != 2 {
		t.Errorf("stored %d values, want 2: %v", len(st.vals), st.vals)
	}
	un := p.UnmappedAddresses()
	want := []Unmapped{
		{Address: "spBv1.0/Dairy/HTST/Flow", Time: at(1), Value: NumberValue(9100), Count: 2},
		{Address: "spBv1.0/Dairy/HTST/Old", Time: at(0), Value: NumberValue(1), Count: 1},
	}
	if diff := cmp.Diff(want, un); diff != "" {
		t.Errorf("unmapped (-want +got):\n%s", diff)
	}
}

// A database that fails holds the callers until it is back; nothing is
// booked twice and the pipeline's state only moves on a commit.
func TestPipelineRetriesWithoutLoss(t *testing.T) {
	st := newMemStore(testTags...)
	st.fail = 3
	p, stop := startPipeline(t, st)
	defer stop()
	ingest(t, p, num(aGood, 0, 10), num(aGood, 30, 15), num(aState, 0, 1), num(aState, 5, 3))
	if p.Stats().Failures != 3 {
		t.Errorf("failures = %d, want 3", p.Stats().Failures)
	}
	if len(st.wrote) != 1 {
		t.Fatalf("%d batches written, want 1", len(st.wrote))
	}
	if diff := cmp.Diff(map[string][2]int64{"filler 08:00": {5, 0}}, st.counts()); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"running 08:00:00-08:00:05", "down 08:00:05-open"}, st.states("filler")); diff != "" {
		t.Errorf("intervals (-want +got):\n%s", diff)
	}
}

// A caller that gives up gets its context's error; its samples are not
// booked, so a redelivery counts them once.
func TestPipelineCallerGivesUp(t *testing.T) {
	st := newMemStore(testTags...)
	st.fail = 1 << 30
	p, stop := startPipeline(t, st)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { errc <- p.Ingest(ctx, []Sample{num(aGood, 0, 10)}) }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Ingest = %v, want context.Canceled", err)
	}
	st.mu.Lock()
	st.fail = 0
	st.mu.Unlock()
	ingest(t, p, num(aGood, 0, 10), num(aGood, 20, 12))
	stop()
	if diff := cmp.Diff(map[string][2]int64{"filler 08:00": {2, 0}}, st.counts()); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

// Many paths ingesting at once: every unit counted once.
func TestPipelineConcurrentIngest(t *testing.T) {
	var tags []Tag
	for i := range 20 {
		tags = append(tags, Tag{ID: fmt.Sprintf("good-%d", i), EquipmentID: fmt.Sprintf("eq-%02d", i),
			Address: fmt.Sprintf("line/eq-%02d/Good", i), Role: RoleGood, Active: true})
	}
	st := newMemStore(tags...)
	p, stop := startPipeline(t, st)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			for s := range 300 {
				ingest(t, p, Sample{Address: fmt.Sprintf("line/eq-%02d/Good", i), Time: at(s), Value: NumberValue(float64(s * 2))})
			}
		})
	}
	wg.Wait()
	stop()
	total := map[string]int64{}
	for k, c := range st.counts() {
		total[k[:5]] += c[0]
	}
	for i := range 20 {
		if got := total[fmt.Sprintf("eq-%02d", i)]; got != 598 {
			t.Errorf("eq-%02d counted %d, want 598", i, got)
		}
	}
}

// A machine whose clock is far off cannot block its tags: a sample past the
// server's clock (plus MaxAhead) or before 2000 is invalid, and the samples
// after it still count.
func TestPipelineRefusesTimesFarOff(t *testing.T) {
	st := newMemStore(testTags...)
	p, stop := startPipeline(t, st) // the clock stands at 09:00
	defer stop()
	ingest(t, p,
		num(aGood, 0, 100),
		Sample{Address: aGood, Time: at(0).AddDate(10, 0, 0), Value: NumberValue(5000)}, // 2036
		Sample{Address: aGood, Time: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), Value: NumberValue(1)},
		num(aGood, 60, 110),
		num(aGood, 120, 1<<53), // not a counter value
		num(aGood, 180, 125),
	)
	if diff := cmp.Diff(map[string][2]int64{"filler 08:01": {10, 0}, "filler 08:03": {15, 0}}, st.counts()); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if s := p.Stats(); s.Invalid != 3 {
		t.Errorf("invalid = %d, want 3", s.Invalid)
	}
}

// A batch the database refuses as invalid is not retried: its callers get
// the error (and do not acknowledge); the next batch goes on.
func TestPipelineDoesNotRetryARefusedBatch(t *testing.T) {
	st := &refusingStore{memStore: newMemStore(testTags...)}
	p, stop := startPipeline(t, st)
	defer stop()
	err := p.Ingest(context.Background(), []Sample{num(aTemp, 0, 72)})
	if forkline.ErrorCode(err) != forkline.Invalid {
		t.Fatalf("Ingest of a refused batch = %v, want invalid", err)
	}
	ingest(t, p, num(aTemp, 1, 72.5))
	if len(st.vals) != 1 || p.Stats().Failures != 1 {
		t.Errorf("values %v, failures %d; want the second batch stored after one failure", st.vals, p.Stats().Failures)
	}
}

type refusingStore struct {
	*memStore
	refused bool
}

func (r *refusingStore) Write(ctx context.Context, b Batch) error {
	if !r.refused {
		r.refused = true
		return &forkline.Error{Code: forkline.Invalid, Msg: "A value breaks a database rule."}
	}
	return r.memStore.Write(ctx, b)
}

// Once the pipeline has stopped, Ingest answers at once instead of waiting.
func TestPipelineIngestAfterStop(t *testing.T) {
	p, stop := startPipeline(t, newMemStore(testTags...))
	stop()
	if err := p.Ingest(context.Background(), []Sample{num(aTemp, 0, 72)}); !errors.Is(err, ErrStopped) {
		t.Errorf("Ingest after stop = %v, want ErrStopped", err)
	}
}
