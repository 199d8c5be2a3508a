package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/forkline/forkline/internal/b2mml"
	"github.com/forkline/forkline/internal/fsma204"
	"github.com/forkline/forkline/internal/httpapi"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/simulator"
	"github.com/forkline/forkline/internal/sqlstore"
)

// runServe runs "serve", or "demo" when demo is true: a fresh database
// seeded with the sample plant, then the same server.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, demo bool) error {
	var c config
	var mc machineConfig
	name, defDB := "serve", "forkline.db"
	if demo {
		name, defDB = "demo", "forkline-demo.db"
	}
	fs := newFlags(name, stderr)
	dbFlag(fs, &c, defDB)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen address (env FORKLINE_ADDR)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark cookies Secure: set when users reach Forkline over HTTPS (env FORKLINE_SECURE_COOKIES)")
	logFlags(fs, &c)
	machineFlags(fs, &mc)
	speed := 1.0
	if demo {
		fs.Float64Var(&speed, "speed", 1, "demo: simulated seconds per real second for the live machines (env FORKLINE_SPEED)")
	}
	fs.BoolVar(&c.PrintConfig, "print-config", false, "print the effective configuration, secrets redacted, and exit")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if c.PrintConfig {
		printConfig(stdout, fs, getenv)
		return nil
	}
	logger, err := c.logger(stderr)
	if err != nil {
		return err
	}
	if demo {
		if err := freshDemoDB(ctx, c.DB); err != nil {
			return err
		}
	}
	a, err := openApp(ctx, c.DB, logger)
	if err != nil {
		return err
	}
	defer a.db.Close()
	if demo {
		if err := simulator.Seed(cliContext(ctx), simulator.Services{Plant: a.plant, Auth: a.auth, Inventory: a.inv, Recipes: a.rcp, Production: a.prod}, a.now()); err != nil {
			return fmt.Errorf("seed demo plant: %w", err)
		}
	}
	if demo && (mc.MQTTListen == "off" || mc.MQTTURL != "") {
		return fmt.Errorf("demo runs its machines through the embedded MQTT broker: leave --mqtt-url empty and --mqtt-listen on")
	}
	if demo && speed > 1 {
		a.pipe.MaxAhead = 365 * 24 * time.Hour // the simulated machines' clocks run ahead on purpose
	}
	md, err := startMachineData(ctx, a, mc, logger)
	if err != nil {
		return err
	}
	defer md.Stop()
	if demo {
		sim, err := seedMachines(ctx, a, speed)
		if err != nil {
			return err
		}
		go func() {
			if err := runLive(ctx, sim, "tcp://"+md.broker.Addr(), "forkline-demo", speed, io.Discard, logger); err != nil {
				logger.Error("demo machines stopped", "err", err)
			}
		}()
		// Deliveries, batches and shipments go on through the ledger.
		ledger, err := simulator.NewLiveLedger(cliContext(ctx), simulator.Services{Plant: a.plant, Auth: a.auth, Inventory: a.inv, Recipes: a.rcp, Production: a.prod}, "SPR")
		if err != nil {
			return err
		}
		go ledger.Run(ctx, max(time.Second, time.Duration(float64(2*time.Minute)/speed)), a.now, logger)
	}
	ui := newUI(a, logger, c.SecureCookies)
	srv := httpapi.New(httpapi.Config{
		Logger: logger, Plant: a.plant, Auth: a.auth, Audit: a.audit, Inventory: a.inv, FSMA204: httpapi.FSMA204Writers{"csv": fsma204.WriteCSV, "xlsx": fsma204.WriteXLSX},
		Recipes: a.rcp, Production: a.prod, B2MML: b2mmlFuncs(), Ready: a.db.Ping, Now: a.now, Version: version, UI: ui, Monitoring: a.mon,
	})
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "Forkline %s serving %s (database: %s, %s)\n", version, url, a.db.Engine(), sqlstoreName(c.DB))
	if demo {
		fmt.Fprintf(stdout, "Demo plant ready. Open %s and sign in as %s with password %s\n", url, simulator.DemoUser, simulator.DemoPassword)
		fmt.Fprintf(stdout, "Other demo users (same password): %s\n", simulator.OtherUsers)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          nil,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func sqlstoreName(dsn string) string {
	if sqlstore.IsPostgres(dsn) {
		return redactURL(dsn)
	}
	return dsn
}

// seedMachines adds the demo's live machines, books the day before now
// through the ingest pipeline, gives some of its stops their reasons, and
// returns the simulation to go on live from now.
func seedMachines(ctx context.Context, a *app, speed float64) (*simulator.Simulation, error) {
	sys := cliContext(ctx)
	layout, err := simulator.SeedMachines(sys, simulator.MachineDeps{Plant: a.plant, Monitoring: a.mon})
	if err != nil {
		return nil, fmt.Errorf("seed demo machines: %w", err)
	}
	a.pipe.Reload()
	now := a.now()
	sim := simulator.NewSimulation(layout, 1, now.Add(-24*time.Hour))
	if err := sim.History(ctx, a.pipe, now); err != nil {
		return nil, fmt.Errorf("demo machine history: %w", err)
	}
	if err := simulator.ClassifyStops(sys, a.mon, layout, monitoring.Range{From: now.Add(-24 * time.Hour), To: now}, 1); err != nil {
		return nil, fmt.Errorf("demo stop reasons: %w", err)
	}
	return sim, nil
}

// freshDemoDB removes an old demo SQLite file so that every demo starts
// from the same plant. A PostgreSQL demo database must be empty already.
func freshDemoDB(ctx context.Context, dsn string) error {
	if sqlstore.IsPostgres(dsn) {
		return nil
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(dsn + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove old demo database: %w", err)
		}
	}
	return nil
}

// b2mmlFuncs gives the API the b2mml adapter's reader and writers. The
// API mirrors the adapter's types field for field; adapters do not import
// each other, so they meet here.
func b2mmlFuncs() httpapi.B2MML {
	write := func(f func(io.Writer, b2mml.Performance) error) func(io.Writer, httpapi.B2MMLPerformance) error {
		return func(w io.Writer, p httpapi.B2MMLPerformance) error {
			out := b2mml.Performance{ID: p.ID, OrderID: p.OrderID, ERPReference: p.ERPReference, ItemCode: p.ItemCode, Start: p.Start, End: p.End,
				EquipmentID: p.EquipmentID}
			for _, m := range p.Produced {
				out.Produced = append(out.Produced, b2mml.MaterialActual(m))
			}
			for _, m := range p.Consumed {
				out.Consumed = append(out.Consumed, b2mml.MaterialActual(m))
			}
			for _, prm := range p.Parameters {
				out.Parameters = append(out.Parameters, b2mml.ParameterActual(prm))
			}
			return f(w, out)
		}
	}
	return httpapi.B2MML{
		ParseSchedule: func(r io.Reader) (httpapi.B2MMLSchedule, error) {
			s, err := b2mml.Parse(r)
			if err != nil {
				return httpapi.B2MMLSchedule{}, err
			}
			out := httpapi.B2MMLSchedule{ID: s.ID}
			for _, o := range s.Orders {
				out.Orders = append(out.Orders, httpapi.B2MMLOrder(o))
			}
			return out, nil
		},
		WritePerformance: map[string]func(io.Writer, httpapi.B2MMLPerformance) error{
			"v0600": write(b2mml.WriteProductionPerformance),
			"v0701": write(b2mml.WriteOperationsPerformance),
		},
	}
}
