package httpapi_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/httpapi"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/postgres"
	"github.com/forkline/forkline/internal/sqlite"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

// The benchmarks below measure an authenticated GET /api/v1/items/{id}
// through the whole Forkline handler (access log, metrics, cross-origin
// check, bearer token lookup, permission check, item read, JSON), next to a
// bare net/http handler that reads the same row with database/sql and
// encodes it. Both servers run in the benchmark process on 127.0.0.1 and
// share the machine with the clients, as wrk does in docs/performance.md.
//
//	go test ./internal/httpapi/ -run '^$' -bench 'GetItem' -benchtime 5s
//	FORKLINE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ...

// benchClients is how many requests are in flight at once.
const benchClients = 32

func BenchmarkGetItem(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			p := startBenchPlant(b, e)
			hammerGET(b, p.forkline+"/api/v1/items/"+p.itemID, p.token)
		})
	}
}

func BenchmarkBareGetItem(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			p := startBenchPlant(b, e)
			hammerGET(b, p.bare+"/items/"+p.itemID, "")
		})
	}
}

// benchPlant is a database with one site, one item and an API token, served
// by Forkline and by a bare handler.
type benchPlant struct {
	forkline, bare string // base URLs
	itemID         string
	token          string
}

// startBenchPlant sets up a fresh database of engine e and starts both
// servers, stopped when b's run ends. A benchmark function runs several
// times (b.N grows), so this is kept cheap: a fast password hash (no
// password is checked) and a single item.
func startBenchPlant(b *testing.B, e storetest.Engine) benchPlant {
	b.Helper()
	ctx := context.Background()
	dsn := e.DSN(b)
	now := func() time.Time { return time.Now().UTC() }
	ids := forkline.NewIDGenerator(now)
	db, err := sqlstore.Open(ctx, dsn, ids, now)
	if err != nil {
		b.Fatalf("open %s: %v", e.Name, err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatalf("migrate %s: %v", e.Name, err)
	}
	plants := plant.NewService(db.Plant(), ids, now)
	auths := auth.NewService(db.Auth(), ids, now, auth.HashParams{Time: 1, Memory: 64, Threads: 1})

	sys := forkline.WithActor(ctx, forkline.System)
	site, err := plants.Sites.Create(sys, plant.Site{Record: plant.Record{Code: "SPR", Name: "Springfield Bakery"}, TimeZone: "America/Chicago"}, "benchmark")
	if err != nil {
		b.Fatalf("create site: %v", err)
	}
	item, err := plants.Items.Create(sys, benchItem(site.ID), "benchmark")
	if err != nil {
		b.Fatalf("create item: %v", err)
	}
	siteExists := func(ctx context.Context, id forkline.ID) bool {
		_, err := plants.Sites.Find(ctx, id)
		return err == nil
	}
	_, secret, err := auths.CreateToken(sys, "benchmark", site.ID, forkline.RoleIntegration, 0, siteExists)
	if err != nil {
		b.Fatalf("create token: %v", err)
	}

	// The default log level, info, formats one access-log line per request;
	// io.Discard keeps the formatting cost without the terminal's.
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := httpapi.New(httpapi.Config{Logger: logger, Plant: plants, Auth: auths, Audit: audit.NewService(db), Ready: db.Ping, Now: now, Version: "bench"})

	bareDB := openBare(b, dsn)
	return benchPlant{
		forkline: serveOnLoopback(b, srv.Handler()),
		bare:     serveOnLoopback(b, bareItemHandler(bareDB)),
		itemID:   item.ID,
		token:    secret,
	}
}

func benchItem(site forkline.ID) plant.Item {
	flour, err := forkline.ParseQuantity("25 kg")
	if err != nil {
		panic(err)
	}
	cases, err := forkline.ParseQuantity("40 case")
	if err != nil {
		panic(err)
	}
	return plant.Item{Record: plant.Record{SiteID: site, Code: "RM-FLOUR", Name: "Wheat flour, bakers' T55"},
		Kind: plant.Raw, BaseUnit: forkline.Kilogram, ShelfLifeDays: 270, Condition: plant.Ambient,
		PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: flour}, {Unit: forkline.Pallet, Contents: cases}},
		Allergens: []plant.Allergen{plant.Wheat, plant.Gluten}, GTIN: "00614141000012"}
}

// openBare opens the reader pool Forkline itself would use on dsn, with the
// same settings: SQLite's read-only WAL readers, or a PostgreSQL pool of 16.
func openBare(b *testing.B, dsn string) *sql.DB {
	b.Helper()
	ctx := context.Background()
	if sqlstore.IsPostgres(dsn) {
		db, err := postgres.Open(ctx, dsn, 16)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}
	w, r, err := sqlite.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close(); r.Close() })
	return r
}

// bareItem is the items row as the bare handler sends it.
type bareItem struct {
	ID               string `json:"id"`
	SiteID           string `json:"siteId"`
	Code             string `json:"code"`
	Name             string `json:"name"`
	Active           bool   `json:"active"`
	Version          int    `json:"version"`
	CreatedAt        string `json:"createdAt"`
	UpdatedAt        string `json:"updatedAt"`
	Kind             string `json:"kind"`
	BaseUnit         string `json:"baseUnit"`
	PackSizes        string `json:"packSizes"`
	ShelfLifeDays    int    `json:"shelfLifeDays"`
	Condition        string `json:"condition"`
	Allergens        string `json:"allergens"`
	TraceabilityList bool   `json:"traceabilityList"`
	GTIN             string `json:"gtin"`
	InspectOnReceipt bool   `json:"inspectOnReceipt"`
}

// bareItemHandler is the floor Forkline is measured against: one SELECT by
// primary key, JSON-encoded, with no middleware and no authentication.
func bareItemHandler(db *sql.DB) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		var it bareItem
		err := db.QueryRowContext(r.Context(), `SELECT id, site_id, code, name, active, version, created_at, updated_at,
			kind, base_unit, pack_sizes, shelf_life_days, condition, allergens, traceability_list, gtin, inspect_on_receipt
			FROM items WHERE id = $1`, r.PathValue("id")).Scan(&it.ID, &it.SiteID, &it.Code, &it.Name, &it.Active, &it.Version,
			&it.CreatedAt, &it.UpdatedAt, &it.Kind, &it.BaseUnit, &it.PackSizes, &it.ShelfLifeDays, &it.Condition,
			&it.Allergens, &it.TraceabilityList, &it.GTIN, &it.InspectOnReceipt)
		if errors.Is(err, sql.ErrNoRows) {
			http.NotFound(w, r)
			return
		} else if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(it)
	})
	return mux
}

// serveOnLoopback serves h on a loopback port until b's run ends and returns its base URL.
func serveOnLoopback(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	return "http://" + ln.Addr().String()
}

// hammerGET sends GET url from benchClients goroutines over one shared client
// and reports requests per second and the 50th and 99th percentile latency.
func hammerGET(b *testing.B, url, token string) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64}, Timeout: 10 * time.Second}
	b.Cleanup(client.CloseIdleConnections)
	get := func() error {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			return &badStatus{resp.StatusCode}
		}
		return err
	}
	if err := get(); err != nil { // fail fast, before any timing
		b.Fatalf("GET %s: %v", url, err)
	}

	var (
		mu   sync.Mutex
		lats []time.Duration
	)
	b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			if err := get(); err != nil {
				b.Errorf("GET %s: %v", url, err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		lats = append(lats, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if len(lats) > 0 {
		slices.Sort(lats)
		pct := func(p float64) float64 { return float64(lats[int(p*float64(len(lats)-1))].Microseconds()) }
		b.ReportMetric(pct(0.50), "p50-µs")
		b.ReportMetric(pct(0.99), "p99-µs")
	}
}

type badStatus struct{ code int }

func (e *badStatus) Error() string { return "status " + http.StatusText(e.code) }
