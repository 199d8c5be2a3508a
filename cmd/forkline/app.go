package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/performance"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/wiring"
)

// app is the wired application: one database and the services over it.
// Wiring happens here and nowhere else.
type app struct {
	db    *sqlstore.DB
	now   func() time.Time
	ids   *forkline.IDGenerator
	plant *plant.Service
	auth  *auth.Service
	audit *audit.Service
	inv   *inventory.Service
	rcp   *recipe.Service
	prod  *production.Service
	pipe  *monitoring.Pipeline // machine samples reach the database here
	mon   *monitoring.Service
	perf  *performance.Service
}

// openApp opens and migrates the database dsn and builds the services.
func openApp(ctx context.Context, dsn string, logger *slog.Logger) (*app, error) {
	now := func() time.Time { return time.Now().UTC() }
	ids := forkline.NewIDGenerator(now)
	db, err := sqlstore.Open(ctx, dsn, ids, now)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 && logger != nil {
		logger.Info("migrated", "engine", db.Engine(), "versions", applied)
	}
	authSvc := auth.NewService(db.Auth(), ids, now, auth.DefaultHashParams)
	inv := inventory.NewService(db.Inventory(), ids, now)
	pl := plant.NewService(db.Plant(), ids, now)
	prod := production.NewService(db.Production(), wiring.ProductionLedger{Inv: inv}, authSvc, ids, now)
	ms := db.Monitoring() // one store: it keeps its prepared statements
	pipe := monitoring.NewPipeline(ms, ids, now, logger)
	return &app{
		db: db, now: now, ids: ids,
		plant: pl,
		auth:  authSvc,
		audit: audit.NewService(db),
		inv:   inv,
		rcp:   recipe.NewService(db.Recipes(), authSvc, ids, now),
		prod:  prod,
		pipe:  pipe,
		mon:   monitoring.NewService(ms, ms, wiring.EquipmentLookup{Plant: pl}, pipe, now),
		perf:  performance.NewService(perfSource{plant: pl, store: ms, prod: prod}, now),
	}, nil
}

// cliActor is who the administration verbs act as: the system, named "cli"
// in the audit trail. Whoever can run the binary against the database is
// trusted, as with any database console.
var cliActor = forkline.Actor{Kind: forkline.ActorSystem, ID: "system", Name: "cli"}

func cliContext(ctx context.Context) context.Context { return forkline.WithActor(ctx, cliActor) }

// siteByCode finds a site by its code.
func (a *app) siteByCode(ctx context.Context, code string) (plant.Site, error) {
	sites, err := a.plant.Sites.List(cliContext(ctx), plant.Filter{Codes: []string{code}, IncludeInactive: true, Limit: 1})
	if err != nil {
		return plant.Site{}, err
	}
	if len(sites) == 0 {
		return plant.Site{}, fmt.Errorf("no site has the code %q", code)
	}
	return sites[0], nil
}
