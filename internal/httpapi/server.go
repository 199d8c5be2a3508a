package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is what the HTTP surface needs.
type Config struct {
	Logger *slog.Logger
	Plant  *plant.Service
	Auth   *auth.Service
	Audit  *audit.Service
	// Inventory is the material ledger.
	Inventory *inventory.Service
	// FSMA204 writes the FSMA 204 sortable spreadsheet, by format.
	FSMA204 FSMA204Writers
	// Recipes keeps master recipes and approves their versions.
	Recipes *recipe.Service
	// Production plans and runs production orders.
	Production *production.Service
	// B2MML reads ERP schedules and writes order performance in ISA-95 B2MML.
	B2MML B2MML
	// Monitoring takes machine data and answers what the machines did; nil for no machine-data routes.
	Monitoring *monitoring.Service
	Ready      func(context.Context) error // for /readyz: the database answers
	Now        func() time.Time
	Version    string
	// UI serves every path outside /api/v1 and the operational endpoints; nil for none.
	UI http.Handler
}

// Server is the HTTP surface.
type Server struct {
	cfg     Config
	routes  []Route
	mux     *http.ServeMux
	reg     *prometheus.Registry
	reqs    *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// New builds the server and registers every route.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, mux: http.NewServeMux(), reg: prometheus.NewRegistry()}
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "forkline_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "forkline_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"})
	s.reg.MustRegister(s.reqs, s.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.registerMachineMetrics()
	s.routes = s.apiRoutes()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.guard(rt))
	}
	s.mux.Handle("GET /api/v1/openapi.json", s.handleOpenAPI())
	s.mux.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, map[string]string{"status": "ok", "version": cfg.Version})
	}))
	s.mux.Handle("GET /readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := cfg.Ready(ctx); err != nil {
			writeError(w, r, cfg.Logger, err)
			return
		}
		encode(w, http.StatusOK, map[string]string{"status": "ready"})
	}))
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	s.mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, cfg.Logger, forkline.Errorf(forkline.NotFound, "There is no API endpoint %s %s.", r.Method, r.URL.Path))
	}))
	if cfg.UI != nil {
		s.mux.Handle("/", cfg.UI)
	}
	return s
}

// Routes returns the API routes, for tests and the OpenAPI document.
func (s *Server) Routes() []Route { return s.routes }

// PublicPaths are the endpoints anyone may call.
var PublicPaths = []string{"GET /api/v1/openapi.json", "GET /healthz", "GET /readyz", "GET /metrics"}

// Handler returns the whole HTTP handler with its middleware.
func (s *Server) Handler() http.Handler {
	var h http.Handler = s.mux
	h = s.authenticate(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.observe(h)
	return h
}

// guard refuses anonymous callers (401) and callers without the route's
// permission on any site (403), before the handler runs.
func (s *Server) guard(rt Route) http.Handler {
	pattern := rt.Method + " " + rt.Pattern
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info(r.Context()).route = pattern
		a, ok := forkline.ActorFrom(r.Context())
		if !ok {
			writeError(w, r, s.cfg.Logger, forkline.ErrUnauthenticated)
			return
		}
		if rt.Perm != "" && !a.CanAnywhere(rt.Perm) {
			writeError(w, r, s.cfg.Logger, forkline.ErrForbidden)
			return
		}
		rt.Handler.ServeHTTP(w, r)
	})
}

// authenticate puts the actor of a bearer token or session cookie into the
// request's context. A bad credential is answered 401 at once; no credential
// leaves the request anonymous, for the route to refuse or allow.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			secret, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				writeError(w, r, s.cfg.Logger, forkline.Errorf(forkline.Unauthorized, "Use Authorization: Bearer <token>."))
				return
			}
			a, err := s.cfg.Auth.ActorForToken(ctx, strings.TrimSpace(secret))
			if err != nil {
				writeError(w, r, s.cfg.Logger, err)
				return
			}
			info(ctx).actor = a.Name
			next.ServeHTTP(w, r.WithContext(forkline.WithActor(ctx, a)))
			return
		}
		if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
			a, u, err := s.cfg.Auth.ActorForSession(ctx, c.Value)
			if err == nil {
				ctx = forkline.WithActor(ctx, a)
				ctx = auth.WithUser(ctx, u)
				info(ctx).actor = a.Name
			} else if forkline.ErrorCode(err) != forkline.Unauthorized {
				writeError(w, r, s.cfg.Logger, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
