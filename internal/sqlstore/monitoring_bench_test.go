package sqlstore_test

// The machine-data benchmarks: how fast MonitoringStore.Write books the
// batches the ingest pipeline makes. Samples are process values and counter
// or state readings; a batch is one transaction.
//
//	go test ./internal/sqlstore/ -run '^$' -bench 'WriteValues|WriteMixed' -benchtime 5s
//	FORKLINE_TEST_POSTGRES_URL=postgres://... go test ...   PostgreSQL too, in a schema of its own

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

// machineBench is a fresh database with equipment and their tags.
type machineBench struct {
	store    *sqlstore.MonitoringStore
	ids      *forkline.IDGenerator
	eq       []forkline.ID
	process  []forkline.ID // process tags, spread over the equipment
	counters []forkline.ID // one good counter per equipment
	states   []forkline.ID // one state tag per equipment
}

func newMachineBench(b *testing.B, e storetest.Engine, equipment, processTags int) *machineBench {
	b.Helper()
	c := storetest.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	db := storetest.Open(b, e, c)
	ctx := storetest.SystemContext()
	ids := forkline.NewIDGenerator(c.Now)
	svc := plant.NewService(db.Plant(), ids, c.Now)
	site, err := svc.Sites.Create(ctx, plant.Site{Record: plant.Record{Code: "BEN", Name: "Bench"}, TimeZone: "UTC"}, "")
	if err != nil {
		b.Fatal(err)
	}
	m := &machineBench{store: db.Monitoring(), ids: ids}
	for i := range equipment {
		eq, err := svc.Equipment.Create(ctx, plant.Equipment{Record: plant.Record{SiteID: site.ID, Code: fmt.Sprintf("EQ-%03d", i), Name: "Filler"}}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		m.eq = append(m.eq, eq.ID)
		for _, role := range []monitoring.Role{monitoring.RoleGood, monitoring.RoleState} {
			t, err := m.store.SaveTag(ctx, monitoring.Tag{EquipmentID: eq.ID, Address: fmt.Sprintf("bench/%d/%s", i, role), Role: role, Active: true}, "")
			if err != nil {
				b.Fatal(err)
			}
			if role == monitoring.RoleGood {
				m.counters = append(m.counters, t.ID)
			} else {
				m.states = append(m.states, t.ID)
			}
		}
	}
	for i := range processTags {
		t, err := m.store.SaveTag(ctx, monitoring.Tag{EquipmentID: m.eq[i%equipment], Address: fmt.Sprintf("bench/p/%d", i),
			Role: monitoring.RoleProcess, Unit: "degC", Active: true}, "")
		if err != nil {
			b.Fatal(err)
		}
		m.process = append(m.process, t.ID)
	}
	return m
}

// values returns n process values from t on, spread over the process tags,
// each tag sampled every millisecond.
func (m *machineBench) values(t time.Time, n int) []monitoring.ProcessValue {
	vs := make([]monitoring.ProcessValue, n)
	for i := range vs {
		k := len(m.process)
		vs[i] = monitoring.ProcessValue{TagID: m.process[i%k], Time: t.Add(time.Duration(i/k) * time.Millisecond), Value: 70 + float64(i%100)/10}
	}
	return vs
}

// processCPU returns the CPU time this process has used: with SQLite, the
// whole cost of a write, whatever else the machine runs meanwhile.
func processCPU() time.Duration {
	var u syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// reportSamples reports samples per second of wall time and CPU
// microseconds of this process per sample (on PostgreSQL, the client's only).
func reportSamples(b *testing.B, samples int, cpu time.Duration) {
	b.ReportMetric(float64(samples)/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(samples), "cpu-µs/sample")
}

// BenchmarkWriteValues books batches of process values only: the bulk of
// machine data.
func BenchmarkWriteValues(b *testing.B) {
	for _, e := range storetest.Engines() {
		for _, size := range []int{1000, 5000} {
			b.Run(fmt.Sprintf("%s/batch=%d", e.Name, size), func(b *testing.B) {
				m := newMachineBench(b, e, 10, 100)
				ctx := context.Background()
				t := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
				samples, cpu := 0, processCPU()
				for b.Loop() {
					vs := m.values(t, size)
					if err := m.store.Write(ctx, monitoring.Batch{Values: vs}); err != nil {
						b.Fatal(err)
					}
					t = t.Add(time.Second)
					samples += size
				}
				reportSamples(b, samples, processCPU()-cpu)
			})
		}
	}
}

// BenchmarkWriteMixed books batches as the pipeline makes them from a line
// of 50 machines: per batch, 1,000 process values, a good counter reading
// of every machine (a count and a watermark each) and 5 state changes
// (each a state reading's watermark, an interval closed and one opened).
func BenchmarkWriteMixed(b *testing.B) {
	const machines, values, changes = 50, 1000, 5
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			m := newMachineBench(b, e, machines, 100)
			ctx := context.Background()
			t := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
			open := map[forkline.ID]monitoring.Interval{}
			samples, round, cpu := 0, 0, processCPU()
			for b.Loop() {
				batch := monitoring.Batch{Values: m.values(t, values)}
				for i, eq := range m.eq {
					batch.Counts = append(batch.Counts, monitoring.Count{EquipmentID: eq, Minute: t.Truncate(time.Minute), Good: 3})
					batch.Watermarks = append(batch.Watermarks, monitoring.Watermark{TagID: m.counters[i], Time: t, Value: float64(3 * round)})
				}
				for k := range changes {
					i := (round*changes + k) % machines
					eq := m.eq[i]
					if iv, ok := open[eq]; ok {
						iv.End = t
						batch.Close = append(batch.Close, iv)
					}
					iv := monitoring.Interval{ID: m.ids.New(), EquipmentID: eq, State: monitoring.States()[round%3], Start: t}
					batch.Open = append(batch.Open, iv)
					open[eq] = iv
					batch.Watermarks = append(batch.Watermarks, monitoring.Watermark{TagID: m.states[i], Time: t})
				}
				if err := m.store.Write(ctx, batch); err != nil {
					b.Fatal(err)
				}
				samples += values + machines + changes
				t = t.Add(time.Second)
				round++
			}
			reportSamples(b, samples, processCPU()-cpu)
		})
	}
}
