package mqtt_test

// The machine-data throughput benchmarks of docs/performance.md ("Machine
// data"): how many samples per second go from an MQTT publish to durable
// storage, next to what the broker alone and the database alone do, in the
// same run on the same machine.
//
// Every message has the shape of the JSON topic convention: one reading of
// valuesPerMsg process values of one equipment,
//
//	forkline/v1/bench/area/line1/eq3  {"timestamp": 1795838400123, "values": {"p000": 71.3, ..., "p099": 80.2}}
//
// sent with QoS 1 by publishers clients at once, each publisher the
// gateway of one equipment, each with up to window messages not yet
// acknowledged. A sample counts once its message is acknowledged: with
// IngestInline, the publisher's PUBACK means the samples are in the database.
//
//	go test ./internal/mqtt -run '^$' -bench MachineData -benchtime 20000x -count 3
//	FORKLINE_TEST_POSTGRES_URL=postgres://... FORKLINE_TEST_MQTT_URL=tcp://127.0.0.1:1883 go test ...
//
// Sub-benchmarks (b.N is messages in each):
//
//	broker               the embedded broker alone: publishers -> broker -> one QoS 1 subscriber draining
//	<engine>/insert      MonitoringStore.Write of the same samples, msgs messages a transaction
//	<engine>/pipeline    decoded messages submitted to the pipeline by publishers goroutines,
//	                     one at a time each (inflight=1) or window at a time
//	<engine>/inline      publishers -> embedded broker with IngestInline -> pipeline -> database
//	<engine>/mosquitto   publishers -> Mosquitto -> mqtt.Client -> pipeline -> database
//	                     (FORKLINE_TEST_MQTT_URL; counted when the client acknowledged)

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/mqtt"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sparkplug"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

const (
	publishers   = 8   // MQTT clients publishing at once, one equipment each
	valuesPerMsg = 100 // process values in one message
	window       = 16  // QoS 1 messages a publisher has in flight
)

// benchBase is the time of the first sample; each message is a
// millisecond after the previous one, so that no value repeats a stored one.
var benchBase = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// ingestFixture is a database with publishers equipment of valuesPerMsg
// mapped process tags each, and a running pipeline over it.
type ingestFixture struct {
	db    *sqlstore.DB
	store *sqlstore.MonitoringStore
	pipe  *monitoring.Pipeline
	tags  [publishers][valuesPerMsg]forkline.ID
	seq   atomic.Int64 // the last message's millisecond after benchBase
}

func topicOf(p int) string { return fmt.Sprintf("forkline/v1/bench/area/line1/eq%d", p) }

func tagName(i int) string { return fmt.Sprintf("p%03d", i) }

func newIngestFixture(b *testing.B, e storetest.Engine) *ingestFixture {
	b.Helper()
	c := storetest.NewClock(benchBase)
	db := storetest.Open(b, e, c)
	ctx := storetest.SystemContext()
	ids := forkline.NewIDGenerator(c.Now)
	svc := plant.NewService(db.Plant(), ids, c.Now)
	site, err := svc.Sites.Create(ctx, plant.Site{Record: plant.Record{Code: "BEN", Name: "Bench"}, TimeZone: "UTC"}, "")
	if err != nil {
		b.Fatal(err)
	}
	f := &ingestFixture{db: db, store: db.Monitoring()}
	for p := range publishers {
		eq, err := svc.Equipment.Create(ctx, plant.Equipment{Record: plant.Record{SiteID: site.ID, Code: fmt.Sprintf("EQ-%d", p), Name: "Filler"}}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		for i := range valuesPerMsg {
			t, err := f.store.SaveTag(ctx, monitoring.Tag{EquipmentID: eq.ID, Address: topicOf(p) + "/" + tagName(i),
				Role: monitoring.RoleProcess, Unit: "degC", Active: true}, "")
			if err != nil {
				b.Fatal(err)
			}
			f.tags[p][i] = t.ID
		}
	}
	f.pipe = monitoring.NewPipeline(f.store, ids, time.Now, nil)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.pipe.Run(runCtx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	for !f.pipe.Ready() {
		time.Sleep(time.Millisecond)
	}
	return f
}

// payload appends message ms of the JSON convention: valuesPerMsg values
// at benchBase + ms milliseconds.
func payload(dst []byte, ms int64) []byte {
	dst = append(dst, `{"timestamp": `...)
	dst = strconv.AppendInt(dst, benchBase.UnixMilli()+ms, 10)
	dst = append(dst, `, "values": {`...)
	for i := range valuesPerMsg {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, '"')
		dst = append(dst, tagName(i)...)
		dst = append(dst, `": `...)
		dst = strconv.AppendFloat(dst, 70+float64((int(ms)+i)%200)/10, 'f', -1, 64)
	}
	return append(dst, "}}"...)
}

// processCPU returns the CPU time this process has used so far.
func processCPU() time.Duration {
	var u syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// report reports messages and samples per second of wall time, and the CPU
// microseconds this process spent per sample since cpu (publishers, broker,
// pipeline and SQLite all run in it; PostgreSQL and Mosquitto do not).
func report(b *testing.B, msgs int, cpu time.Duration) {
	samples := float64(msgs * valuesPerMsg)
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(samples/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/1e3/samples, "cpu-µs/sample")
}

// shares splits n messages over the publishers.
func shares(n int) [publishers]int {
	var s [publishers]int
	for i := range n {
		s[i%publishers]++
	}
	return s
}

// publish sends n messages of the JSON convention for every publisher
// (connected clients pubs) with QoS 1, up to window in flight each, and
// returns when every one is acknowledged. With ahead set, each publisher
// waits before a message until ahead(sent) is false: a flow control for a
// broker that acknowledges before the samples are stored.
func publish(b *testing.B, pubs []paho.Client, seq *atomic.Int64, n int, ahead func(sent int64) bool) {
	var sent atomic.Int64
	var wg sync.WaitGroup
	for p, share := range shares(n) {
		wg.Go(func() {
			topic := topicOf(p)
			inflight := make(chan paho.Token, window)
			var buf []byte
			for range share {
				if len(inflight) == window {
					waitPub(b, <-inflight)
				}
				for ahead != nil && ahead(sent.Load()) {
					time.Sleep(200 * time.Microsecond)
				}
				sent.Add(1)
				buf = payload(buf[:0], seq.Add(1))
				inflight <- pubs[p].Publish(topic, 1, false, append([]byte(nil), buf...))
			}
			close(inflight)
			for tok := range inflight {
				waitPub(b, tok)
			}
		})
	}
	wg.Wait()
}

func waitPub(b *testing.B, tok paho.Token) {
	if !tok.WaitTimeout(time.Minute) || tok.Error() != nil {
		b.Errorf("publish: not acknowledged: %v", tok.Error())
	}
}

func connectPublishers(b *testing.B, url string) []paho.Client {
	b.Helper()
	pubs := make([]paho.Client, publishers)
	for p := range pubs {
		opts := paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("bench-pub-%s-%d", uniqueID(), p)).
			SetAutoReconnect(false).SetCleanSession(true).SetWriteTimeout(time.Minute)
		pubs[p] = paho.NewClient(opts)
		if tok := pubs[p].Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
			b.Fatalf("connect publisher: %v", tok.Error())
		}
	}
	b.Cleanup(func() {
		for _, c := range pubs {
			c.Disconnect(0)
		}
	})
	return pubs
}

func BenchmarkMachineData(b *testing.B) {
	b.Run("broker", benchBroker)
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			f := newIngestFixture(b, e)
			for _, msgs := range []int{publishers, 16 * publishers} {
				b.Run(fmt.Sprintf("insert/msgs=%d", msgs), func(b *testing.B) { f.benchInsert(b, msgs) })
			}
			b.Run("pipeline/inflight=1", func(b *testing.B) { f.benchPipeline(b, 1) })
			b.Run(fmt.Sprintf("pipeline/inflight=%d", window), func(b *testing.B) { f.benchPipeline(b, window) })
			b.Run("inline", f.benchInline)
			b.Run("mosquitto", f.benchMosquitto)
		})
	}
}

// benchBroker: the embedded broker without ingest, a subscriber draining
// every message with QoS 1.
func benchBroker(b *testing.B) {
	br, err := mqtt.StartBroker("127.0.0.1:0", discard())
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	url := "tcp://" + br.Addr()
	var got atomic.Int64
	all := make(chan struct{})
	var want atomic.Int64
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("bench-sub-" + uniqueID()).
		SetAutoReconnect(false).SetCleanSession(true).SetOrderMatters(false))
	if tok := sub.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer sub.Disconnect(0)
	if tok := sub.Subscribe(mqtt.JSONPrefix+"#", 1, func(paho.Client, paho.Message) {
		if got.Add(1) == want.Load() {
			all <- struct{}{}
		}
	}); !tok.WaitTimeout(wait) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	pubs := connectPublishers(b, url)
	var seq atomic.Int64
	got.Store(0)
	want.Store(int64(b.N))
	b.ResetTimer()
	cpu := processCPU()
	publish(b, pubs, &seq, b.N, nil)
	select {
	case <-all:
	case <-time.After(time.Minute):
		b.Fatalf("the subscriber got %d of %d messages", got.Load(), b.N)
	}
	b.StopTimer()
	report(b, b.N, cpu)
}

// benchInsert: the samples of b.N messages as process values, written with
// MonitoringStore.Write, msgs messages (of all publishers in turn) a batch.
func (f *ingestFixture) benchInsert(b *testing.B, msgs int) {
	ctx := context.Background()
	batch := make([]monitoring.ProcessValue, 0, msgs*valuesPerMsg)
	b.ResetTimer()
	cpu := processCPU()
	for done := 0; done < b.N; {
		batch = batch[:0]
		for k := 0; k < msgs && done < b.N; k++ {
			p := k % publishers
			at := benchBase.Add(time.Duration(f.seq.Add(1)) * time.Millisecond)
			for i := range valuesPerMsg {
				batch = append(batch, monitoring.ProcessValue{TagID: f.tags[p][i], Time: at, Value: 70 + float64(i)/10})
			}
			done++
		}
		if err := f.store.Write(ctx, monitoring.Batch{Values: batch}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	report(b, b.N, cpu)
}

// benchPipeline: messages decoded and handed to the pipeline by publishers
// goroutines, with up to inflight messages each on their way (Submit; 1:
// Ingest, one at a time, as the broker did before it pipelined).
func (f *ingestFixture) benchPipeline(b *testing.B, inflight int) {
	ctx := context.Background()
	now := time.Now()
	stored := f.pipe.Stats().Stored
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu := processCPU()
	for p, share := range shares(b.N) {
		wg.Go(func() {
			waits := make(chan func() error, inflight)
			var buf []byte
			for range share {
				if len(waits) == inflight {
					if err := (<-waits)(); err != nil {
						b.Error(err)
						return
					}
				}
				buf = payload(buf[:0], f.seq.Add(1))
				samples, err := mqtt.DecodeJSON(topicOf(p), buf, now)
				if err != nil {
					b.Error(err)
					return
				}
				waits <- f.pipe.Submit(ctx, samples)
			}
			close(waits)
			for w := range waits {
				if err := w(); err != nil {
					b.Error(err)
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	report(b, b.N, cpu)
	f.checkStored(b, stored, b.N)
}

// benchInline: publishers -> embedded broker with IngestInline -> the
// pipeline; a message counts when its publisher got the PUBACK.
func (f *ingestFixture) benchInline(b *testing.B) {
	br, err := mqtt.StartBroker("127.0.0.1:0", discard(), mqtt.IngestInline(f.pipe, sparkplug.NewHost("bench-"+uniqueID()), time.Now))
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	pubs := connectPublishers(b, "tcp://"+br.Addr())
	stored := f.pipe.Stats().Stored
	b.ResetTimer()
	cpu := processCPU()
	publish(b, pubs, &f.seq, b.N, nil)
	b.StopTimer()
	report(b, b.N, cpu)
	f.checkStored(b, stored, b.N)
}

// benchMosquitto: publishers -> Mosquitto -> mqtt.Client (a persistent
// session, acknowledging after storage) -> the pipeline. A message counts
// when the client acknowledged it to Mosquitto.
func (f *ingestFixture) benchMosquitto(b *testing.B) {
	url := os.Getenv("FORKLINE_TEST_MQTT_URL")
	if url == "" {
		b.Skip("FORKLINE_TEST_MQTT_URL is not set (e.g. tcp://127.0.0.1:1883)")
	}
	clientID, hostID := "bench-host-"+uniqueID(), "bench-"+uniqueID()
	c := mqtt.New(mqtt.Config{URL: url, ClientID: clientID, HostID: hostID}, f.pipe, discard(), time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	defer func() {
		cancel()
		<-done
		// Leave nothing on the shared broker: the session and the STATE.
		cl := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(clientID).SetCleanSession(true).SetAutoReconnect(false))
		if tok := cl.Connect(); tok.WaitTimeout(wait) && tok.Error() == nil {
			cl.Publish(sparkplug.StateTopic(hostID), 1, true, []byte{}).WaitTimeout(wait)
			cl.Disconnect(100)
		}
	}()
	for !c.Stats().Connected || c.Stats().Published == 0 {
		time.Sleep(time.Millisecond)
	}
	pubs := connectPublishers(b, url)
	acked := c.Stats().Acked
	stored := f.pipe.Stats().Stored
	b.ResetTimer()
	cpu := processCPU()
	// Mosquitto keeps at most 1,000 queued messages of a session
	// (max_queued_messages) and drops the rest: stay below.
	publish(b, pubs, &f.seq, b.N, func(sent int64) bool { return sent-(c.Stats().Acked-acked) > 500 })
	deadline := time.Now().Add(time.Minute)
	for c.Stats().Acked-acked < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("the client acknowledged %d of %d messages", c.Stats().Acked-acked, b.N)
		}
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
	report(b, b.N, cpu)
	f.checkStored(b, stored, b.N)
}

// checkStored fails unless the pipeline stored the samples of msgs
// messages since it had stored before.
func (f *ingestFixture) checkStored(b *testing.B, before int64, msgs int) {
	s := f.pipe.Stats()
	if s.Unmapped+s.Invalid > 0 || s.Stored-before != int64(msgs*valuesPerMsg) {
		b.Fatalf("pipeline stats %+v: stored %d samples, want %d", s, s.Stored-before, msgs*valuesPerMsg)
	}
}
