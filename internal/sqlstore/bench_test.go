package sqlstore_test

// The genealogy benchmarks of issue #3: a plant history of 1,000,000 lots
// (supplier receipts, intermediates in up to three levels, finished lots
// and their shipments) is generated once per engine and per run, loaded
// with plain SQL, and then traced, recalled and consumed through the real
// services and the real HTTP handler. docs/performance.md records the
// results; scripts/tracebench runs them and prints its tables:
//
//	go test ./internal/sqlstore/ -run '^$' -bench 'Trace|RecallScope|Consume' -benchtime 5s -timeout 90m
//	FORKLINE_TEST_POSTGRES_URL=postgres://... go test ...   PostgreSQL too, in a schema of its own
//	FORKLINE_BENCH_LOTS=50000 go test ...                    a smaller plant, for a quick look
//
// Nothing here runs without -bench: the data is made by the first benchmark
// that needs it and removed by TestMain when the run ends. Every request
// goes to 127.0.0.1.

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/httpapi"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/postgres"
	"github.com/forkline/forkline/internal/sqlite"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// benchLotsEnv sets how many lots the generated plant has.
const benchLotsEnv = "FORKLINE_BENCH_LOTS"

// benchDirEnv names a folder to keep the generated SQLite database in
// (forkline-<lots>.db); it also keeps the PostgreSQL schema
// (tracebench_<lots>). Both are used again by the next run instead of being
// generated. The benchmarks add to the ledger, so a database used again is
// not quite the fresh one: use it for quick looks, not for records.
const benchDirEnv = "FORKLINE_BENCH_DIR"

// benchSeed fixes the plant history and the start lots of every run.
const benchSeed = 20240101

func TestMain(m *testing.M) {
	code := m.Run()
	if err := benchPlants.close(); err != nil {
		fmt.Fprintln(os.Stderr, "remove benchmark databases:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// benchPlants holds the generated databases of one run, one per engine, so
// that the benchmarks share them: generating one takes a minute or more.
// It is the one piece of package state, and it lives only in this test binary.
var benchPlants = &plantCache{byEngine: map[string]*benchPlant{}}

type plantCache struct {
	mu       sync.Mutex
	history  *history
	byEngine map[string]*benchPlant
	closers  []func() error
}

func (c *plantCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for i := len(c.closers) - 1; i >= 0; i-- {
		errs = append(errs, c.closers[i]())
	}
	c.closers = nil
	return errors.Join(errs...)
}

// ---------------------------------------------------------------------------
// The plant history, in memory.

// The shape of the plant. Item counts per level: level 0 is bought
// (ingredients, raw material, packaging), levels 1-3 are intermediates
// (work in progress), level 4 is finished goods.
var levelItems = [5]int{300, 40, 30, 20, 150}

const (
	maxReceiptUses = 10 // a receipt is consumed by 1-10 orders
	maxWIPUses     = 3  // an intermediate lot by 1-3 orders
	minStock       = 2  // lots with stock left kept per bought or intermediate item
	suppliersN     = 150
	customersN     = 300
	linesN         = 8
)

// material is a kind of bought material; names repeat with a number.
type material struct {
	name      string
	kind      plant.ItemKind
	unit      forkline.Unit
	cond      plant.StorageCondition
	shelfLife int
	ftl       bool // on the Food Traceability List
}

var materials = []material{
	{"Wheat flour", plant.Raw, forkline.Kilogram, plant.Ambient, 270, false},
	{"Rye flour", plant.Raw, forkline.Kilogram, plant.Ambient, 240, false},
	{"Granulated sugar", plant.Raw, forkline.Kilogram, plant.Ambient, 730, false},
	{"Unsalted butter", plant.Raw, forkline.Kilogram, plant.Chilled, 120, false},
	{"Liquid whole egg", plant.Raw, forkline.Kilogram, plant.Chilled, 28, false},
	{"Shell eggs", plant.Raw, forkline.Kilogram, plant.Chilled, 35, true},
	{"Whole milk", plant.Raw, forkline.Kilogram, plant.Chilled, 14, false},
	{"Soft cheese", plant.Raw, forkline.Kilogram, plant.Chilled, 60, true},
	{"Fresh yeast", plant.Ingredient, forkline.Kilogram, plant.Chilled, 35, false},
	{"Fine salt", plant.Ingredient, forkline.Kilogram, plant.Ambient, 1825, false},
	{"Sunflower oil", plant.Raw, forkline.Kilogram, plant.Ambient, 365, false},
	{"Cocoa powder", plant.Ingredient, forkline.Kilogram, plant.Ambient, 540, false},
	{"Dark chocolate chips", plant.Ingredient, forkline.Kilogram, plant.Ambient, 365, false},
	{"Roasted peanuts", plant.Raw, forkline.Kilogram, plant.Ambient, 180, false},
	{"Sesame seeds", plant.Raw, forkline.Kilogram, plant.Ambient, 365, false},
	{"Rolled oats", plant.Raw, forkline.Kilogram, plant.Ambient, 365, false},
	{"Romaine lettuce", plant.Raw, forkline.Kilogram, plant.Chilled, 10, true},
	{"Baby spinach", plant.Raw, forkline.Kilogram, plant.Chilled, 8, true},
	{"Tomatoes", plant.Raw, forkline.Kilogram, plant.Chilled, 12, true},
	{"Cucumbers", plant.Raw, forkline.Kilogram, plant.Chilled, 14, true},
	{"Fresh basil", plant.Raw, forkline.Kilogram, plant.Chilled, 7, true},
	{"Smoked salmon", plant.Raw, forkline.Kilogram, plant.Frozen, 180, true},
	{"Chicken breast", plant.Raw, forkline.Kilogram, plant.Frozen, 270, false},
	{"Glucose syrup", plant.Ingredient, forkline.Kilogram, plant.Ambient, 540, false},
	{"Vanilla extract", plant.Ingredient, forkline.Kilogram, plant.Ambient, 730, false},
	{"Folding carton", plant.Packaging, forkline.Each, plant.Ambient, 0, false},
	{"Printed film", plant.Packaging, forkline.Each, plant.Ambient, 0, false},
	{"Shipping case", plant.Packaging, forkline.Each, plant.Ambient, 0, false},
	{"PET tray", plant.Packaging, forkline.Each, plant.Ambient, 0, false},
	{"Label roll", plant.Packaging, forkline.Each, plant.Ambient, 0, false},
}

var (
	wipNames      = []string{"Bread dough", "Cookie dough", "Cake batter", "Fruit filling", "Tomato sauce", "Cheese blend", "Salad mix", "Cream filling"}
	finishedNames = []string{"Sandwich loaf", "Chocolate chip cookies", "Sponge cake", "Garden salad kit", "Margherita pizza", "Salmon wrap", "Oat bars", "Chicken pasta bake"}
)

// histItem is an item of the history: its level, recipe, and the lots of it
// that still have uses left, oldest first (first expired, first out).
type histItem struct {
	code      string
	name      string
	level     int
	mat       material
	line      int   // the line that makes it (levels 1-4)
	suppliers []int // who delivers it (level 0)
	bom       []int // what an order of it consumes, one lot of each
	pool      []int32
	head      int
}

// histLot is one lot. Receipts have order -1.
type histLot struct {
	item    int32
	order   int32
	t       int64 // created, Unix microseconds
	seq     int32 // the day's lot code sequence
	loc     int16 // index into the storage locations
	sup     int16 // supplier of a receipt
	supLot  int32 // the supplier's lot number of a receipt
	uses    int8  // uses left
	portion int64 // micro-units each use takes
	qty     int64 // micro-units received or produced
	left    int64 // micro-units on hand at the end
}

// histInput is what an order consumed of one lot.
type histInput struct {
	lot int32
	qty int64
}

// histOrder is a production order: its inputs each link to each output.
// They are ranges of history.inputs and history.outputs.
type histOrder struct {
	item      int32
	t         int64
	in, nIn   int32
	out, nOut int32
}

// histShipment is stock of a finished lot sent to a customer.
type histShipment struct {
	lot    int32
	t      int64
	cust   int16
	shipTo int8
	qty    int64
}

// history is the whole plant history the benchmarks load. It is generated
// in memory first, so that the in-memory floor and the choice of start lots
// see exactly what the database holds. It holds no pointers but in a few
// small fields: the garbage collector of the process that runs Forkline's
// services during the benchmarks then has no more to scan than a server's.
type history struct {
	loc        *time.Location
	start, end time.Time
	items      []histItem
	lots       []histLot
	orders     []histOrder
	ships      []histShipment
	shipTos    []int // ship-tos per customer
	custMinSL  []int // minimum shelf life per customer
	daySeq     map[string]int
	receipts   []int32
	finished   []int32
	inputs     []histInput
	outputs    []int32
	byID       map[[16]byte]int32  // lot by ID
	children   map[int32]adjacency // the in-memory floor: adjacency lists
	parents    map[int32]adjacency
	edges      []memEdge // what the adjacency lists point into
	edgesTotal int
}

func (h *history) orderInputs(o histOrder) []histInput { return h.inputs[o.in : o.in+o.nIn] }
func (h *history) orderOutputs(o histOrder) []int32    { return h.outputs[o.out : o.out+o.nOut] }

// lotID is the ID of lot i.
func (h *history) lotID(i int32) forkline.ID { return formatID(benchID(h.lots[i].t, uint64(i))) }

// lotIndex finds a lot by its ID; -1 when there is none.
func (h *history) lotIndex(id forkline.ID) int32 {
	b, ok := parseID(id)
	if !ok {
		return -1
	}
	i, ok := h.byID[b]
	if !ok {
		return -1
	}
	return i
}

// The storage locations of the plant; histLot.loc indexes this list.
var benchLocations = []struct {
	code, name string
	kind       plant.LocationKind
	cond       plant.StorageCondition
}{
	{"DRY-A", "Dry store", plant.Warehouse, plant.Ambient},
	{"COOL-1", "Cooler 1 (2-4 °C)", plant.Warehouse, plant.Chilled},
	{"FRZ-1", "Freezer 1 (-20 °C)", plant.Warehouse, plant.Frozen},
	{"FG-DRY", "Finished goods, ambient", plant.Warehouse, plant.Ambient},
	{"FG-COOL", "Finished goods, chilled", plant.Warehouse, plant.Chilled},
	{"FG-FRZ", "Finished goods, frozen", plant.Warehouse, plant.Frozen},
	{"DOCK-IN", "Receiving dock", plant.Dock, plant.Ambient},
	{"QC-CAGE", "Quarantine cage", plant.Quarantine, plant.Ambient},
	// line-side racks L1-SIDE ... follow, one per line
}

func storeFor(c plant.StorageCondition, finished bool) int16 {
	i := int16(0)
	switch c {
	case plant.Chilled:
		i = 1
	case plant.Frozen:
		i = 2
	}
	if finished {
		i += 3
	}
	return i
}

func lineSide(line int) int16 { return int16(len(benchLocations) + line) }

// newHistory generates a plant history of about n lots. The bought items
// are received when their stock runs low; every order of a finished item
// pulls one lot of each recipe component, making intermediates as needed,
// so the genealogy is receipts -> 1-3 levels of intermediates -> finished
// lots -> shipments, with 3-8 input lots per order and 1-3 output lots.
func newHistory(n int) *history {
	r := rand.New(rand.NewPCG(benchSeed, 1))
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		panic(err)
	}
	h := &history{loc: loc, start: time.Date(2024, 1, 2, 6, 0, 0, 0, loc), daySeq: map[string]int{}}
	byLevel := make([][]int, len(levelItems))
	for lv, count := range levelItems {
		for i := range count {
			it := histItem{level: lv}
			switch lv {
			case 0:
				it.mat = materials[i%len(materials)]
				it.code = fmt.Sprintf("RM-%03d", i+1)
				it.name = fmt.Sprintf("%s %d", it.mat.name, i/len(materials)+1)
				for range 1 + r.IntN(3) {
					it.suppliers = append(it.suppliers, r.IntN(suppliersN))
				}
			case 4:
				it.mat = material{kind: plant.Finished, unit: forkline.Kilogram, cond: []plant.StorageCondition{plant.Ambient, plant.Chilled, plant.Frozen}[r.IntN(3)], shelfLife: 60 + r.IntN(300)}
				it.code = fmt.Sprintf("FG-%03d", i+1)
				it.name = fmt.Sprintf("%s %d", finishedNames[i%len(finishedNames)], i/len(finishedNames)+1)
				it.line = r.IntN(linesN)
			default:
				it.mat = material{kind: plant.WIP, unit: forkline.Kilogram, cond: plant.Chilled, shelfLife: 30 + r.IntN(90)}
				it.code = fmt.Sprintf("WIP%d-%03d", lv, i+1)
				it.name = fmt.Sprintf("%s L%d-%d", wipNames[i%len(wipNames)], lv, i/len(wipNames)+1)
				it.line = r.IntN(linesN)
			}
			byLevel[lv] = append(byLevel[lv], len(h.items))
			h.items = append(h.items, it)
		}
	}
	for i := range h.items {
		it := &h.items[i]
		if it.level == 0 {
			continue
		}
		size := 3 + r.IntN(6)
		if it.level > 1 {
			for range 1 + r.IntN(2) {
				lv := it.level - 1
				if it.level == 4 {
					lv = 2 + r.IntN(2) // finished goods from level 2 or 3
				}
				if c := byLevel[lv][r.IntN(len(byLevel[lv]))]; !slices.Contains(it.bom, c) {
					it.bom = append(it.bom, c)
				}
			}
		}
		for len(it.bom) < size {
			if c := byLevel[0][r.IntN(len(byLevel[0]))]; !slices.Contains(it.bom, c) {
				it.bom = append(it.bom, c)
			}
		}
	}
	for range customersN {
		h.shipTos = append(h.shipTos, 1+r.IntN(3))
		h.custMinSL = append(h.custMinSL, []int{0, 0, 5, 10, 20}[r.IntN(5)])
	}

	t := h.start.UnixMicro()
	tick := func() { t += int64(30+r.IntN(121)) * 1e6 }
	newLot := func(item int, order int32, place int16, uses int, portion int64) int32 {
		key := time.UnixMicro(t).In(loc).Format("2006-01-02")
		h.daySeq[key]++
		h.lots = append(h.lots, histLot{item: int32(item), order: order, t: t, seq: int32(h.daySeq[key]), loc: place,
			uses: int8(uses), portion: portion, qty: int64(uses) * portion})
		return int32(len(h.lots) - 1)
	}
	var produce func(item int)
	take := func(item int) histInput {
		it := &h.items[item]
		for len(it.pool)-it.head < minStock {
			produce(item)
		}
		id := it.pool[it.head]
		l := &h.lots[id]
		l.uses--
		if l.uses == 0 {
			it.head++
		}
		return histInput{lot: id, qty: l.portion}
	}
	produce = func(item int) {
		it := &h.items[item]
		if it.level == 0 {
			tick()
			portion := int64(5+r.IntN(96)) * 1e6
			if it.mat.unit == forkline.Each {
				portion = int64(100+r.IntN(1900)) * 1e6
			}
			id := newLot(item, -1, storeFor(it.mat.cond, false), 1+r.IntN(maxReceiptUses), portion)
			l := &h.lots[id]
			l.sup = int16(it.suppliers[r.IntN(len(it.suppliers))])
			l.supLot = int32(len(h.receipts) + 1)
			if len(h.receipts) > 0 && r.IntN(5) == 0 { // a second delivery of the same supplier lot
				if prev := &h.lots[h.receipts[len(h.receipts)-1]]; prev.item == l.item {
					l.sup, l.supLot = prev.sup, prev.supLot
				}
			}
			h.receipts = append(h.receipts, id)
			it.pool = append(it.pool, id)
			return
		}
		var inputs []histInput // taking may make other orders first
		for _, c := range it.bom {
			inputs = append(inputs, take(c))
		}
		o := histOrder{item: int32(item), in: int32(len(h.inputs)), nIn: int32(len(inputs)), out: int32(len(h.outputs))}
		h.inputs = append(h.inputs, inputs...)
		tick()
		o.t = t
		outputs, uses := 1+r.IntN(2), 1+r.IntN(maxWIPUses)
		if it.level == 4 {
			outputs, uses = 1+r.IntN(3), 1
		}
		for range outputs {
			loc := lineSide(it.line)
			portion := int64(20+r.IntN(480)) * 1e6
			if it.level == 4 {
				loc = storeFor(it.mat.cond, true)
				portion = int64(100+r.IntN(1900)) * 1e6
			}
			id := newLot(item, int32(len(h.orders)), loc, uses, portion)
			h.outputs = append(h.outputs, id)
			o.nOut++
			if it.level < 4 {
				it.pool = append(it.pool, id)
			} else {
				h.finished = append(h.finished, id)
			}
		}
		h.orders = append(h.orders, o)
	}
	for len(h.lots) < n {
		produce(byLevel[4][r.IntN(len(byLevel[4]))])
	}
	h.end = time.UnixMicro(t + 3600e6).In(loc)

	// What is left: the uses not taken of bought and intermediate lots;
	// finished lots ship in one to three parts over the next days, and
	// what would ship after the end is still on hand.
	for i := range h.lots {
		l := &h.lots[i]
		l.left = int64(l.uses) * l.portion
	}
	for _, id := range h.finished {
		l := &h.lots[id]
		l.left = l.qty
		parts := 1 + r.IntN(3)
		st := l.t
		for p := range parts {
			st += int64(12+r.IntN(96)) * 3600e6
			if st >= h.end.UnixMicro()-3600e6 {
				break
			}
			q := l.qty / int64(parts)
			if p == parts-1 {
				q = l.left
			}
			c := r.IntN(customersN)
			h.ships = append(h.ships, histShipment{lot: id, t: st, cust: int16(c), shipTo: int8(r.IntN(h.shipTos[c])), qty: q})
			l.left -= q
		}
	}

	h.byID = make(map[[16]byte]int32, len(h.lots))
	for i, l := range h.lots {
		h.byID[benchID(l.t, uint64(i))] = int32(i)
	}
	// Adjacency lists both ways, each lot's a range of one edge array.
	h.children = make(map[int32]adjacency, len(h.lots))
	h.parents = make(map[int32]adjacency, len(h.lots))
	for _, o := range h.orders {
		for _, in := range h.orderInputs(o) {
			for _, out := range h.orderOutputs(o) {
				c, p := h.children[in.lot], h.parents[out]
				c.n, p.n = c.n+1, p.n+1
				h.children[in.lot], h.parents[out] = c, p
				h.edgesTotal++
			}
		}
	}
	h.edges = make([]memEdge, 0, 2*h.edgesTotal)
	for i := range int32(len(h.lots)) {
		for _, adj := range []map[int32]adjacency{h.children, h.parents} {
			if a, ok := adj[i]; ok {
				a.off, a.n = int32(len(h.edges)), 0
				h.edges = h.edges[:len(h.edges)+int(adj[i].n)]
				adj[i] = a
			}
		}
	}
	for _, o := range h.orders {
		for _, in := range h.orderInputs(o) {
			for _, out := range h.orderOutputs(o) {
				c, p := h.children[in.lot], h.parents[out]
				h.edges[c.off+c.n] = memEdge{to: out, qty: in.qty}
				h.edges[p.off+p.n] = memEdge{to: in.lot, qty: in.qty}
				c.n, p.n = c.n+1, p.n+1
				h.children[in.lot], h.parents[out] = c, p
			}
		}
	}
	return h
}

// benchID makes a UUIDv7-shaped ID from a time (Unix microseconds) and a
// sequence number, so that IDs sort in time order as Forkline's do, and
// every run makes the same ones.
func benchID(micros int64, seq uint64) [16]byte {
	var b [16]byte
	ms := uint64(micros / 1000)
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6], b[7] = 0x70, 0
	for i := 15; i >= 8; i-- {
		b[i] = byte(seq)
		seq >>= 8
	}
	b[8] = 0x80 | b[8]&0x3f
	return b
}

const hexDigits = "0123456789abcdef"

// formatID writes b as Forkline writes IDs: 8-4-4-4-12 lowercase hex digits.
func formatID(b [16]byte) forkline.ID {
	var s [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hexDigits[c>>4], hexDigits[c&15]
		j += 2
	}
	return string(s[:])
}

// parseID reads an ID written by formatID.
func parseID(id forkline.ID) (b [16]byte, ok bool) {
	if !forkline.ValidID(id) {
		return b, false
	}
	j := 0
	for i := 0; i < len(id); i += 2 {
		if id[i] == '-' {
			i++
		}
		b[j] = byte(strings.IndexByte(hexDigits, id[i])<<4 | strings.IndexByte(hexDigits, id[i+1]))
		j++
	}
	return b, true
}

func (h *history) day(micros int64) time.Time {
	y, m, d := time.UnixMicro(micros).In(h.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// memEdge is one genealogy edge in the in-memory adjacency lists: the lot
// at the other end, and the quantity of the parent the order consumed.
type memEdge struct {
	to  int32
	qty int64
}

// adjacency is the range of history.edges that holds one lot's edges.
type adjacency struct{ off, n int32 }

// traceMemory is the floor: breadth-first search over adjacency lists held
// in Go maps (lot to its range of an edge array), returning the edges
// reached with their quantities.
func (h *history) traceMemory(root forkline.ID, dir inventory.Direction) (lots int, edges []memEdge) {
	adj := h.children
	if dir == inventory.Backward {
		adj = h.parents
	}
	start := h.lotIndex(root)
	if start < 0 {
		return 0, nil
	}
	seen := map[int32]bool{start: true}
	queue := []int32{start}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		a := adj[id]
		for _, e := range h.edges[a.off : a.off+a.n] {
			edges = append(edges, e)
			if !seen[e.to] {
				seen[e.to] = true
				queue = append(queue, e.to)
			}
		}
	}
	return len(seen), edges
}

// ---------------------------------------------------------------------------
// Master data, through the plant service.

// masterIDs are the IDs of the master records of one database.
type masterIDs struct {
	site      forkline.ID
	siteName  string
	items     []forkline.ID
	suppliers []forkline.ID
	supNames  []string
	supAddrs  []string
	customers []forkline.ID
	shipTos   [][]forkline.ID
	locations []forkline.ID
	lines     []forkline.ID
}

func seedMasterData(ctx context.Context, plants *plant.Service, h *history) (masterIDs, error) {
	var m masterIDs
	const why = "genealogy benchmark"
	site, err := plants.Sites.Create(ctx, plant.Site{Record: plant.Record{Code: "SPR", Name: "Springfield Foods"}, TimeZone: h.loc.String()}, why)
	if err != nil {
		return m, fmt.Errorf("site: %w", err)
	}
	m.site, m.siteName = site.ID, site.Name
	area, err := plants.Areas.Create(ctx, plant.Area{Record: plant.Record{SiteID: site.ID, Code: "PROD", Name: "Production"}}, why)
	if err != nil {
		return m, fmt.Errorf("area: %w", err)
	}
	for i := range linesN {
		l, err := plants.Lines.Create(ctx, plant.Line{Record: plant.Record{SiteID: site.ID, Code: fmt.Sprintf("L%d", i+1), Name: fmt.Sprintf("Line %d", i+1)}, AreaID: area.ID}, why)
		if err != nil {
			return m, fmt.Errorf("line: %w", err)
		}
		m.lines = append(m.lines, l.ID)
	}
	locs := slices.Clone(benchLocations)
	for i := range linesN {
		locs = append(locs, struct {
			code, name string
			kind       plant.LocationKind
			cond       plant.StorageCondition
		}{fmt.Sprintf("L%d-SIDE", i+1), fmt.Sprintf("Line %d line-side rack", i+1), plant.LineSide, plant.Chilled})
	}
	for _, l := range locs {
		rec, err := plants.Locations.Create(ctx, plant.Location{Record: plant.Record{SiteID: site.ID, Code: l.code, Name: l.name}, Kind: l.kind, Condition: l.cond}, why)
		if err != nil {
			return m, fmt.Errorf("location: %w", err)
		}
		m.locations = append(m.locations, rec.ID)
	}

	items := make([]plant.Item, len(h.items))
	for i, it := range h.items {
		items[i] = plant.Item{Record: plant.Record{SiteID: site.ID, Code: it.code, Name: it.name}, Kind: it.mat.kind, BaseUnit: it.mat.unit,
			ShelfLifeDays: it.mat.shelfLife, Condition: it.mat.cond, TraceabilityList: it.mat.ftl}
	}
	if _, err := plants.Items.Import(ctx, items, lineNumbers(len(items)), why); err != nil {
		return m, fmt.Errorf("items: %w", err)
	}
	for _, it := range items {
		m.items = append(m.items, it.ID)
	}
	sups := make([]plant.Supplier, suppliersN)
	for i := range sups {
		sups[i] = plant.Supplier{Record: plant.Record{SiteID: site.ID, Code: fmt.Sprintf("SUP-%03d", i+1), Name: fmt.Sprintf("Supplier %03d Foods", i+1)},
			Approval: plant.Approved, Address: fmt.Sprintf("%d Mill Road, Town %d", 10+i, i%40+1)}
	}
	if _, err := plants.Suppliers.Import(ctx, sups, lineNumbers(len(sups)), why); err != nil {
		return m, fmt.Errorf("suppliers: %w", err)
	}
	for _, s := range sups {
		m.suppliers, m.supNames, m.supAddrs = append(m.suppliers, s.ID), append(m.supNames, s.Name), append(m.supAddrs, s.Address)
	}
	custs := make([]plant.Customer, customersN)
	for i := range custs {
		custs[i] = plant.Customer{Record: plant.Record{SiteID: site.ID, Code: fmt.Sprintf("CUS-%03d", i+1), Name: fmt.Sprintf("Customer %03d Markets", i+1)},
			MinShelfLifeDays: h.custMinSL[i]}
		for k := range h.shipTos[i] {
			custs[i].ShipTos = append(custs[i].ShipTos, plant.ShipTo{Code: fmt.Sprintf("DC%d", k+1), Name: fmt.Sprintf("Distribution centre %d", k+1),
				Address: fmt.Sprintf("%d Commerce Way, City %d", 100+k, (i*7+k)%90+1)})
		}
	}
	if _, err := plants.Customers.Import(ctx, custs, lineNumbers(len(custs)), why); err != nil {
		return m, fmt.Errorf("customers: %w", err)
	}
	for _, c := range custs {
		m.customers = append(m.customers, c.ID)
		var sts []forkline.ID
		for _, st := range c.ShipTos {
			sts = append(sts, st.ID)
		}
		m.shipTos = append(m.shipTos, sts)
	}
	return m, nil
}

func lineNumbers(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// ---------------------------------------------------------------------------
// The ledger tables, as rows.

// The row values are Go values; these two types say how a time is stored.
type (
	tsValue  time.Time // TIMESTAMPTZ on PostgreSQL, fixed-width UTC text on SQLite
	dayValue time.Time // DATE on PostgreSQL, YYYY-MM-DD text on SQLite
)

// table is one ledger table's rows, generated on the fly.
type table struct {
	name string
	cols []string
	rows iter.Seq[[]any]
}

var lotColumns = []string{"id", "site_id", "item_id", "code", "tlc", "tlc_source", "tlc_source_ref", "origin", "status", "supplier_id",
	"supplier_lot", "order_ref", "line_id", "qty", "unit", "expires_on", "produced_on", "created_at", "version"}

var eventColumns = []string{"id", "site_id", "kind", "lot_id", "item_id", "location_id", "to_location_id", "qty", "unit", "entered", "status_from",
	"status_to", "reason", "note", "order_ref", "line_id", "supplier_id", "customer_id", "ship_to_id", "doc_type", "doc_number", "temperature",
	"corrects_id", "event_time", "recorded_at", "actor_id", "actor_name"}

func orderRef(o int32) string { return fmt.Sprintf("WO-%07d", o+1) }

// operators book the history; their IDs need no user record.
var operators = []struct{ id, name string }{
	{"0190a000-0000-7000-8000-000000000001", "Maria Lopez"}, {"0190a000-0000-7000-8000-000000000002", "James Carter"},
	{"0190a000-0000-7000-8000-000000000003", "Aisha Khan"}, {"0190a000-0000-7000-8000-000000000004", "Tom Becker"},
}

func (h *history) lotCode(i int) string {
	l := h.lots[i]
	return forkline.DefaultLotCodePattern.Expand("SPR", h.items[l.item].code, h.day(l.t), int(l.seq))
}

// histEvent is a ledger event before it has an ID: events are sorted by
// time and numbered in that order, so that IDs follow time.
type histEvent struct {
	t    int64
	kind inventory.EventKind
	lot  int32
	ref  int32 // order (consume, produce) or shipment (ship)
	qty  int64
}

func (h *history) events() []histEvent {
	evs := make([]histEvent, 0, len(h.lots)*4)
	for _, id := range h.receipts {
		evs = append(evs, histEvent{t: h.lots[id].t, kind: inventory.Receive, lot: id, qty: h.lots[id].qty})
	}
	for oi, o := range h.orders {
		for _, in := range h.orderInputs(o) {
			evs = append(evs, histEvent{t: o.t - 1e6, kind: inventory.Consume, lot: in.lot, ref: int32(oi), qty: in.qty})
		}
		for _, out := range h.orderOutputs(o) {
			evs = append(evs, histEvent{t: o.t, kind: inventory.Produce, lot: out, ref: int32(oi), qty: h.lots[out].qty})
		}
	}
	for si, s := range h.ships {
		evs = append(evs, histEvent{t: s.t, kind: inventory.Ship, lot: s.lot, ref: int32(si), qty: s.qty})
	}
	slices.SortStableFunc(evs, func(a, b histEvent) int { return int(a.t - b.t) })
	return evs
}

// tables returns the ledger tables in an order their foreign keys allow.
func (h *history) tables(m masterIDs) []table {
	pattern := forkline.DefaultLotCodePattern
	quantity := func(micros int64, u forkline.Unit) string { return forkline.QuantityFromMicros(micros, u).String() }
	lots := table{"lots", lotColumns, func(yield func([]any) bool) {
		row := make([]any, len(lotColumns))
		for i, l := range h.lots {
			it := h.items[l.item]
			code := h.lotCode(i)
			day := h.day(l.t)
			var expires any
			if it.mat.shelfLife > 0 {
				expires = dayValue(day.AddDate(0, 0, it.mat.shelfLife))
			}
			tlc, tlcSource, supplier, supLot, order, line, produced := code, m.siteName, any(nil), "", "", any(nil), any(nil)
			origin := inventory.Produced
			if l.order < 0 {
				origin = inventory.Received
				supplier = m.suppliers[l.sup]
				supLot = fmt.Sprintf("%s-%06d", h.items[l.item].code[3:], l.supLot)
				if it.mat.ftl { // FSMA 204: the supplier's traceability lot code is kept
					tlc, tlcSource = supLot, m.supNames[l.sup]+", "+m.supAddrs[l.sup]
				}
			} else {
				order, line, produced = orderRef(l.order), m.lines[it.line], dayValue(day)
			}
			copy(row, []any{h.lotID(int32(i)), m.site, m.items[l.item], code, tlc, tlcSource, "", string(origin), string(inventory.Released), supplier,
				supLot, order, line, l.qty, string(it.mat.unit), expires, produced, tsValue(time.UnixMicro(l.t)), 1})
			if !yield(row) {
				return
			}
		}
	}}
	sequences := table{"lot_sequences", []string{"site_id", "scope", "seq"}, func(yield func([]any) bool) {
		days := make([]string, 0, len(h.daySeq))
		for d := range h.daySeq {
			days = append(days, d)
		}
		slices.Sort(days)
		for _, d := range days {
			t, _ := time.Parse("2006-01-02", d)
			if !yield([]any{m.site, pattern.Scope("SPR", "", t), h.daySeq[d]}) {
				return
			}
		}
	}}
	events := table{"material_events", eventColumns, func(yield func([]any) bool) {
		row := make([]any, len(eventColumns))
		for i, e := range h.events() {
			l := h.lots[e.lot]
			it := h.items[l.item]
			op := operators[i%len(operators)]
			at := tsValue(time.UnixMicro(e.t))
			var (
				statusTo, orderRef_, docType, docNumber, temp string
				line, supplier, customer, shipTo              any
			)
			switch e.kind {
			case inventory.Receive:
				statusTo, supplier = string(inventory.Released), m.suppliers[l.sup]
				docType, docNumber = "PO", fmt.Sprintf("45%08d", l.supLot)
				if it.mat.cond == plant.Chilled {
					temp = strconv.Itoa(1+i%4) + ".5"
				}
			case inventory.Produce:
				statusTo, orderRef_, line = string(inventory.Released), orderRef(e.ref), m.lines[it.line]
				docType, docNumber = "production order", orderRef_
			case inventory.Consume:
				orderRef_, line = orderRef(e.ref), m.lines[h.items[h.orders[e.ref].item].line]
			case inventory.Ship:
				s := h.ships[e.ref]
				customer, shipTo = m.customers[s.cust], m.shipTos[s.cust][s.shipTo]
				docType, docNumber = "BOL", fmt.Sprintf("BOL-%07d", e.ref+1)
			}
			copy(row, []any{formatID(benchID(e.t, 1<<40+uint64(i))), m.site, string(e.kind), h.lotID(e.lot), m.items[l.item], m.locations[l.loc], nil,
				e.qty, string(it.mat.unit), quantity(e.qty, it.mat.unit), "", statusTo, "", "", orderRef_, line, supplier, customer, shipTo,
				docType, docNumber, temp, nil, at, at, op.id, op.name})
			if !yield(row) {
				return
			}
		}
	}}
	edges := table{"genealogy_edges", []string{"parent_id", "child_id", "order_ref", "qty"}, func(yield func([]any) bool) {
		type edge struct {
			parent, child, order int32
			qty                  int64
		}
		all := make([]edge, 0, h.edgesTotal)
		for oi, o := range h.orders {
			for _, in := range h.orderInputs(o) {
				for _, out := range h.orderOutputs(o) {
					all = append(all, edge{in.lot, out, int32(oi), in.qty})
				}
			}
		}
		slices.SortFunc(all, func(a, b edge) int { // primary key order
			if a.parent != b.parent {
				return int(a.parent - b.parent)
			}
			return int(a.child - b.child)
		})
		for _, e := range all {
			if !yield([]any{h.lotID(e.parent), h.lotID(e.child), orderRef(e.order), e.qty}) {
				return
			}
		}
	}}
	orderLots := table{"order_lots", []string{"site_id", "order_ref", "lot_id", "role", "qty"}, func(yield func([]any) bool) {
		for oi, o := range h.orders {
			ref := orderRef(int32(oi))
			ins := slices.Clone(h.orderInputs(o))
			slices.SortFunc(ins, func(a, b histInput) int { return int(a.lot - b.lot) })
			for _, in := range ins {
				if !yield([]any{m.site, ref, h.lotID(in.lot), "input", in.qty}) {
					return
				}
			}
			for _, out := range h.orderOutputs(o) {
				if !yield([]any{m.site, ref, h.lotID(out), "output", h.lots[out].qty}) {
					return
				}
			}
		}
	}}
	ordersSeen := table{"production_orders_seen", []string{"site_id", "order_ref", "commands"}, func(yield func([]any) bool) {
		for oi, o := range h.orders {
			if !yield([]any{m.site, orderRef(int32(oi)), o.nIn + o.nOut}) {
				return
			}
		}
	}}
	balances := table{"lot_balances", []string{"lot_id", "location_id", "site_id", "item_id", "qty"}, func(yield func([]any) bool) {
		for i, l := range h.lots {
			if !yield([]any{h.lotID(int32(i)), m.locations[l.loc], m.site, m.items[l.item], l.left}) {
				return
			}
		}
	}}
	return []table{sequences, lots, events, edges, orderLots, ordersSeen, balances}
}

// ---------------------------------------------------------------------------
// Loading.

// loadSQLite inserts each table in one transaction with prepared multi-row
// INSERTs, foreign keys enforced. Like any bulk load, it writes without a
// journal and builds the secondary indexes after the rows (the same CREATE
// INDEX statements the migrations ran); the database is back in WAL mode
// when it returns.
func loadSQLite(ctx context.Context, db *sql.DB, tables []table) error {
	var names []string
	for _, t := range tables {
		names = append(names, "'"+t.name+"'")
	}
	rows, err := db.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (`+strings.Join(names, ", ")+`)`)
	if err != nil {
		return err
	}
	var indexes [][2]string
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			rows.Close()
			return err
		}
		indexes = append(indexes, [2]string{name, ddl})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, stmt := range []string{"PRAGMA journal_mode = DELETE", "PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -1000000"} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	for _, ix := range indexes {
		if _, err := db.ExecContext(ctx, "DROP INDEX "+ix[0]); err != nil {
			return err
		}
	}
	for _, t := range tables {
		if err := loadSQLiteTable(ctx, db, t); err != nil {
			return fmt.Errorf("load %s: %w", t.name, err)
		}
	}
	for _, ix := range indexes {
		if _, err := db.ExecContext(ctx, ix[1]); err != nil {
			return fmt.Errorf("create index %s: %w", ix[0], err)
		}
	}
	for _, stmt := range []string{"PRAGMA synchronous = NORMAL", "PRAGMA journal_mode = WAL"} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

func loadSQLiteTable(ctx context.Context, db *sql.DB, t table) error {
	per := min(256, 32000/len(t.cols))
	insert := func(n int) string {
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
		return "INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	full, err := tx.PrepareContext(ctx, insert(per))
	if err != nil {
		return err
	}
	args := make([]any, 0, per*len(t.cols))
	for row := range t.rows {
		for _, v := range row {
			switch v := v.(type) {
			case tsValue:
				args = append(args, time.Time(v).UTC().Format(sqlstore.TimeFormat))
			case dayValue:
				args = append(args, time.Time(v).Format(sqlstore.DayFormat))
			default:
				args = append(args, v)
			}
		}
		if len(args) == cap(args) {
			if _, err := full.ExecContext(ctx, args...); err != nil {
				return err
			}
			args = args[:0]
		}
	}
	if len(args) > 0 {
		if _, err := tx.ExecContext(ctx, insert(len(args)/len(t.cols)), args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// loadPostgres copies each table with COPY through pgx. Like any bulk
// load, it builds the secondary indexes after the rows (the definitions the
// migrations made, read back from the catalog) and checks foreign keys
// after the load, by one query per constraint (checkForeignKeys): checked
// row by row during COPY they take the database several times longer.
func loadPostgres(ctx context.Context, db *sql.DB, tables []table) error {
	var names []string
	for _, t := range tables {
		names = append(names, t.name)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		rows, err := pc.Query(ctx, `SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid)
			FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
			WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1)
			  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`, names)
		if err != nil {
			return err
		}
		indexes, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) ([2]string, error) {
			var ix [2]string
			return ix, row.Scan(&ix[0], &ix[1])
		})
		if err != nil {
			return fmt.Errorf("list indexes: %w", err)
		}
		for _, stmt := range []string{"SET session_replication_role = replica", "SET maintenance_work_mem = '512MB'"} {
			if _, err := pc.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", stmt, err)
			}
		}
		defer pc.Exec(context.Background(), "RESET ALL")
		for _, ix := range indexes {
			if _, err := pc.Exec(ctx, "DROP INDEX "+ix[0]); err != nil {
				return err
			}
		}
		for _, t := range tables {
			next, stop := iter.Pull(t.rows)
			_, err := pc.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromFunc(func() ([]any, error) {
				row, ok := next()
				if !ok {
					return nil, nil
				}
				for i, v := range row {
					switch v := v.(type) {
					case tsValue:
						row[i] = time.Time(v)
					case dayValue:
						row[i] = time.Time(v)
					}
				}
				return row, nil
			}))
			stop()
			if err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
		}
		for _, ix := range indexes {
			if _, err := pc.Exec(ctx, ix[1]); err != nil {
				return fmt.Errorf("create index %s: %w", ix[0], err)
			}
		}
		return nil
	})
}

// vacuumAnalyze vacuums and analyzes every table of the schema, as
// autovacuum would soon after such a load (it is off on the test server):
// so the planner has statistics and index-only scans work, as they would
// in a plant that has run for a while.
func vacuumAnalyze(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "VACUUM (ANALYZE) "+strings.Join(tables, ", "))
	return err
}

// checkForeignKeys checks every foreign key of the schema with one
// anti-join each, as ALTER TABLE ... VALIDATE CONSTRAINT would.
func checkForeignKeys(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT c.conname, c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace AND cardinality(c.conkey) = 1`)
	if err != nil {
		return err
	}
	type fk struct{ name, tbl, col, ref, refCol string }
	var fks []fk
	for rows.Next() {
		var f fk
		if err := rows.Scan(&f.name, &f.tbl, &f.col, &f.ref, &f.refCol); err != nil {
			rows.Close()
			return err
		}
		fks = append(fks, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(fks) == 0 {
		return errors.New("no foreign keys found")
	}
	for _, f := range fks {
		var bad int
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %s t WHERE t.%s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %s r WHERE r.%s = t.%s)`, f.tbl, f.col, f.ref, f.refCol, f.col)
		if err := db.QueryRowContext(ctx, q).Scan(&bad); err != nil {
			return fmt.Errorf("check %s: %w", f.name, err)
		}
		if bad > 0 {
			return fmt.Errorf("foreign key %s: %d rows of %s point at no %s", f.name, bad, f.tbl, f.ref)
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// One generated plant per engine, with its services and servers.

type benchPlant struct {
	engine string
	dsn    string
	h      *history
	m      masterIDs
	db     *sqlstore.DB
	store  inventory.Store // the one store of db: it keeps its statements prepared
	inv    *inventory.Service
	ids    *forkline.IDGenerator
	now    func() time.Time
	bare   *sql.DB // the reader pool Forkline would use, for the bare query
	api    string  // base URL of the Forkline handler on 127.0.0.1
	token  string  // an integration token: inventory read and write
	client *http.Client
}

func benchLots(tb testing.TB) int {
	n := 1_000_000
	if s := os.Getenv(benchLotsEnv); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1000 {
			tb.Fatalf("%s=%q: want a number of lots of at least 1000", benchLotsEnv, s)
		}
		n = v
	}
	return n
}

// plantFor returns the generated plant of engine, generating it on first use.
func plantFor(b *testing.B, engine string) *benchPlant {
	b.Helper()
	if engine == "postgres" && os.Getenv(storetest.PostgresEnv) == "" {
		b.Skipf("PostgreSQL benchmarks skipped: set %s=postgres://user@host:5432/db to run them", storetest.PostgresEnv)
	}
	c := benchPlants
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.byEngine[engine]; p != nil {
		return p
	}
	if c.history == nil {
		start := time.Now()
		c.history = newHistory(benchLots(b))
		h := c.history
		b.Logf("history: %d lots (%d receipts, %d finished), %d orders, %d genealogy edges, %d shipments, %s to %s; made in memory in %s",
			len(h.lots), len(h.receipts), len(h.finished), len(h.orders), h.edgesTotal, len(h.ships),
			h.start.Format(time.DateOnly), h.end.Format(time.DateOnly), time.Since(start).Round(time.Millisecond))
	}
	p, err := generatePlant(b, c, engine, c.history)
	if err != nil {
		b.Fatalf("generate the %s plant: %v", engine, err)
	}
	c.byEngine[engine] = p
	return p
}

func generatePlant(b *testing.B, c *plantCache, engine string, h *history) (*benchPlant, error) {
	ctx := context.Background()
	var dsn string
	switch engine {
	case "sqlite":
		if dir := os.Getenv(benchDirEnv); dir != "" {
			dsn = filepath.Join(dir, fmt.Sprintf("forkline-%d.db", len(h.lots)))
			if _, err := os.Stat(dsn); err == nil {
				m, err := readMasterIDs(ctx, dsn)
				if err != nil {
					return nil, fmt.Errorf("use %s again: %w", dsn, err)
				}
				b.Logf("sqlite: using %s again, not generated", dsn)
				return openPlant(ctx, c, engine, dsn, h, m)
			}
		} else {
			dir, err := os.MkdirTemp("", "forkline-tracebench-")
			if err != nil {
				return nil, err
			}
			c.closers = append(c.closers, func() error { return os.RemoveAll(dir) })
			dsn = filepath.Join(dir, "forkline.db")
		}
	case "postgres":
		var existed bool
		var err error
		if dsn, existed, err = createSchema(ctx, c, len(h.lots)); err != nil {
			return nil, err
		}
		if existed {
			m, err := readMasterIDs(ctx, dsn)
			if err != nil {
				return nil, fmt.Errorf("use the schema again: %w", err)
			}
			b.Logf("postgres: using %s again, not generated", dsn)
			return openPlant(ctx, c, engine, dsn, h, m)
		}
	}

	started := time.Now()
	genNow := func() time.Time { return h.start.Add(-24 * time.Hour).UTC() }
	db, err := sqlstore.Open(ctx, dsn, forkline.NewIDGenerator(genNow), genNow)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	sys := forkline.WithActor(ctx, forkline.System)
	m, err := seedMasterData(sys, plant.NewService(db.Plant(), forkline.NewIDGenerator(genNow), genNow), h)
	db.Close()
	if err != nil {
		return nil, fmt.Errorf("master data: %w", err)
	}
	masterTime := time.Since(started)

	loadStart := time.Now()
	var checkTime, vacuumTime time.Duration
	switch engine {
	case "sqlite":
		w, r, err := sqlite.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		r.Close()
		// One connection: pragmas hold for the whole load. Foreign keys stay on.
		err = loadSQLite(ctx, w, h.tables(m))
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	case "postgres":
		pg, err := postgres.Open(ctx, dsn, 2)
		if err != nil {
			return nil, err
		}
		err = loadPostgres(ctx, pg, h.tables(m))
		if err == nil {
			checkStart := time.Now()
			err = checkForeignKeys(ctx, pg)
			checkTime = time.Since(checkStart)
		}
		if err == nil {
			vacuumStart := time.Now()
			err = vacuumAnalyze(ctx, pg)
			vacuumTime = time.Since(vacuumStart)
		}
		pg.Close()
		if err != nil {
			return nil, err
		}
	}
	loadTime := time.Since(loadStart) - checkTime - vacuumTime
	size := ""
	if engine == "sqlite" {
		if fi, err := os.Stat(dsn); err == nil {
			size = fmt.Sprintf("; file %d MB", fi.Size()>>20)
		}
	} else {
		size = fmt.Sprintf("; foreign-key check %s, vacuum and analyze %s", checkTime.Round(time.Millisecond), vacuumTime.Round(time.Millisecond))
	}
	r := rate(len(h.lots), time.Since(started))
	b.Logf("%s: generated %d lots in %s (%s lots/s): master data %s, ledger rows and indexes %s%s", engine, len(h.lots),
		time.Since(started).Round(time.Millisecond), r, masterTime.Round(time.Millisecond), loadTime.Round(time.Millisecond), size)

	return openPlant(ctx, c, engine, dsn, h, m)
}

func rate(n int, d time.Duration) string {
	return strconv.FormatFloat(float64(n)/d.Seconds(), 'f', 0, 64)
}

// readMasterIDs reads the master records of a database generated before.
func readMasterIDs(ctx context.Context, dsn string) (masterIDs, error) {
	var m masterIDs
	db, err := openReaders(ctx, dsn)
	if err != nil {
		return m, err
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, `SELECT id, name FROM sites WHERE code = 'SPR'`).Scan(&m.site, &m.siteName); err != nil {
		return m, err
	}
	list := func(q string, dst ...*[]string) error {
		rows, err := db.QueryContext(ctx, q, m.site)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			vals := make([]string, len(dst))
			ptrs := make([]any, len(dst))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for i, v := range vals {
				*dst[i] = append(*dst[i], v)
			}
		}
		return rows.Err()
	}
	// Codes sort in the order they were made: RM-, then WIP1-3, then FG-.
	itemOrder := `CASE WHEN code LIKE 'RM-%' THEN 0 WHEN code LIKE 'WIP%' THEN 1 ELSE 2 END, code`
	var shipCust, shipTo []string
	for _, q := range []struct {
		sql string
		dst []*[]string
	}{
		{`SELECT id FROM items WHERE site_id = $1 ORDER BY ` + itemOrder, []*[]string{&m.items}},
		{`SELECT id, name, address FROM suppliers WHERE site_id = $1 ORDER BY code`, []*[]string{&m.suppliers, &m.supNames, &m.supAddrs}},
		{`SELECT id FROM customers WHERE site_id = $1 ORDER BY code`, []*[]string{&m.customers}},
		{`SELECT s.customer_id, s.id FROM customer_ship_tos s JOIN customers c ON c.id = s.customer_id WHERE c.site_id = $1 ORDER BY c.code, s.code`, []*[]string{&shipCust, &shipTo}},
		{`SELECT id FROM lines WHERE site_id = $1 ORDER BY code`, []*[]string{&m.lines}},
		{`SELECT id FROM locations WHERE site_id = $1 ORDER BY created_at, id`, []*[]string{&m.locations}},
	} {
		if err := list(q.sql, q.dst...); err != nil {
			return m, err
		}
	}
	for i, c := range shipCust {
		if len(m.shipTos) == 0 || m.customers[len(m.shipTos)-1] != c {
			m.shipTos = append(m.shipTos, nil)
		}
		m.shipTos[len(m.shipTos)-1] = append(m.shipTos[len(m.shipTos)-1], shipTo[i])
	}
	return m, nil
}

// openPlant opens a generated database with the services, the HTTP
// handler on 127.0.0.1 and an API token.
func openPlant(ctx context.Context, c *plantCache, engine, dsn string, h *history, m masterIDs) (*benchPlant, error) {
	sys := forkline.WithActor(ctx, forkline.System)
	p := &benchPlant{engine: engine, dsn: dsn, h: h, m: m}
	var err error
	// The services' clock runs on from an hour after the history ends.
	runStart := time.Now()
	p.now = func() time.Time { return h.end.Add(time.Since(runStart)).UTC() }
	p.ids = forkline.NewIDGenerator(p.now)
	if p.db, err = sqlstore.Open(ctx, dsn, p.ids, p.now); err != nil {
		return nil, err
	}
	c.closers = append(c.closers, p.db.Close)
	// A database kept from an earlier run gets the migrations added since.
	if _, err := p.db.Migrate(ctx); err != nil {
		return nil, err
	}
	p.store = p.db.Inventory()
	p.inv = inventory.NewService(p.store, p.ids, p.now)
	if p.bare, err = openReaders(ctx, dsn); err != nil {
		return nil, err
	}
	c.closers = append(c.closers, p.bare.Close)

	plants := plant.NewService(p.db.Plant(), p.ids, p.now)
	auths := auth.NewService(p.db.Auth(), p.ids, p.now, auth.HashParams{Time: 1, Memory: 64, Threads: 1})
	siteExists := func(ctx context.Context, id forkline.ID) bool {
		_, err := plants.Sites.Find(ctx, id)
		return err == nil
	}
	if _, p.token, err = auths.CreateToken(sys, "genealogy benchmark", m.site, forkline.RoleIntegration, 0, siteExists); err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	// The default log level, info, formats one access-log line per
	// request; io.Discard keeps the formatting cost without the terminal's.
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := httpapi.New(httpapi.Config{Logger: logger, Plant: plants, Auth: auths, Audit: audit.NewService(p.db), Inventory: p.inv,
		Ready: p.db.Ping, Now: p.now, Version: "bench"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	c.closers = append(c.closers, hs.Close)
	p.api = "http://" + ln.Addr().String()
	p.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64}, Timeout: 30 * time.Second}
	c.closers = append(c.closers, func() error { p.client.CloseIdleConnections(); return nil })
	return p, nil
}

// createSchema makes a schema for the run on the PostgreSQL server of
// FORKLINE_TEST_POSTGRES_URL, dropped when the run ends, and returns a URL
// whose search_path is that schema. With FORKLINE_BENCH_DIR set, the schema
// is tracebench_<lots> and kept; existed says it was there already.
func createSchema(ctx context.Context, c *plantCache, lots int) (dsn string, existed bool, err error) {
	base := os.Getenv(storetest.PostgresEnv)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", false, err
	}
	schema := fmt.Sprintf("tracebench_%d", os.Getpid())
	keep := os.Getenv(benchDirEnv) != ""
	if keep {
		schema = fmt.Sprintf("tracebench_%d", lots)
		if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = $1)`, schema).Scan(&existed); err != nil {
			admin.Close()
			return "", false, err
		}
	}
	if !existed {
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			return "", false, fmt.Errorf("create schema: %w", err)
		}
	}
	if keep {
		admin.Close()
	} else {
		c.closers = append(c.closers, func() error {
			defer admin.Close()
			_, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			return err
		})
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", false, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), existed, nil
}

// openReaders opens the reader pool Forkline itself uses on dsn, with the
// same settings: SQLite's read-only WAL readers, or a PostgreSQL pool of 16.
func openReaders(ctx context.Context, dsn string) (*sql.DB, error) {
	if sqlstore.IsPostgres(dsn) {
		return postgres.Open(ctx, dsn, 16)
	}
	w, r, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	w.Close()
	return r, nil
}

// ---------------------------------------------------------------------------
// Measuring.

// latencies collects the duration of every operation of a benchmark and
// reports the 50th and 99th percentiles.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d ...time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d...)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B, unit string) {
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	scale := map[string]float64{"µs": 1e3, "ms": 1e6}[unit]
	pct := func(p float64) float64 { return float64(l.d[int(p*float64(len(l.d)-1))]) / scale }
	b.ReportMetric(pct(0.50), "p50-"+unit)
	b.ReportMetric(pct(0.99), "p99-"+unit)
}

// load measures, over a benchmark's loop, the CPU time this process used
// per operation and how busy the whole machine was. On a shared two-core
// machine latencies move with what else runs; CPU time per operation moves
// much less, and the busy share says how far to trust the latencies.
type load struct {
	self        syscall.Rusage
	busy, total uint64
}

func startLoad() load {
	var l load
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &l.self)
	l.busy, l.total = cpuTicks()
	return l
}

// cpu is the CPU time this process used since l started.
func (l load) cpu() time.Duration {
	var now syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &now)
	return time.Duration(now.Utime.Nano() + now.Stime.Nano() - l.self.Utime.Nano() - l.self.Stime.Nano())
}

// report adds cpu-µs/op and machine-busy-% to b's results.
func (l load) report(b *testing.B, ops int) {
	if cpu := l.cpu(); ops > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(ops), "cpu-µs/op")
	}
	if busy, total := cpuTicks(); total > l.total {
		b.ReportMetric(100*float64(busy-l.busy)/float64(total-l.total), "machine-busy-%")
	}
}

// cpuTicks reads the machine's busy and total CPU time from /proc/stat;
// zero where there is none.
func cpuTicks() (busy, total uint64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	for i, f := range fields[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

var benchEngines = []string{"sqlite", "postgres"}

// startLots picks n start lots with a fixed seed: receipts to trace
// forward (to the customers), finished lots to trace backward (to the suppliers).
func (h *history) startLots(dir inventory.Direction, n int) []forkline.ID {
	r := rand.New(rand.NewPCG(benchSeed, 2))
	from := h.finished
	if dir == inventory.Forward {
		from = h.receipts
	}
	out := make([]forkline.ID, n)
	for i := range out {
		out[i] = h.lotID(from[r.IntN(len(from))])
	}
	return out
}

// traceBare is the bare recursive query: one hand-written recursive CTE
// returning every edge reached, hence every lot, with its quantity.
func (p *benchPlant) traceBare(ctx context.Context, root forkline.ID, dir inventory.Direction) (lots int, err error) {
	from, to := "parent_id", "child_id"
	if dir == inventory.Backward {
		from, to = "child_id", "parent_id"
	}
	rows, err := p.bare.QueryContext(ctx, `WITH RECURSIVE walk(parent_id, child_id, qty) AS (
		SELECT parent_id, child_id, qty FROM genealogy_edges WHERE `+from+` = $1
		UNION SELECT e.parent_id, e.child_id, e.qty FROM genealogy_edges e JOIN walk w ON e.`+from+` = w.`+to+`)
		SELECT parent_id, child_id, qty FROM walk`, root)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	seen := map[forkline.ID]bool{root: true}
	for rows.Next() {
		var parent, child forkline.ID
		var qty int64
		if err := rows.Scan(&parent, &child, &qty); err != nil {
			return 0, err
		}
		seen[parent], seen[child] = true, true
	}
	return len(seen), rows.Err()
}

// traceAPI is GET /api/v1/lots/{id}/trace through the whole handler, with
// the token. It returns the lots in the answer and its size.
func (p *benchPlant) traceAPI(ctx context.Context, root forkline.ID, dir inventory.Direction) (lots, size int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api+"/api/v1/lots/"+root+"/trace?direction="+string(dir), nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET trace: %s: %s", resp.Status, body)
	}
	return bytes.Count(body, []byte(`"depth":`)), len(body), nil
}

// BenchmarkTrace traces random start lots (finished lots backward, to the
// supplier lots; receipts forward, to the customers and the stock) four
// ways: through the API, through the service, by a bare recursive query,
// and by breadth-first search in memory, the floor. All four must reach
// the same lots.
func BenchmarkTrace(b *testing.B) {
	ctx := forkline.WithActor(context.Background(), forkline.System)
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			p := plantFor(b, engine)
			for _, dir := range []inventory.Direction{inventory.Backward, inventory.Forward} {
				starts := p.h.startLots(dir, 1000)
				variants := []struct {
					name  string
					trace func(forkline.ID) (lots, size int, err error) // size of the API's answer
				}{
					{"api", func(id forkline.ID) (int, int, error) { return p.traceAPI(ctx, id, dir) }},
					{"service", func(id forkline.ID) (int, int, error) {
						tr, err := p.inv.Trace(ctx, id, dir)
						return len(tr.Nodes), 0, err
					}},
					{"bare-recursive-query", func(id forkline.ID) (int, int, error) {
						n, err := p.traceBare(ctx, id, dir)
						return n, 0, err
					}},
					{"memory-bfs", func(id forkline.ID) (int, int, error) {
						n, _ := p.h.traceMemory(id, dir)
						return n, 0, nil
					}},
				}
				// Every variant must reach the same lots before any is timed.
				for _, id := range starts[:20] {
					var counts []int
					for _, v := range variants {
						n, _, err := v.trace(id)
						if err != nil {
							b.Fatalf("%s trace %s of %s: %v", v.name, dir, id, err)
						}
						counts = append(counts, n)
					}
					if slices.Min(counts) != slices.Max(counts) {
						b.Fatalf("trace %s of %s reaches %v lots (api, service, bare, memory); want the same", dir, id, counts)
					}
				}
				// One untimed pass over every start lot brings the pages they
				// need into memory, as in a plant where traces are common; the
				// variant that runs first would otherwise pay for all.
				for _, id := range starts {
					if _, _, err := variants[1].trace(id); err != nil {
						b.Fatal(err)
					}
				}
				b.Run(string(dir), func(b *testing.B) {
					for _, v := range variants {
						b.Run(v.name, func(b *testing.B) {
							var lat latencies
							lots, size, i := 0, 0, 0
							ld := startLoad()
							for b.Loop() {
								start := time.Now()
								n, sz, err := v.trace(starts[i%len(starts)])
								lat.d = append(lat.d, time.Since(start))
								if err != nil {
									b.Fatal(err)
								}
								lots, size, i = lots+n, size+sz, i+1
							}
							ld.report(b, i)
							lat.report(b, "µs")
							b.ReportMetric(float64(lots)/float64(i), "lots/op")
							if size > 0 {
								b.ReportMetric(float64(size)/1024/float64(i), "KB/op")
							}
						})
					}
				})
			}
		})
	}
}

// recallRoots picks supplier lots received in the history's last 30 days
// that still have stock somewhere downstream, so that a recall holds lots.
func (h *history) recallRoots(n int) []int32 {
	r := rand.New(rand.NewPCG(benchSeed, 3))
	since := h.end.Add(-30 * 24 * time.Hour).UnixMicro()
	var out []int32
	for _, i := range r.Perm(len(h.receipts)) {
		id := h.receipts[i]
		if h.lots[id].t < since {
			continue
		}
		stocked := false
		seen := map[int32]bool{id: true}
		queue := []int32{id}
		for len(queue) > 0 && !stocked {
			x := queue[0]
			queue = queue[1:]
			if h.lots[x].left > 0 && x != id {
				stocked = true
			}
			a := h.children[x]
			for _, e := range h.edges[a.off : a.off+a.n] {
				if !seen[e.to] {
					seen[e.to] = true
					queue = append(queue, e.to)
				}
			}
		}
		if stocked {
			out = append(out, id)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// supplierLot is the supplier's lot code of a receipt, as loaded.
func (h *history) supplierLot(id int32) string {
	l := h.lots[id]
	return fmt.Sprintf("%s-%06d", h.items[l.item].code[3:], l.supLot)
}

// BenchmarkRecallScope starts a mock recall of one supplier lot with its
// holds, through the service. After each, outside the timer, the holds are
// undone by one correction command, so every recall holds the same lots.
func BenchmarkRecallScope(b *testing.B) {
	ctx := forkline.WithActor(context.Background(), forkline.System)
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			p := plantFor(b, engine)
			roots := p.h.recallRoots(64)
			if len(roots) == 0 {
				b.Fatal("no recent supplier lot with stock downstream")
			}
			var lat latencies
			var lots, held, i int
			var cpu time.Duration
			busy0, total0 := cpuTicks()
			for b.Loop() {
				root := p.h.lots[roots[i%len(roots)]]
				ld := startLoad()
				start := time.Now()
				rc, err := p.inv.StartRecall(ctx, inventory.RecallInput{SiteID: p.m.site, Kind: inventory.MockRecall, SupplierID: p.m.suppliers[root.sup],
					SupplierLot: p.h.supplierLot(roots[i%len(roots)]), Hold: true, Note: "benchmark drill"})
				lat.d = append(lat.d, time.Since(start))
				cpu += ld.cpu()
				if err != nil {
					b.Fatal(err)
				}
				if rc.Held == 0 {
					b.Fatalf("recall %s held nothing", rc.Criteria)
				}
				lots, held, i = lots+len(rc.Scope.Nodes), held+rc.Held, i+1
				b.StopTimer()
				if err := p.releaseRecall(ctx, rc); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			lat.report(b, "ms")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(i), "cpu-ms/op")
			if busy, total := cpuTicks(); total > total0 {
				b.ReportMetric(100*float64(busy-busy0)/float64(total-total0), "machine-busy-%")
			}
			b.ReportMetric(float64(lots)/float64(i), "lots/op")
			b.ReportMetric(float64(held)/float64(i), "held/op")
		})
	}
}

// releaseRecall corrects the hold events of a recall in one command.
func (p *benchPlant) releaseRecall(ctx context.Context, rc inventory.Recall) error {
	store := p.store
	now := p.now().Truncate(time.Microsecond)
	cmd := inventory.Command{ActorID: forkline.System.ID, Today: p.h.day(now.UnixMicro())}
	for _, id := range rc.HeldLotIDs {
		evs, err := store.FindLotEvents(ctx, id)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(evs, func(e inventory.Event) bool {
			return e.Kind == inventory.StatusChange && e.StatusTo == inventory.Hold && strings.Contains(e.Reason, rc.ID)
		})
		if i < 0 {
			return fmt.Errorf("lot %s has no hold event of recall %s", id, rc.ID)
		}
		h := evs[i]
		cmd.Events = append(cmd.Events, inventory.Event{ID: p.ids.New(), SiteID: h.SiteID, Kind: inventory.Correct, LotID: h.LotID, ItemID: h.ItemID,
			Quantity: h.Quantity, StatusFrom: h.StatusTo, StatusTo: h.StatusFrom, CorrectsID: h.ID, Reason: "benchmark: undo the drill's hold",
			Note: "corrects status", EventTime: now, RecordedAt: now, ActorID: forkline.System.ID, ActorName: forkline.System.Name})
	}
	_, err := store.RecordCommand(ctx, cmd)
	return err
}

// consumable is stock a consume command may take: released, not expired
// when the benchmark runs, in kilograms, at its location.
type consumable struct {
	lot, location forkline.ID
}

func (p *benchPlant) consumables(n int) []consumable {
	today := p.h.day(p.h.end.UnixMicro())
	var out []consumable
	for i := len(p.h.lots) - 1; i >= 0 && len(out) < n; i-- {
		l := p.h.lots[i]
		it := p.h.items[l.item]
		if l.left < 1e9 || it.mat.unit != forkline.Kilogram || it.mat.shelfLife > 0 && p.h.day(l.t).AddDate(0, 0, it.mat.shelfLife).Before(today.AddDate(0, 0, 2)) {
			continue
		}
		out = append(out, consumable{lot: p.h.lotID(int32(i)), location: p.m.locations[l.loc]})
	}
	rand.New(rand.NewPCG(benchSeed, 4)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// consumeClients is how many consume commands are in flight at once.
const consumeClients = 8

// BenchmarkConsume books consume commands of 1 g from random lots with
// stock, from consumeClients goroutines: through the service, and through
// POST /api/v1/lots/{id}/consumptions beside it.
func BenchmarkConsume(b *testing.B) {
	ctx := forkline.WithActor(context.Background(), forkline.System)
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			p := plantFor(b, engine)
			stock := p.consumables(2000)
			if len(stock) < 100 {
				b.Fatalf("only %d lots to consume from", len(stock))
			}
			qty, err := forkline.ParseQuantity("0.001 kg")
			if err != nil {
				b.Fatal(err)
			}
			var seq atomic.Int64
			variants := []struct {
				name    string
				consume func(c consumable, order string) error
			}{
				{"service", func(c consumable, order string) error {
					_, err := p.inv.Consume(ctx, inventory.ConsumeInput{LotID: c.lot, LocationID: c.location, Quantity: qty, OrderRef: order})
					return err
				}},
				{"api", func(c consumable, order string) error {
					body := `{"locationId":"` + c.location + `","quantity":"0.001 kg","orderRef":"` + order + `"}`
					req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.api+"/api/v1/lots/"+c.lot+"/consumptions", strings.NewReader(body))
					if err != nil {
						return err
					}
					req.Header.Set("Authorization", "Bearer "+p.token)
					req.Header.Set("Content-Type", "application/json")
					resp, err := p.client.Do(req)
					if err != nil {
						return err
					}
					defer resp.Body.Close()
					out, err := io.ReadAll(resp.Body)
					if err == nil && resp.StatusCode != http.StatusCreated {
						err = fmt.Errorf("POST consumption: %s: %s", resp.Status, out)
					}
					return err
				}},
			}
			for _, v := range variants {
				b.Run(v.name, func(b *testing.B) {
					var lat latencies
					b.SetParallelism((consumeClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
					ld := startLoad()
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						var mine []time.Duration
						for pb.Next() {
							n := seq.Add(1)
							start := time.Now()
							err := v.consume(stock[n%int64(len(stock))], fmt.Sprintf("BENCH-%s-%07d", v.name, n/8))
							mine = append(mine, time.Since(start))
							if err != nil {
								b.Error(err)
								return
							}
						}
						lat.add(mine...)
					})
					b.StopTimer()
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "consumes/s")
					ld.report(b, b.N)
					lat.report(b, "µs")
				})
			}
		})
	}
}
