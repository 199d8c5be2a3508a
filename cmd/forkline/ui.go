package main

import (
	"log/slog"
	"net/http"

	"github.com/forkline/forkline/internal/web"
)

// newUI builds the web UI over the app's services.
func newUI(a *app, logger *slog.Logger, secure bool) http.Handler {
	return web.New(web.Config{Logger: logger, Plant: a.plant, Auth: a.auth, Audit: a.audit, Inventory: a.inv,
		Recipes: a.rcp, Production: a.prod, Now: a.now, Secure: secure,
		Monitoring: a.mon, Performance: a.perf, MicroStop: a.perf.MicroStop}).Handler()
}
