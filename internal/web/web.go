package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
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
)

//go:embed templates
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Cookie names besides the session cookie, which auth names.
const (
	siteCookie  = "forkline_site"  // the current site's ID
	flashCookie = "forkline_flash" // a message for the next page, after a redirect
)

// Config is what the UI needs.
type Config struct {
	Logger *slog.Logger
	Plant  *plant.Service
	Auth   *auth.Service
	Audit  *audit.Service
	// Inventory is the material ledger; nil leaves out its pages.
	Inventory *inventory.Service
	// Recipes and Production are the master recipes and the production
	// orders; nil leaves out their pages. The operator terminal needs both
	// and the ledger.
	Recipes    *recipe.Service
	Production *production.Service
	// Monitoring is the machine data: the plant overview, a line's detail
	// and the classification of stops on the terminal; nil leaves them
	// out. Its pipeline, when it has one, drives their live updates.
	Monitoring *monitoring.Service
	// Performance computes OEE and the downtime Pareto for the live views
	// and the reports; nil leaves out the reports and the OEE figures.
	Performance Performance
	// MicroStop is the micro-stop threshold: shorter stops are not listed
	// on the terminal for classification. 0 means 2 minutes.
	MicroStop time.Duration
	Now       func() time.Time
	Secure    bool // mark cookies Secure: set when the server is reached over HTTPS
	// LivePoll is how often an open live page checks its line for changes
	// made outside this UI (the API, machines); 0 means every 2 seconds.
	// Changes made through the UI are pushed at once.
	LivePoll time.Duration
}

// UI is the browser interface.
type UI struct {
	cfg     Config
	kinds   []masterKind                  // master-data kinds, in navigation order
	pages   map[string]*template.Template // by page name, each with the layout
	static  fs.FS
	version map[string]string // static file name -> content hash, for cache busting
	routes  []Route
	mux     *http.ServeMux
	live    *liveHub
}

// New builds the UI and registers every route.
func New(cfg Config) *UI {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LivePoll <= 0 {
		cfg.LivePoll = 2 * time.Second
	}
	if cfg.MicroStop <= 0 {
		cfg.MicroStop = 2 * time.Minute
	}
	ui := &UI{cfg: cfg, mux: http.NewServeMux(), version: map[string]string{}, live: newLiveHub()}
	ui.static, _ = fs.Sub(staticFiles, "static")
	entries, _ := fs.ReadDir(ui.static, ".")
	for _, e := range entries {
		b, _ := fs.ReadFile(ui.static, e.Name())
		sum := sha256.Sum256(b)
		ui.version[e.Name()] = hex.EncodeToString(sum[:6])
	}
	ui.pages = ui.parseTemplates()
	ui.kinds = ui.masterKinds()
	ui.routes = ui.uiRoutes()
	for _, rt := range ui.routes {
		ui.mux.Handle(rt.Method+" "+rt.Pattern, ui.guard(rt))
	}
	// Any other path or method: the 404 page.
	ui.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ui.fail(w, r, forkline.ErrNotFound)
	}))
	return ui
}

// Routes returns every route of the UI, for tests and documentation.
func (ui *UI) Routes() []Route { return slices.Clone(ui.routes) }

// Handler returns the UI's handler. The HTTP server mounts it at "/" behind
// its middleware, which identifies the user and refuses cross-origin posts.
func (ui *UI) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		ui.mux.ServeHTTP(w, r)
	})
}

// guard sends anonymous visitors to the sign-in page and refuses signed-in
// users without the route's permission on any site, before the handler runs.
func (ui *UI) guard(rt Route) http.Handler {
	if rt.Public {
		return rt.Handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := forkline.ActorFrom(r.Context())
		if !ok {
			ui.toLogin(w, r)
			return
		}
		if rt.Perm != "" && !a.CanAnywhere(rt.Perm) {
			ui.fail(w, r, forkline.ErrForbidden)
			return
		}
		rt.Handler.ServeHTTP(w, r)
	})
}

// toLogin redirects to the sign-in page, which returns to this page after.
// A form post cannot be repeated by a redirect, so it returns to the page
// the form was on.
func (ui *UI) toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		next = "/"
		if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
			next = ref.RequestURI()
		}
	}
	to := "/login?next=" + url.QueryEscape(safeNext(next))
	if strings.HasPrefix(next, "/terminal") {
		to += "&method=badge" // the operator terminal runs on shared tablets
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// safeNext returns next if it is a path on this server, else "/", so the
// sign-in page cannot be used to send users to another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "/login" {
		return "/"
	}
	return next
}

// visit is what every signed-in page knows about its request: who asks and
// on which site.
type visit struct {
	actor forkline.Actor
	user  auth.User
	sites []plant.Site // the active sites the actor may read, by code
	site  plant.Site   // the current site; zero when there is none
	loc   *time.Location
}

// can reports whether the actor holds p on the site.
func (v visit) can(p forkline.Permission, site forkline.ID) bool { return v.actor.Can(p, site) }

// visit reads the actor and resolves the current site, remembering a site
// chosen with ?site= in a cookie.
func (ui *UI) visit(w http.ResponseWriter, r *http.Request) (visit, error) {
	ctx := r.Context()
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return visit{}, err
	}
	v := visit{actor: a, loc: time.UTC}
	v.user, _ = auth.UserFrom(ctx)
	if a.CanAnywhere(forkline.PermMasterRead) {
		v.sites, err = ui.cfg.Plant.Sites.List(ctx, plant.Filter{Limit: 500})
		if err != nil && forkline.ErrorCode(err) != forkline.Forbidden {
			return visit{}, err
		}
	}
	find := func(id string) (plant.Site, bool) {
		i := slices.IndexFunc(v.sites, func(s plant.Site) bool { return s.ID == id })
		if i < 0 {
			return plant.Site{}, false
		}
		return v.sites[i], true
	}
	var ok bool
	if id := r.URL.Query().Get("site"); id != "" {
		if v.site, ok = find(id); ok {
			http.SetCookie(w, ui.cookie(siteCookie, id, 365*24*time.Hour))
		}
	}
	if !ok {
		if c, err := r.Cookie(siteCookie); err == nil {
			v.site, ok = find(c.Value)
		}
	}
	for _, id := range a.Sites(forkline.PermMasterRead) {
		if ok {
			break
		}
		v.site, ok = find(id)
	}
	if !ok && len(v.sites) > 0 {
		v.site = v.sites[0]
	}
	if v.site.TimeZone != "" {
		if loc, err := time.LoadLocation(v.site.TimeZone); err == nil {
			v.loc = loc
		}
	}
	return v, nil
}

// cookie returns a cookie of the UI: HttpOnly, SameSite=Lax, for every path.
// A zero or negative maxAge deletes it.
func (ui *UI) cookie(name, value string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: ui.cfg.Secure,
		MaxAge: int(maxAge / time.Second)}
	if maxAge <= 0 {
		c.MaxAge = -1
	}
	return c
}

// flash is a message for the page after a redirect.
type flash struct {
	Kind string // "ok", "error", "warn" (needs attention) or "danger" (a critical alert)
	Msg  string
}

// flashKinds are the kinds of flash message, with their alert style.
var flashKinds = map[string]string{"ok": "alert-ok", "error": "alert-error", "warn": "alert-warn", "danger": "alert-danger"}

// Class returns the flash's alert style.
func (f flash) Class() string { return flashKinds[f.Kind] }

// setFlash keeps a message for the next page the browser shows.
func (ui *UI) setFlash(w http.ResponseWriter, kind, msg string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + msg))
	http.SetCookie(w, ui.cookie(flashCookie, v, time.Minute))
}

// takeFlash returns the waiting message, if any, and forgets it. A live
// page fetching itself again in the background leaves it for the page the
// browser shows next.
func (ui *UI) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	if r.Header.Get(liveHeader) != "" {
		return nil
	}
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, ui.cookie(flashCookie, "", 0))
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	kind, msg, ok := strings.Cut(string(b), "\x00")
	if _, known := flashKinds[kind]; err != nil || !ok || !known {
		return nil
	}
	return &flash{Kind: kind, Msg: msg}
}

// redirect answers a successful form post: a flash message and a 303 to the
// page that shows the result.
func (ui *UI) redirect(w http.ResponseWriter, r *http.Request, to, msg string) {
	if msg != "" {
		ui.setFlash(w, "ok", msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// layout is what the layout template shows around every page.
type layout struct {
	Title    string
	Bare     bool // no navigation: the sign-in page, or pages for visitors
	Terminal bool // the operator terminal: full width, large targets, no side navigation
	Home     string
	Heading  string // the terminal's bar: what it shows (a line, an order)
	BackURL  string // the terminal's bar: one level up
	BackText string
	// Refresh reloads a page every so many seconds when JavaScript is off;
	// with it, the page updates live instead.
	Refresh int
	// LiveSrc is the stream of Server-Sent Events the page listens to, and
	// LiveVersion the state of the line the page was drawn from.
	LiveSrc, LiveVersion string
	// LiveKey is the shape of the page (an order's state): when it
	// changes, a live page reloads rather than swapping its parts.
	LiveKey  string
	User     string
	Nav      []navLink
	Sites    []siteOption
	SiteID   string
	SiteName string
	SwitchTo string // where the site switcher goes
	Flash    *flash
	static   map[string]string
}

// Static returns the URL of an embedded static file, with its content hash
// so browsers may cache it for long.
func (l layout) Static(name string) string { return "/static/" + name + "?v=" + l.static[name] }

type navLink struct {
	Label, URL string
	Heading    string // starts a section of the navigation
	Current    bool
	Primary    bool // the main action of a page
}

type siteOption struct {
	ID, Label string
	Current   bool
}

// layout returns the frame of a page for a signed-in visit.
func (ui *UI) layout(w http.ResponseWriter, r *http.Request, v visit, title string) layout {
	l := layout{Title: title, Flash: ui.takeFlash(w, r), static: ui.version, SiteID: v.site.ID, SiteName: v.site.Name, SwitchTo: "/"}
	l.User = v.user.DisplayName
	if l.User == "" {
		l.User = v.actor.Name
	}
	l.Nav = append(l.Nav, navLink{Label: "Dashboard", URL: "/", Current: r.URL.Path == "/"})
	section := func(heading string, links []navLink) {
		for i, link := range links {
			if i == 0 {
				link.Heading = heading
			}
			link.Current = r.URL.Path == link.URL || strings.HasPrefix(r.URL.Path, link.URL+"/")
			if r.URL.Path == link.URL {
				l.SwitchTo = link.URL // a list or form of the site: the same page on the other site
			}
			l.Nav = append(l.Nav, link)
		}
	}
	if ui.cfg.Production != nil && ui.cfg.Recipes != nil {
		var links []navLink
		if ui.cfg.Inventory != nil && v.actor.CanAnywhere(forkline.PermProductionRead) {
			links = append(links, navLink{Label: "Operator terminal", URL: "/terminal"})
		}
		if v.actor.CanAnywhere(forkline.PermProductionRead) {
			links = append(links, navLink{Label: "Orders", URL: "/orders"}, navLink{Label: "Deviations", URL: "/deviations"})
		}
		if v.actor.CanAnywhere(forkline.PermRecipeRead) {
			links = append(links, navLink{Label: "Recipes", URL: "/recipes"})
		}
		section("Production", links)
	}
	if ui.cfg.Monitoring != nil {
		var links []navLink
		if v.actor.CanAnywhere(forkline.PermMachineRead) {
			links = append(links, navLink{Label: "Plant overview", URL: "/plant"})
			if ui.cfg.Performance != nil {
				links = append(links, navLink{Label: "OEE report", URL: "/reports/oee"}, navLink{Label: "Downtime", URL: "/reports/downtime"})
			}
		}
		if ui.terminal() && v.actor.CanAnywhere(forkline.PermDowntimeClassify) && v.actor.CanAnywhere(forkline.PermProductionRead) {
			links = append(links, navLink{Label: "Classify stops", URL: "/terminal/stops"})
		}
		if v.actor.CanAnywhere(forkline.PermMachineConfigure) {
			links = append(links, navLink{Label: "Machine tags", URL: "/machine/tags"})
		}
		section("Performance", links)
	}
	if ui.cfg.Inventory != nil {
		var links []navLink
		if v.actor.CanAnywhere(forkline.PermInventoryWrite) {
			links = append(links, navLink{Label: "Receive", URL: "/receive"})
		}
		if v.actor.CanAnywhere(forkline.PermInventoryRead) {
			links = append(links, navLink{Label: "Lots", URL: "/lots"}, navLink{Label: "FEFO", URL: "/fefo"}, navLink{Label: "Recalls", URL: "/recalls"})
		}
		section("Traceability", links)
	}
	if v.actor.CanAnywhere(forkline.PermMasterRead) {
		var links []navLink
		for _, k := range ui.kinds {
			info := k.info()
			links = append(links, navLink{Label: info.Titles, URL: "/" + info.Path})
		}
		section("Master data", links)
	}
	for _, s := range v.sites {
		l.Sites = append(l.Sites, siteOption{ID: s.ID, Label: s.Name + " (" + s.Code + ")", Current: s.ID == v.site.ID})
	}
	return l
}

// bareLayout returns the frame of a page without navigation.
func (ui *UI) bareLayout(w http.ResponseWriter, r *http.Request, title string) layout {
	return layout{Title: title, Bare: true, Flash: ui.takeFlash(w, r), static: ui.version}
}

// parseTemplates parses each page with the layout and the shared partials.
func (ui *UI) parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"lower": strings.ToLower,
		"inc":   func(i int) int { return i + 1 },
	}
	pages := map[string]*template.Template{}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFiles,
			"templates/layout.html", "templates/partials.html", n))
	}
	return pages
}

// render writes a page. It renders into a buffer first, so that a template
// error becomes a clean 500 and not half a page.
func (ui *UI) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var buf bytes.Buffer
	t, ok := ui.pages[page]
	if !ok {
		ui.internal(w, r, fmt.Errorf("no page template %q", page))
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		ui.internal(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// internal logs err and writes a plain 500, for when even the error page fails.
func (ui *UI) internal(w http.ResponseWriter, r *http.Request, err error) {
	ui.cfg.Logger.ErrorContext(r.Context(), "web page", "path", r.URL.Path, "err", err)
	http.Error(w, "Forkline could not show this page. The error has been logged.", http.StatusInternalServerError)
}

// errorPage is the 403, 404, 409, 422, 500 and 503 page.
type errorPage struct {
	layout
	Status    int
	Heading   string
	Message   string
	RequestID string
}

// status maps an error code to an HTTP status, as the API does.
func status(code forkline.Code) int {
	switch code {
	case forkline.Invalid:
		return http.StatusUnprocessableEntity
	case forkline.Unauthorized:
		return http.StatusUnauthorized
	case forkline.Forbidden:
		return http.StatusForbidden
	case forkline.NotFound:
		return http.StatusNotFound
	case forkline.Conflict:
		return http.StatusConflict
	case forkline.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail shows the page for an error that the handler cannot show in place.
// Internal errors are logged here, once; the user sees only a reference.
func (ui *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := forkline.ErrorCode(err)
	if code == forkline.Unauthorized {
		ui.toLogin(w, r)
		return
	}
	p := errorPage{Status: status(code), Message: forkline.ErrorMessage(err)}
	switch code {
	case forkline.Forbidden:
		p.Heading = "You do not have access to this page"
		p.Message += " If you need it for your work, ask a Forkline administrator to grant you a role on this site."
	case forkline.NotFound:
		p.Heading = "Page not found"
		p.Message = "There is nothing at this address. It may have been mistyped, or the record it pointed to does not exist."
	case forkline.Invalid:
		p.Heading = "The request is not valid"
	case forkline.Conflict:
		p.Heading = "This change clashes with the record as it is now"
	case forkline.Unavailable:
		p.Heading = "Forkline is busy or a service is unavailable"
		p.Message += " Wait a moment and try again."
	default:
		p.Heading = "Something went wrong"
		p.Message = "Forkline could not complete this request. The error has been logged; if it happens again, give your administrator the reference below."
		p.RequestID = w.Header().Get("X-Request-ID")
		ui.cfg.Logger.ErrorContext(r.Context(), "web request", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if _, ok := forkline.ActorFrom(r.Context()); ok && code != forkline.Internal && code != forkline.Unavailable {
		if v, verr := ui.visit(w, r); verr == nil {
			p.layout = ui.layout(w, r, v, p.Heading)
		}
	}
	if p.layout.static == nil {
		p.layout = ui.bareLayout(w, r, p.Heading)
	}
	ui.render(w, r, p.Status, "error", p)
}

// requireSite returns the current site, or a Forbidden error when the user
// may read no active site.
func (v visit) requireSite() (plant.Site, error) {
	if v.site.ID == "" {
		return plant.Site{}, forkline.Errorf(forkline.Forbidden, "You have no role on an active site.")
	}
	return v.site, nil
}

// stamp is a time as people read it: when, in the site's time zone, and how long ago.
type stamp struct {
	At, Ago string
}

func (ui *UI) when(t time.Time, loc *time.Location) stamp {
	s := stamp{At: t.In(loc).Format("2 Jan 2006, 15:04 MST")}
	d := ui.cfg.Now().Sub(t)
	switch {
	case d < 0:
	case d < time.Minute:
		s.Ago = "just now"
	case d < time.Hour:
		s.Ago = fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		s.Ago = fmt.Sprintf("%d h ago", int(d/time.Hour))
	default:
		s.Ago = fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
	return s
}
