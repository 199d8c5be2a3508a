package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/forkline/forkline"
)

// panicPage is shown to a browser when a page panics: the UI's own error
// page could be what failed.
const panicPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong - Forkline</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:15vh auto;max-width:36rem;padding:0 1rem;color:#1f2933}</style></head>
<body><h1>Something went wrong</h1><p>Forkline could not show this page. The problem has been logged; give the
request ID <code>%s</code> to your administrator.</p><p><a href="/">Back to the dashboard</a></p></body></html>`

type infoKey struct{}

// reqInfo is filled in as the request passes inward, for the access log and
// metrics, which run outermost and cannot see the inner request copies.
type reqInfo struct {
	id    string
	route string
	actor string
}

func info(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// RequestID returns the request's ID, as sent back in X-Request-ID.
func RequestID(ctx context.Context) string { return info(ctx).id }

func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Flush lets Server-Sent Events through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an ID, recovers panics as 500s, logs one line
// per request and records metrics by route pattern.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		ri := &reqInfo{id: id}
		ctx := context.WithValue(r.Context(), infoKey{}, ri)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				err := &forkline.Error{Code: forkline.Internal, Msg: "panic", Err: fmt.Errorf("panic: %v", v)}
				switch {
				case sw.status == 0 && !strings.HasPrefix(r.URL.Path, "/api/") && strings.Contains(r.Header.Get("Accept"), "text/html"):
					s.cfg.Logger.ErrorContext(ctx, "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "requestId", id)
					sw.Header().Set("Content-Type", "text/html; charset=utf-8")
					sw.WriteHeader(http.StatusInternalServerError)
					fmt.Fprintf(sw, panicPage, html.EscapeString(id))
				case sw.status == 0:
					writeError(sw, r, s.cfg.Logger, err)
				default:
					s.cfg.Logger.ErrorContext(ctx, "panic after response started", "err", err)
				}
			}
			route := ri.route
			if route == "" {
				route = "other"
			}
			d := time.Since(start)
			s.reqs.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
			s.latency.WithLabelValues(route).Observe(d.Seconds())
			s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "http",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", sw.status), slog.Int("bytes", sw.bytes), slog.Duration("duration", d),
				slog.String("requestId", id), slog.String("actor", ri.actor), slog.String("remote", r.RemoteAddr))
		}()
		next.ServeHTTP(sw, r)
	})
}
