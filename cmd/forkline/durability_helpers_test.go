//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
)

// patience bounds every wait of the durability test: generous, it only ends
// a run that would otherwise hang.
const patience = 30 * time.Second

// buildForkline builds the real binary into a temporary folder.
func buildForkline(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "forkline")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -o %s .: %v\n%s", bin, err, out)
	}
	return bin
}

// freeAddr returns a loopback address with a port nobody listens on now, so
// that a server can listen there again after it was killed.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// logBuffer collects a child process's log, safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serverProcess is "forkline serve" running as a child process.
type serverProcess struct {
	name   string // for messages: "first server", "restarted server"
	cmd    *exec.Cmd
	log    *logBuffer
	exited chan struct{}
	err    error // cmd.Wait's result, once exited is closed
}

// startServer runs "forkline serve args..." and returns once it has printed
// the address it serves: by then the ingest path is up. The child sees no
// FORKLINE_* variable of the test's environment, only its flags.
func startServer(t *testing.T, bin, name string, args ...string) *serverProcess {
	t.Helper()
	s := &serverProcess{name: name, log: new(logBuffer), exited: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"serve"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FORKLINE_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Stderr = s.log
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	printed := make(chan string, 1)
	go func() {
		rd := bufio.NewReader(stdout)
		line, _ := rd.ReadString('\n')
		printed <- line
		io.Copy(io.Discard, rd)
	}()
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
	select {
	case line := <-printed:
		if !regexp.MustCompile(`serving http://127\.0\.0\.1:\d+`).MatchString(line) {
			t.Fatalf("%s printed %q, want its URL\nlog:\n%s", name, line, s.log.String())
		}
	case <-time.After(patience):
		t.Fatalf("%s printed nothing within %v\nlog:\n%s", name, patience, s.log.String())
	}
	return s
}

// waitForLog waits until the server has logged text.
func (s *serverProcess) waitForLog(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !strings.Contains(s.log.String(), text) {
		select {
		case <-s.exited:
			t.Fatalf("%s exited (%v) before it logged %q\nlog:\n%s", s.name, s.err, text, s.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %q within %v\nlog:\n%s", s.name, text, patience, s.log.String())
		}
	}
}

// kill ends the server with SIGKILL, as a power cut or the OOM killer
// would, and waits until it is gone.
func (s *serverProcess) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL %s: %v", s.name, err)
	}
	select {
	case <-s.exited:
	case <-time.After(patience):
		t.Fatalf("%s still runs %v after SIGKILL", s.name, patience)
	}
}

// stop asks the server to shut down with SIGINT and checks it exits cleanly.
func (s *serverProcess) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("SIGINT %s: %v", s.name, err)
	}
	select {
	case <-s.exited:
		if s.err != nil {
			t.Errorf("%s exited with %v after SIGINT, want a clean exit\nlog:\n%s", s.name, s.err, s.log.String())
		}
	case <-time.After(patience):
		t.Fatalf("%s did not stop within %v of SIGINT\nlog:\n%s", s.name, patience, s.log.String())
	}
}

// plantTags are the mappings the durability test seeds.
type plantTags struct {
	equipment forkline.ID
	process   []forkline.ID // by index: the tag p00, p01, ...
	good      forkline.ID
	state     forkline.ID
}

// seedPlant makes a fresh database with one site, area, line and equipment,
// the equipment's state, good counter and nProcess process values, all mapped
// below topic by the JSON topic convention. It uses the services directly,
// as the CLI verbs do, and closes the database again.
func seedPlant(t *testing.T, dsn, topic string, nProcess int) plantTags {
	t.Helper()
	ctx := context.Background()
	a, err := openApp(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	sys := cliContext(ctx)
	const why = "durability test"
	site, err := a.plant.Sites.Create(sys, plant.Site{Record: plant.Record{Code: "DUR", Name: "Durability Dairy"}, TimeZone: "UTC"}, why)
	if err != nil {
		t.Fatalf("create site: %v", err)
	}
	area, err := a.plant.Areas.Create(sys, plant.Area{Record: plant.Record{SiteID: site.ID, Code: "PROC", Name: "Processing"}}, why)
	if err != nil {
		t.Fatalf("create area: %v", err)
	}
	line, err := a.plant.Lines.Create(sys, plant.Line{Record: plant.Record{SiteID: site.ID, Code: "CUP1", Name: "Cup line 1"}, AreaID: area.ID}, why)
	if err != nil {
		t.Fatalf("create line: %v", err)
	}
	eq, err := a.plant.Equipment.Create(sys, plant.Equipment{Record: plant.Record{SiteID: site.ID, Code: "FILL1", Name: "Cup filler"}, LineID: line.ID}, why)
	if err != nil {
		t.Fatalf("create equipment: %v", err)
	}
	tags := plantTags{equipment: eq.ID}
	save := func(tag string, role monitoring.Role, unit string) forkline.ID {
		saved, err := a.mon.SaveTag(sys, monitoring.Tag{EquipmentID: eq.ID, Address: topic + "/" + tag, Role: role, Unit: unit, Active: true}, "")
		if err != nil {
			t.Fatalf("map tag %s: %v", tag, err)
		}
		return saved.ID
	}
	tags.good = save("good", monitoring.RoleGood, "")
	tags.state = save("state", monitoring.RoleState, "")
	for k := range nProcess {
		tags.process = append(tags.process, save(processTag(k), monitoring.RoleProcess, "degC"))
	}
	return tags
}

func processTag(k int) string { return fmt.Sprintf("p%02d", k) }

// reading is what the edge node measures at seq: a unique time, the
// machine state (running at even seqs, idle at odd ones, so that every
// reading starts a state interval), the good counter, and process values
// that name their seq and tag.
type reading struct {
	base time.Time // the time of seq 0, whole milliseconds
	n    int       // process values per message
}

func (r reading) at(seq int) time.Time { return r.base.Add(time.Duration(seq) * time.Millisecond) }

// good is the counter at seq: it starts at 1000 and counts 1, 2 or 3 units
// a message, so a lost or doubled delta changes the total.
func (r reading) good(seq int) int64 {
	g := int64(1000)
	for i := 1; i <= seq; i++ {
		g += int64(1 + i%3)
	}
	return g
}

func (r reading) value(seq, k int) float64 { return float64(seq) + float64(k)/100 }

func (r reading) state(seq int) monitoring.State {
	if seq%2 == 0 {
		return monitoring.Running
	}
	return monitoring.Idle
}

func (r reading) payload(seq int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"timestamp": %d, "values": {"state": %q, "good": %d`, r.at(seq).UnixMilli(), r.state(seq), r.good(seq))
	for k := range r.n {
		fmt.Fprintf(&b, `, %q: %g`, processTag(k), r.value(seq, k))
	}
	b.WriteString("}}")
	return []byte(b.String())
}

// edgeNode is a machine gateway with store-and-forward, as plants run them:
// it publishes its readings with QoS 1, keeps every reading until the broker
// acknowledged it, and after a lost connection connects again and first
// publishes once more, in order, every reading not acknowledged. It does
// that itself rather than through paho's own resend (CleanSession false and
// auto-reconnect), which would keep the unacknowledged messages in paho's
// memory store: explicit, and the test knows exactly what it resent.
type edgeNode struct {
	url, clientID, topic string
	r                    reading
	window               int           // messages in flight at most
	pace                 time.Duration // between two new readings
	first                chan struct{} // closed: go on after seq 0

	mu          sync.Mutex
	acked       []bool // by seq
	nAcked      int
	next        int // the next new seq
	republished int // publishes of a seq after a lost connection
	connects    int
}

// ackedSoFar returns the seqs acknowledged so far, how many, and how many
// readings were published.
func (e *edgeNode) ackedSoFar() (acked []bool, n, published int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.acked), e.nAcked, e.next
}

func (e *edgeNode) ack(seq int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.acked[seq] {
		e.acked[seq] = true
		e.nAcked++
	}
}

// connect connects, trying again while the broker is not there.
func (e *edgeNode) connect(ctx context.Context) (paho.Client, error) {
	opts := paho.NewClientOptions().AddBroker(e.url).SetClientID(e.clientID).
		SetCleanSession(true).SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(5 * time.Second).SetWriteTimeout(5 * time.Second).SetOrderMatters(true)
	for {
		cl := paho.NewClient(opts)
		tok := cl.Connect()
		if tok.WaitTimeout(10*time.Second) && tok.Error() == nil {
			e.mu.Lock()
			e.connects++
			e.mu.Unlock()
			return cl, nil
		}
		cl.Disconnect(0)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

type flight struct {
	seq int
	tok paho.Token
}

// publish sends seqs [0, total) until every one is acknowledged, or ctx
// ends. When first is not nil, seq 1 waits until it is closed, so that the
// test can see seq 0, the counter's baseline, stored before the stream.
func (e *edgeNode) publish(ctx context.Context, total int) error {
	e.mu.Lock()
	e.acked = make([]bool, total)
	e.mu.Unlock()
	tick := time.NewTicker(e.pace)
	defer tick.Stop()
	for {
		cl, err := e.connect(ctx)
		if err != nil {
			return err
		}
		// Store-and-forward: what was sent and not acknowledged goes first.
		var resend []int
		e.mu.Lock()
		for seq := range e.next {
			if !e.acked[seq] {
				resend = append(resend, seq)
			}
		}
		e.mu.Unlock()
		var inflight []flight
		lost := false
		for !lost {
			for len(inflight) < e.window {
				var seq int
				switch {
				case len(resend) > 0:
					seq, resend = resend[0], resend[1:]
					e.mu.Lock()
					e.republished++
					e.mu.Unlock()
				case e.next < total:
					if e.next == 1 && e.first != nil {
						select {
						case <-ctx.Done():
							cl.Disconnect(0)
							return ctx.Err()
						case <-e.first:
						}
					}
					select {
					case <-ctx.Done():
						cl.Disconnect(0)
						return ctx.Err()
					case <-tick.C:
					}
					e.mu.Lock()
					seq = e.next
					e.next++
					e.mu.Unlock()
				default:
					seq = -1
				}
				if seq < 0 {
					break
				}
				inflight = append(inflight, flight{seq, cl.Publish(e.topic, 1, false, e.r.payload(seq))})
			}
			if len(inflight) == 0 {
				cl.Disconnect(250)
				return nil
			}
			f := inflight[0]
			select {
			case <-ctx.Done():
				cl.Disconnect(0)
				return ctx.Err()
			case <-f.tok.Done():
			}
			if f.tok.Error() != nil {
				lost = true
				break
			}
			e.ack(f.seq)
			inflight = inflight[1:]
		}
		// The connection is gone: paho completes every token in flight, with
		// an error unless its PUBACK came in time.
		for _, f := range inflight {
			if f.tok.WaitTimeout(patience) && f.tok.Error() == nil {
				e.ack(f.seq)
			}
		}
		cl.Disconnect(0)
	}
}

// stored is what the database holds of the edge node's readings.
type stored struct {
	seqs      map[int]int // seq -> process values stored at its time (of r.n)
	states    map[int]int // seq -> state intervals that start at its time
	strays    []string    // values and intervals at a time no reading has, or not the reading's
	rows      int         // process values of the equipment, all times
	intervals int         // state intervals of the equipment
	good      int64       // the sum of equipment_counts.good
	mark      monitoring.Watermark
	markFound bool
}

// readStored reads the database at dsn with the project's store; the server
// may run meanwhile (SQLite in WAL mode lets a reader in).
func readStored(t *testing.T, dsn string, tags plantTags, r reading, total int) stored {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Now().UTC() }
	db, err := sqlstore.Open(ctx, dsn, forkline.NewIDGenerator(now), now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms := db.Monitoring()
	all := monitoring.Range{From: r.at(0).Add(-time.Hour), To: r.at(total).Add(time.Hour)}
	s := stored{seqs: map[int]int{}, states: map[int]int{}}
	for k, tag := range tags.process {
		vs, err := ms.Values(ctx, tag, all, 10*total+10)
		if err != nil {
			t.Fatalf("read process values of %s: %v", processTag(k), err)
		}
		s.rows += len(vs)
		for _, v := range vs {
			seq := int(v.Time.Sub(r.at(0)) / time.Millisecond)
			if !r.at(seq).Equal(v.Time) || seq < 0 || seq >= total || v.Value != r.value(seq, k) {
				s.strays = append(s.strays, fmt.Sprintf("%s at %s = %g", processTag(k), v.Time.Format(time.RFC3339Nano), v.Value))
				continue
			}
			s.seqs[seq]++
		}
	}
	ivs, err := ms.Intervals(ctx, []forkline.ID{tags.equipment}, all)
	if err != nil {
		t.Fatalf("read state intervals: %v", err)
	}
	s.intervals = len(ivs)
	for _, iv := range ivs {
		seq := int(iv.Start.Sub(r.at(0)) / time.Millisecond)
		if !r.at(seq).Equal(iv.Start) || seq < 0 || seq >= total || iv.State != r.state(seq) {
			s.strays = append(s.strays, fmt.Sprintf("state %s from %s", iv.State, iv.Start.Format(time.RFC3339Nano)))
			continue
		}
		s.states[seq]++
	}
	counts, err := ms.Counts(ctx, []forkline.ID{tags.equipment}, all)
	if err != nil {
		t.Fatalf("read counts: %v", err)
	}
	for _, c := range counts {
		s.good += c.Good
	}
	marks, err := ms.Watermarks(ctx)
	if err != nil {
		t.Fatalf("read watermarks: %v", err)
	}
	for _, m := range marks {
		if m.TagID == tags.good {
			s.mark, s.markFound = m, true
		}
	}
	return s
}

// lastSeq returns the seq of the good counter's watermark, or -1.
func (s stored) lastSeq(r reading) int {
	if !s.markFound {
		return -1
	}
	return int(s.mark.Time.Sub(r.at(0)) / time.Millisecond)
}

// complete reports whether every seq below total is stored.
func (s stored) complete(r reading, total int) bool {
	return len(s.seqs) == total && s.lastSeq(r) == total-1
}

// waitStored polls the database until every reading is stored, and returns
// an error when that does not happen within patience.
func waitStored(t *testing.T, dsn string, tags plantTags, r reading, total int) error {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		s := readStored(t, dsn, tags, r, total)
		if s.complete(r, total) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v the database holds %d of %d readings, the counter at seq %d", patience, len(s.seqs), total, s.lastSeq(r))
		}
		time.Sleep(100 * time.Millisecond) // polling interval, not an assertion
	}
}

// forgetSession removes the persistent session Forkline's client left at an
// external broker and its retained STATE, so that runs do not pile up
// sessions that queue messages for nobody.
func forgetSession(url, clientID, stateTopic string) error {
	opts := paho.NewClientOptions().AddBroker(url).SetClientID(clientID).SetCleanSession(true).SetConnectTimeout(5 * time.Second)
	cl := paho.NewClient(opts)
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		return errors.Join(errors.New("connect to clear the session"), tok.Error())
	}
	defer cl.Disconnect(250)
	if tok := cl.Publish(stateTopic, 1, true, []byte{}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		return errors.Join(errors.New("clear the retained STATE"), tok.Error())
	}
	return nil
}
