package monitoring

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/forkline/forkline"
)

// Pipeline is the one way machine samples reach the database. Ingest calls
// from every path queue up; one loop takes everything queued, books it in one
// transaction (group commit) and then answers every caller of that batch.
// While the database is unavailable the loop retries and the callers wait,
// so nothing is acknowledged before it is stored; MQTT and OPC UA hold their
// acknowledgements and the brokers buffer.
type Pipeline struct {
	store Store
	ids   *forkline.IDGenerator
	now   func() time.Time
	log   *slog.Logger

	// MaxBatch bounds the samples booked in one transaction.
	MaxBatch int
	// Retry is the longest wait between two attempts to write a batch.
	Retry time.Duration
	// MaxAhead is how far past the server's clock a sample's time may be
	// (a machine's clock runs ahead); a later sample is invalid, since it
	// would hold its tag's watermark in the future.
	MaxAhead time.Duration

	queue   chan *request
	stopped chan struct{} // closed when Run returns
	reload  atomic.Bool
	sites   atomic.Pointer[map[string]forkline.ID] // address -> site, for any goroutine

	// owned by the loop
	tags  map[string]Tag
	marks map[forkline.ID]Watermark
	open  map[forkline.ID]Interval // by equipment

	mu       sync.Mutex
	unmapped map[string]Unmapped
	subs     map[chan Change]struct{}

	stats struct {
		samples, stored, repeats, unmapped, invalid, batches, failures atomic.Int64
		lag                                                            atomic.Int64 // µs between a sample's time and its commit, last batch
		ready                                                          atomic.Bool
	}
}

// Unmapped is an address that sent samples no tag maps, so that a person
// mapping tags can see what arrives.
type Unmapped struct {
	Address string
	Time    time.Time
	Value   Value
	Count   int64
}

// Change is what a committed batch changed, for live views.
type Change struct {
	// Equipment whose state, counts or process values changed.
	Equipment []forkline.ID
	// States that began, by equipment.
	States map[forkline.ID]Interval
}

// PipelineStats are counters since start.
type PipelineStats struct {
	Samples  int64 // received
	Stored   int64 // booked: process values, counter and state samples
	Repeats  int64 // counter and state samples at or before their watermark
	Unmapped int64 // samples no tag maps
	Invalid  int64 // samples whose value a tag cannot use
	Batches  int64 // transactions committed
	Failures int64 // transactions that failed and were retried
	Lag      time.Duration
	Queued   int // requests waiting
}

type request struct {
	ctx     context.Context
	samples []Sample
	done    chan error
}

// minSampleTime is the earliest time a sample may carry; maxCounter bounds
// a counter's value, the largest integer a float64 holds exactly.
var minSampleTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const maxCounter = 1 << 53

// maxUnmapped bounds the unmapped addresses kept in memory.
const maxUnmapped = 5000

// NewPipeline returns a pipeline over store. Call Run to start it.
func NewPipeline(store Store, ids *forkline.IDGenerator, now func() time.Time, log *slog.Logger) *Pipeline {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pipeline{
		store: store, ids: ids, now: now, log: log,
		MaxBatch: 20000, Retry: 5 * time.Second, MaxAhead: 10 * time.Minute,
		queue:    make(chan *request, 4096),
		stopped:  make(chan struct{}),
		unmapped: map[string]Unmapped{},
		subs:     map[chan Change]struct{}{},
	}
}

// Ingest queues samples and returns when they are stored, when ctx ends or
// when the pipeline stops. It implements Sink.
func (p *Pipeline) Ingest(ctx context.Context, samples []Sample) error {
	return p.Submit(ctx, samples)()
}

// Submit queues samples as Ingest does but returns once they are queued
// (or ctx ended); wait then returns what Ingest would have. Samples one
// goroutine submits one after the other are booked in that order, so a
// caller can keep reading while earlier samples are being stored, and the
// messages it has in flight join the same transaction: an MQTT client's
// window of unacknowledged messages, for example.
func (p *Pipeline) Submit(ctx context.Context, samples []Sample) (wait func() error) {
	if len(samples) == 0 {
		return func() error { return nil }
	}
	r := &request{ctx: ctx, samples: samples, done: make(chan error, 1)}
	select {
	case p.queue <- r:
	case <-ctx.Done():
		return ctx.Err
	case <-p.stopped:
		return func() error { return ErrStopped }
	}
	return func() error {
		select {
		case err := <-r.done:
			return err
		case <-p.stopped:
			// Run answered everything queued before it stopped.
			select {
			case err := <-r.done:
				return err
			default:
				return ErrStopped
			}
		case <-ctx.Done():
			// The batch may still commit; the caller does not acknowledge,
			// so a redelivery is recognised by the watermarks.
			return ctx.Err()
		}
	}
}

// SiteOf returns the site of the equipment an address is mapped to, and
// false when no active mapping takes it (or the pipeline has not loaded).
func (p *Pipeline) SiteOf(address string) (forkline.ID, bool) {
	m := p.sites.Load()
	if m == nil {
		return "", false
	}
	site, ok := (*m)[address]
	return site, ok
}

// Reload makes the pipeline read the tag mappings again before its next
// batch. Call it after a mapping changed.
func (p *Pipeline) Reload() { p.reload.Store(true) }

// Ready reports whether the pipeline has loaded its state and runs.
func (p *Pipeline) Ready() bool { return p.stats.ready.Load() }

// Stats returns the pipeline's counters.
func (p *Pipeline) Stats() PipelineStats {
	s := &p.stats
	return PipelineStats{
		Samples: s.samples.Load(), Stored: s.stored.Load(), Repeats: s.repeats.Load(),
		Unmapped: s.unmapped.Load(), Invalid: s.invalid.Load(), Batches: s.batches.Load(),
		Failures: s.failures.Load(), Lag: time.Duration(s.lag.Load()) * time.Microsecond, Queued: len(p.queue),
	}
}

// UnmappedAddresses returns the addresses seen without a mapping, by address.
func (p *Pipeline) UnmappedAddresses() []Unmapped {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Unmapped, 0, len(p.unmapped))
	for _, u := range p.unmapped {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// Subscribe returns a channel that receives what each batch changed, and a
// function that ends the subscription. A slow subscriber misses changes
// rather than slowing ingest.
func (p *Pipeline) Subscribe() (<-chan Change, func()) {
	ch := make(chan Change, 16)
	p.mu.Lock()
	p.subs[ch] = struct{}{}
	p.mu.Unlock()
	return ch, func() {
		p.mu.Lock()
		delete(p.subs, ch)
		p.mu.Unlock()
	}
}

func (p *Pipeline) load(ctx context.Context) error {
	tags, err := p.store.Tags(ctx)
	if err != nil {
		return err
	}
	p.tags = make(map[string]Tag, len(tags))
	sites := make(map[string]forkline.ID, len(tags))
	for _, t := range tags {
		if t.Active {
			p.tags[t.Address] = t
			sites[t.Address] = t.SiteID
		}
	}
	p.sites.Store(&sites)
	// The database holds what was committed: the watermarks (a mapping that
	// changed its role, address or equipment lost its own) and the open
	// intervals, also after a write whose outcome was unknown.
	marks, err := p.store.Watermarks(ctx)
	if err != nil {
		return err
	}
	p.marks = make(map[forkline.ID]Watermark, len(marks))
	for _, m := range marks {
		p.marks[m.TagID] = m
	}
	open, err := p.store.OpenIntervals(ctx)
	if err != nil {
		return err
	}
	p.open = make(map[forkline.ID]Interval, len(open))
	for _, iv := range open {
		p.open[iv.EquipmentID] = iv
	}
	return nil
}

// ErrStopped is what Ingest returns once the pipeline has stopped.
var ErrStopped = &forkline.Error{Code: forkline.Unavailable, Msg: "Machine data ingest has stopped: the server is shutting down."}

// Run loads the mappings and books batches until ctx ends. Requests still
// queued then are answered with ctx's error; later ones with ErrStopped.
// Run once.
func (p *Pipeline) Run(ctx context.Context) error {
	defer func() {
		close(p.stopped)
		p.drain(ErrStopped)
	}()
	for {
		err := p.load(ctx)
		if err == nil {
			break
		}
		p.log.Warn("machine data: cannot load tag mappings; retrying", "err", err)
		if !sleep(ctx, time.Second) {
			return ctx.Err()
		}
	}
	p.stats.ready.Store(true)
	defer p.stats.ready.Store(false)
	var batch []*request
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			p.drain(ctx.Err())
			return ctx.Err()
		case r := <-p.queue:
			batch = append(batch, r)
		}
		n := len(batch[0].samples)
	more:
		for n < p.MaxBatch {
			select {
			case r := <-p.queue:
				batch = append(batch, r)
				n += len(r.samples)
			default:
				break more
			}
		}
		p.book(ctx, batch)
	}
}

func (p *Pipeline) drain(err error) {
	for {
		select {
		case r := <-p.queue:
			r.done <- err
		default:
			return
		}
	}
}

// book writes one batch, retrying while the database is unavailable, and
// answers each of its callers exactly once. After any failed write the
// pipeline reads its state again from the database before it plans again,
// so a write whose commit did happen (its answer lost) is not booked twice:
// its samples are then repeats. A batch the database refuses as invalid (a
// rule it breaks will not go away) is not retried: its callers get the
// error and do not acknowledge. Everything else (the database down, busy,
// a lost connection) is retried.
func (p *Pipeline) book(ctx context.Context, batch []*request) {
	wait := 50 * time.Millisecond
	for {
		if p.reload.Swap(false) {
			if err := p.load(ctx); err != nil {
				p.reload.Store(true)
				p.stats.failures.Add(1)
				p.log.Warn("machine data: cannot read the pipeline's state; retrying", "err", err, "retryIn", wait)
				if !sleep(ctx, wait) {
					answer(batch, ctx.Err())
					return
				}
				wait = min(wait*2, p.Retry)
				continue
			}
		}
		// Callers that gave up are left out; their samples come again.
		live := batch[:0]
		for _, r := range batch {
			if r.ctx.Err() != nil {
				r.done <- r.ctx.Err()
				continue
			}
			live = append(live, r)
		}
		batch = live
		if len(batch) == 0 {
			return
		}
		b, next, change := p.plan(batch)
		err := error(nil)
		if !b.Empty() {
			err = p.store.Write(ctx, b)
		}
		if err == nil {
			p.commit(next, b, change)
			answer(batch, nil)
			return
		}
		if ctx.Err() != nil {
			answer(batch, ctx.Err())
			return
		}
		p.stats.failures.Add(1)
		p.reload.Store(true)
		if forkline.ErrorCode(err) == forkline.Invalid {
			p.log.Error("machine data: batch refused by the database; not acknowledged", "err", err, "samples", b.size())
			answer(batch, err)
			return
		}
		p.log.Warn("machine data: batch not stored; retrying", "err", err, "samples", b.size(), "retryIn", wait)
		if !sleep(ctx, wait) {
			answer(batch, ctx.Err())
			return
		}
		wait = min(wait*2, p.Retry)
	}
}

func answer(batch []*request, err error) {
	for _, r := range batch {
		r.done <- err
	}
}

func (b Batch) size() int { return len(b.Values) + len(b.Watermarks) }

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// next is the pipeline's state as it will be once a batch commits.
type next struct {
	marks    map[forkline.ID]Watermark
	open     map[forkline.ID]Interval
	unmapped map[string]Unmapped
	counts   struct{ samples, stored, repeats, unmapped, invalid int64 }
	oldest   time.Time
}

// plan turns the samples of a batch into what to write, without changing
// the pipeline: a failed write leaves it as it was.
func (p *Pipeline) plan(batch []*request) (Batch, *next, Change) {
	nx := &next{marks: map[forkline.ID]Watermark{}, open: map[forkline.ID]Interval{}, unmapped: map[string]Unmapped{}}
	var b Batch
	counts := map[countKey]*Count{}
	opened := map[forkline.ID]int{} // equipment -> index in b.Open
	touched := map[forkline.ID]struct{}{}
	change := Change{States: map[forkline.ID]Interval{}}
	earliest, latest := minSampleTime, p.now().Add(p.MaxAhead)
	mark := func(id forkline.ID) (Watermark, bool) {
		if m, ok := nx.marks[id]; ok {
			return m, true
		}
		m, ok := p.marks[id]
		return m, ok
	}
	current := func(eq forkline.ID) (Interval, bool) {
		if iv, ok := nx.open[eq]; ok {
			return iv, true
		}
		iv, ok := p.open[eq]
		return iv, ok
	}
	for _, r := range batch {
		for _, s := range r.samples {
			nx.counts.samples++
			t, ok := p.tags[s.Address]
			if !ok {
				nx.counts.unmapped++
				u := nx.unmapped[s.Address]
				nx.unmapped[s.Address] = Unmapped{Address: s.Address, Time: s.Time, Value: s.Value, Count: u.Count + 1}
				continue
			}
			at := s.Time.UTC().Truncate(time.Microsecond)
			if at.Before(earliest) || at.After(latest) {
				nx.counts.invalid++ // a clock far off: it would block the tag
				continue
			}
			if nx.oldest.IsZero() || at.Before(nx.oldest) {
				nx.oldest = at
			}
			switch t.Role {
			case RoleProcess:
				f, ok := s.Value.Float()
				if !ok {
					nx.counts.invalid++
					continue
				}
				b.Values = append(b.Values, ProcessValue{TagID: t.ID, Time: at, Value: f})
				touched[t.EquipmentID] = struct{}{}
				nx.counts.stored++
			case RoleGood, RoleReject:
				f, ok := s.Value.Float()
				if !ok || f < 0 || f >= maxCounter || (t.CounterMax > 0 && f > float64(t.CounterMax)) {
					nx.counts.invalid++
					continue
				}
				m, seen := mark(t.ID)
				if seen && !at.After(m.Time) {
					nx.counts.repeats++
					continue
				}
				nx.marks[t.ID] = Watermark{TagID: t.ID, Time: at, Value: f}
				nx.counts.stored++
				if !seen {
					continue // the first reading sets the baseline
				}
				d := CounterDelta(m.Value, f, t.CounterMax)
				if d == 0 {
					continue
				}
				k := countKey{t.EquipmentID, at.Truncate(time.Minute)}
				c := counts[k]
				if c == nil {
					c = &Count{EquipmentID: k.equipment, Minute: k.minute}
					counts[k] = c
				}
				if t.Role == RoleGood {
					c.Good += d
				} else {
					c.Reject += d
				}
				touched[t.EquipmentID] = struct{}{}
			case RoleState:
				m, seen := mark(t.ID)
				if seen && !at.After(m.Time) {
					nx.counts.repeats++
					continue
				}
				nx.marks[t.ID] = Watermark{TagID: t.ID, Time: at}
				nx.counts.stored++
				st := t.MapState(s.Value)
				cur, has := current(t.EquipmentID)
				if has && cur.State == st {
					continue
				}
				if has && !at.After(cur.Start) {
					// Another state tag of the same equipment already moved
					// past this time; keep the order of the intervals.
					continue
				}
				if has {
					cur.End = at
					if i, ok := opened[t.EquipmentID]; ok {
						b.Open[i] = cur
					} else {
						b.Close = append(b.Close, cur)
					}
				}
				iv := Interval{ID: p.ids.New(), EquipmentID: t.EquipmentID, State: st, Start: at}
				opened[t.EquipmentID] = len(b.Open)
				b.Open = append(b.Open, iv)
				nx.open[t.EquipmentID] = iv
				change.States[t.EquipmentID] = iv
				touched[t.EquipmentID] = struct{}{}
			}
		}
	}
	for _, c := range counts {
		b.Counts = append(b.Counts, *c)
	}
	sort.Slice(b.Counts, func(i, j int) bool {
		if b.Counts[i].EquipmentID != b.Counts[j].EquipmentID {
			return b.Counts[i].EquipmentID < b.Counts[j].EquipmentID
		}
		return b.Counts[i].Minute.Before(b.Counts[j].Minute)
	})
	for _, m := range nx.marks {
		b.Watermarks = append(b.Watermarks, m)
	}
	sort.Slice(b.Watermarks, func(i, j int) bool { return b.Watermarks[i].TagID < b.Watermarks[j].TagID })
	for eq := range touched {
		change.Equipment = append(change.Equipment, eq)
	}
	sort.Strings(change.Equipment)
	return b, nx, change
}

type countKey struct {
	equipment forkline.ID
	minute    time.Time
}

// CounterDelta returns the units a counter made between two readings. A
// counter that went down rolled over when it has a maximum and was past
// half of it (it counted up to max, then from 0); otherwise it was reset
// and counted from 0 to now.
func CounterDelta(prev, now float64, max int64) int64 {
	if now >= prev {
		return int64(now - prev)
	}
	if max > 0 && prev > float64(max)/2 && prev <= float64(max) {
		return int64(float64(max)-prev) + 1 + int64(now)
	}
	return int64(now)
}

func (p *Pipeline) commit(nx *next, b Batch, change Change) {
	for id, m := range nx.marks {
		p.marks[id] = m
	}
	for eq, iv := range nx.open {
		p.open[eq] = iv
	}
	s := &p.stats
	s.samples.Add(nx.counts.samples)
	s.stored.Add(nx.counts.stored)
	s.repeats.Add(nx.counts.repeats)
	s.unmapped.Add(nx.counts.unmapped)
	s.invalid.Add(nx.counts.invalid)
	if !b.Empty() {
		s.batches.Add(1)
	}
	if !nx.oldest.IsZero() {
		s.lag.Store(p.now().Sub(nx.oldest).Microseconds())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for a, u := range nx.unmapped {
		old, ok := p.unmapped[a]
		if !ok && len(p.unmapped) >= maxUnmapped {
			continue
		}
		u.Count += old.Count
		p.unmapped[a] = u
	}
	if len(change.Equipment) == 0 {
		return
	}
	for ch := range p.subs {
		select {
		case ch <- change:
		default:
		}
	}
}
