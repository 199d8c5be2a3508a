package main

import (
	"log/slog"
	"net/http"
)

// newUI builds the web UI over the app's services.
func newUI(a *app, logger *slog.Logger, secure bool) http.Handler {
	return nil
}
