// Command perf is the helper of the load runs in docs/performance.md: it
// prepares a database to read from and serves the bare handler that
// Forkline is measured against. run.sh, next to it, drives both with wrk.
//
//	go run ./scripts/perf setup -db DSN            # prints ITEM=<id> and TOKEN=<secret>
//	go run ./scripts/perf bare -db DSN -addr ADDR  # serves GET /items/{id}
//
// DSN is what forkline serve takes: a SQLite file path or a postgres:// URL.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/postgres"
	"github.com/forkline/forkline/internal/sqlite"
	"github.com/forkline/forkline/internal/sqlstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: perf setup -db DSN | perf bare -db DSN -addr ADDR")
	}
	fs := flag.NewFlagSet("perf "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", "", "database: a SQLite file path or a postgres:// URL")
	addr := fs.String("addr", "127.0.0.1:8091", "listen address of the bare handler")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *dsn == "" {
		return errors.New("-db is required")
	}
	switch args[0] {
	case "setup":
		return setup(ctx, *dsn, stdout)
	case "bare":
		return bare(ctx, *dsn, *addr, stdout)
	}
	return fmt.Errorf("unknown verb %q: want setup or bare", args[0])
}

// setup migrates the database and adds a site, an item and an API token
// with the integration role, through Forkline's own services. It prints
// the item's ID and the token's secret as shell assignments.
func setup(ctx context.Context, dsn string, stdout io.Writer) error {
	now := func() time.Time { return time.Now().UTC() }
	ids := forkline.NewIDGenerator(now)
	db, err := sqlstore.Open(ctx, dsn, ids, now)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	plants := plant.NewService(db.Plant(), ids, now)
	auths := auth.NewService(db.Auth(), ids, now, auth.DefaultHashParams)
	sys := forkline.WithActor(ctx, forkline.System)
	const why = "load test set-up"
	site, err := plants.Sites.Create(sys, plant.Site{Record: plant.Record{Code: "PERF", Name: "Load test bakery"}, TimeZone: "America/Chicago"}, why)
	if err != nil {
		return fmt.Errorf("create site: %w", err)
	}
	item, err := plants.Items.Create(sys, flour(site.ID), why)
	if err != nil {
		return fmt.Errorf("create item: %w", err)
	}
	siteExists := func(ctx context.Context, id forkline.ID) bool {
		_, err := plants.Sites.Find(ctx, id)
		return err == nil
	}
	_, secret, err := auths.CreateToken(sys, "load test", site.ID, forkline.RoleIntegration, 0, siteExists)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	fmt.Fprintf(stdout, "ITEM=%s\nTOKEN=%s\n", item.ID, secret)
	return nil
}

// flour is the item read in every run: pack sizes and allergens included,
// so that the row is a realistic one.
func flour(site forkline.ID) plant.Item {
	q := func(s string) forkline.Quantity {
		v, err := forkline.ParseQuantity(s)
		if err != nil {
			panic(err)
		}
		return v
	}
	return plant.Item{Record: plant.Record{SiteID: site, Code: "RM-FLOUR", Name: "Wheat flour, bakers' T55"},
		Kind: plant.Raw, BaseUnit: forkline.Kilogram, ShelfLifeDays: 270, Condition: plant.Ambient,
		PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("25 kg")}, {Unit: forkline.Pallet, Contents: q("40 case")}},
		Allergens: []plant.Allergen{plant.Wheat, plant.Gluten}, GTIN: "00614141000012"}
}

// bare serves GET /items/{id}: one SELECT by primary key on the reader pool
// Forkline itself would open (same SQLite pragmas and pool size, or a
// PostgreSQL pool of 16), JSON-encoded. No middleware, no authentication,
// no logging: the floor that Forkline's rate is compared with.
func bare(ctx context.Context, dsn, addr string, stdout io.Writer) error {
	var db *sql.DB
	if sqlstore.IsPostgres(dsn) {
		pg, err := postgres.Open(ctx, dsn, 16)
		if err != nil {
			return err
		}
		db = pg
	} else {
		w, r, err := sqlite.Open(ctx, dsn)
		if err != nil {
			return err
		}
		defer w.Close()
		db = r
	}
	defer db.Close()
	hs := &http.Server{Addr: addr, Handler: itemHandler(db), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	fmt.Fprintf(stdout, "bare handler serving http://%s/items/{id}\n", addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// item is the items row as the bare handler sends it.
type item struct {
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

func itemHandler(db *sql.DB) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		var it item
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
