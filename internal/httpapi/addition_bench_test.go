package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/fsma204"
	"github.com/forkline/forkline/internal/httpapi"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/forkline/forkline/internal/wiring"
)

// BenchmarkMaterialAdditions measures material additions through the HTTP
// API: POST /api/v1/orders/{id}/materials, the operator's scan of a lot,
// which the API checks (item in the recipe, lot released and in date, FEFO,
// tolerance) and books in the ledger. additionOperators simulated operators
// work at once, each on its own order in progress on its own line, each with
// its own API token and its own released lots of flour. They share one
// http.Client and send to the whole Forkline handler on 127.0.0.1, with no
// pause between scans, so the numbers are the ceiling of the server, not a
// plant's load. b.N additions are shared out over the operators.
//
//	go test ./internal/httpapi/ -run '^$' -bench MaterialAdditions -benchtime 2000x
//	FORKLINE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ...
//
// Each run (b.N) starts from a fresh database; the set-up is not timed.
func BenchmarkMaterialAdditions(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			p := startAdditionPlant(b, e.DSN(b), additionOperators, additionLots, b.N)
			p.run(b)
		})
	}
}

// BenchmarkAdditionsByStockDepth is BenchmarkMaterialAdditions with 1, 4
// and 16 lots of flour on hand per line: the FEFO check of every addition
// reads all the usable stock of the item at the site.
//
//	go test ./internal/httpapi/ -run '^$' -bench AdditionsByStockDepth -benchtime 1000x
func BenchmarkAdditionsByStockDepth(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			for _, lots := range []int{1, 4, 16} {
				b.Run(fmt.Sprintf("lots=%d", lots*additionOperators), func(b *testing.B) {
					p := startAdditionPlant(b, e.DSN(b), additionOperators, lots, b.N)
					p.run(b)
				})
			}
		})
	}
}

const (
	additionOperators = 50
	additionLots      = 4  // released lots of flour per operator, used in turn
	additionKg        = 25 // one sack per scan
)

// additionPlant is a running API over a database with one site,
// additionOperators lines, an order in progress on each, and lots to add.
type additionPlant struct {
	url    string
	ops    []additionOperator
	client *http.Client
}

// additionOperator is one simulated operator at one line.
type additionOperator struct {
	token  string
	order  forkline.ID
	lots   []string // lot codes, as scanned
	issued int      // additions sent, for the Idempotency-Key and the lot in turn
}

// startAdditionPlant builds the plant on dsn for ops operators, each with
// its own line, order and lots (released, of one expiry) of the one flour,
// with recipe tolerance and stock enough for n additions each (the share of
// one operator is not fixed, so each is ready to make all of them), and
// serves it until b's run ends. Modelled on newEnv, over any engine.
func startAdditionPlant(b *testing.B, dsn string, ops, lots, n int) *additionPlant {
	b.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Now().UTC() }
	ids := forkline.NewIDGenerator(now)
	db, err := sqlstore.Open(ctx, dsn, ids, now)
	if err != nil {
		b.Fatalf("open: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	plants := plant.NewService(db.Plant(), ids, now)
	auths := auth.NewService(db.Auth(), ids, now, auth.HashParams{Time: 1, Memory: 64, Threads: 1})
	inv := inventory.NewService(db.Inventory(), ids, now)
	rcp := recipe.NewService(db.Recipes(), auths, ids, now)
	prod := production.NewService(db.Production(), wiring.ProductionLedger{Inv: inv}, auths, ids, now)
	// The default level, info, formats one access-log line per request;
	// io.Discard keeps the formatting without the terminal.
	srv := httpapi.New(httpapi.Config{
		Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Plant:  plants, Auth: auths, Audit: audit.NewService(db), Inventory: inv,
		FSMA204: httpapi.FSMA204Writers{"csv": fsma204.WriteCSV, "xlsx": fsma204.WriteXLSX},
		Recipes: rcp, Production: prod, B2MML: testB2MML(), Ready: db.Ping, Now: now, Version: "bench",
	})
	ts := httptest.NewServer(srv.Handler()) // 127.0.0.1
	b.Cleanup(ts.Close)

	fail := func(what string, err error) {
		if err != nil {
			b.Fatalf("set up %s: %v", what, err)
		}
	}
	site, err := plants.Sites.Create(sys, plant.Site{Record: plant.Record{Code: "SPR", Name: "Springfield Bakery"}, TimeZone: "America/Chicago"}, "")
	fail("site", err)
	rec := func(code string) plant.Record { return plant.Record{SiteID: site.ID, Code: code, Name: code} }
	area, err := plants.Areas.Create(sys, plant.Area{Record: rec("BAKE")}, "")
	fail("area", err)
	store, err := plants.Locations.Create(sys, plant.Location{Record: rec("DRY-1"), Kind: plant.Warehouse, Condition: plant.Ambient}, "")
	fail("location", err)
	flour, err := plants.Items.Create(sys, plant.Item{Record: rec("RM-FLOUR"), Kind: plant.Raw, BaseUnit: forkline.Kilogram,
		ShelfLifeDays: 270, Condition: plant.Ambient}, "")
	fail("flour", err)
	sup, err := plants.Suppliers.Create(sys, plant.Supplier{Record: rec("MILL"), Approval: plant.Approved}, "")
	fail("supplier", err)
	bread, err := plants.Items.Create(sys, plant.Item{Record: rec("FG-BREAD"), Kind: plant.Finished, BaseUnit: forkline.Kilogram,
		ShelfLifeDays: 5, Condition: plant.Ambient}, "")
	fail("bread", err)

	// The recipe, approved by a person of quality with a signature.
	const pw = "quinn's long password"
	q, err := auths.CreateUser(sys, "quinn", "Quinn Quality", pw)
	fail("quinn", err)
	_, err = auths.SetRole(sys, q.ID, forkline.Grant{SiteID: site.ID, Role: forkline.RoleQuality}, true, "QA lead",
		func(context.Context, forkline.ID) bool { return true })
	fail("quinn's role", err)
	secret, _, err := auths.Login(ctx, "quinn", pw)
	fail("quinn's login", err)
	qa, _, err := auths.ActorForSession(ctx, secret)
	fail("quinn's session", err)
	rc, err := rcp.Create(sys, recipe.CreateInput{SiteID: site.ID, ItemID: bread.ID, Code: "R-BREAD", Name: "White bread", Content: breadRecipe(flour.ID)})
	fail("recipe", err)
	_, err = rcp.Approve(forkline.WithActor(ctx, qa), recipe.ApproveInput{VersionID: rc.Versions[0].ID, Revision: rc.Versions[0].Revision,
		Password: pw, Meaning: recipe.MeaningApproved})
	fail("approval", err)

	// The recipe takes 60 kg of flour (± 2%) per 100 kg of bread: plan
	// enough bread that n sacks stay within tolerance.
	planned := forkline.NewQuantity(int64(n)*additionKg*100/60+100, forkline.Kilogram)
	perLot := forkline.NewQuantity(int64((n+lots-1)/lots+1)*additionKg, forkline.Kilogram)
	start := now().Truncate(time.Hour)
	p := &additionPlant{url: ts.URL, ops: make([]additionOperator, ops)}
	for i := range p.ops {
		op := &p.ops[i]
		line, err := plants.Lines.Create(sys, plant.Line{Record: rec(fmt.Sprintf("L%02d", i+1)), AreaID: area.ID}, "")
		fail("line", err)
		o, err := prod.CreateOrder(sys, production.OrderInput{SiteID: site.ID, ItemID: bread.ID, LineID: line.ID, Number: fmt.Sprintf("PO-%02d", i+1),
			PlannedQuantity: planned, PlannedStart: start, PlannedEnd: start.Add(8 * time.Hour)})
		fail("order", err)
		for _, to := range []production.State{production.Released, production.InProgress} {
			_, err := prod.ChangeState(sys, production.StateInput{OrderID: o.ID, To: to})
			fail("order "+string(to), err)
		}
		op.order = o.ID
		for j := range lots {
			r, err := inv.Receive(sys, inventory.ReceiveInput{SiteID: site.ID, ItemID: flour.ID, SupplierID: sup.ID,
				SupplierLot: fmt.Sprintf("M-%02d-%d", i+1, j+1), Quantity: perLot, LocationID: store.ID, DocType: "PO", DocNumber: fmt.Sprintf("4500%04d", i*lots+j)})
			fail("lot", err)
			if r.Lot.Status != inventory.Released {
				b.Fatalf("lot %s was received %s, want released", r.Lot.Code, r.Lot.Status)
			}
			op.lots = append(op.lots, r.Lot.Code)
		}
		_, op.token, err = auths.CreateToken(sys, fmt.Sprintf("tablet-%02d", i+1), site.ID, forkline.RoleOperator, 0,
			func(context.Context, forkline.ID) bool { return true })
		fail("token", err)
	}
	p.client = &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * ops, MaxIdleConnsPerHost: 2 * ops}, Timeout: 30 * time.Second}
	b.Cleanup(p.client.CloseIdleConnections)
	return p
}

// add sends op's next scan: a sack of flour from its next lot, at step 1,
// under a new Idempotency-Key. The lot's one location is found by the API.
func (p *additionPlant) add(op *additionOperator) error {
	op.issued++
	body := fmt.Sprintf(`{"lotCode":%q,"quantity":"%d kg","step":1}`, op.lots[op.issued%len(op.lots)], additionKg)
	req, err := http.NewRequest(http.MethodPost, p.url+"/api/v1/orders/"+op.order+"/materials", bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+op.token)
	req.Header.Set("Idempotency-Key", fmt.Sprintf("%s-scan-%d", op.order, op.issued))
	res, err := p.client.Do(req)
	if err != nil {
		return err
	}
	out, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusCreated || !bytes.Contains(out, []byte(`"status":"booked"`)) {
		return fmt.Errorf("POST materials = %d: %s", res.StatusCode, out)
	}
	return nil
}

// run makes b.N additions from all operators at once and reports them per
// second and the 50th and 99th percentile latency of one addition.
func (p *additionPlant) run(b *testing.B) {
	b.Helper()
	var (
		next  atomic.Int64
		mu    sync.Mutex
		lats  = make([]time.Duration, 0, b.N)
		wg    sync.WaitGroup
		total = int64(b.N)
	)
	b.ResetTimer()
	for i := range p.ops {
		wg.Go(func() {
			op := &p.ops[i]
			mine := make([]time.Duration, 0, b.N/len(p.ops)+1)
			for next.Add(1) <= total {
				t0 := time.Now()
				if err := p.add(op); err != nil {
					b.Errorf("operator %d: %v", i+1, err)
					next.Store(total) // stop the others too
					break
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	b.StopTimer()
	if b.Failed() {
		return
	}
	b.ReportMetric(float64(len(lats))/b.Elapsed().Seconds(), "additions/s")
	slices.Sort(lats)
	pct := func(q float64) float64 { return float64(lats[int(q*float64(len(lats)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
