package web

import (
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
)

// loginMethodCookie remembers how a browser last signed in, so that a
// shared tablet opens the sign-in page on the badge tab.
const loginMethodCookie = "forkline_login"

// loginPage is the sign-in form: a username and password, or a badge
// number and PIN for shared tablets.
type loginPage struct {
	layout
	Badge       bool // the badge tab is open
	Username    string
	BadgeNumber string
	Next        string
	Error       string
	PasswordURL string
	BadgeURL    string
	Keys        []string // the PIN keypad, in rows of three
}

func (ui *UI) loginPage(w http.ResponseWriter, r *http.Request, badge bool, next string) loginPage {
	q := url.Values{"next": {next}, "method": {"password"}}
	p := loginPage{layout: ui.bareLayout(w, r, "Sign in"), Badge: badge, Next: next, PasswordURL: "/login?" + q.Encode(),
		Keys: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"}}
	q.Set("method", "badge")
	p.BadgeURL = "/login?" + q.Encode()
	return p
}

func (ui *UI) handleLoginForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := safeNext(r.URL.Query().Get("next"))
		if _, ok := forkline.ActorFrom(r.Context()); ok {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		badge := r.URL.Query().Get("method") == "badge"
		if m := r.URL.Query().Get("method"); m == "" {
			if c, err := r.Cookie(loginMethodCookie); err == nil && c.Value == "badge" {
				badge = true
			}
		}
		ui.render(w, r, http.StatusOK, "login", ui.loginPage(w, r, badge, next))
	})
}

func (ui *UI) handleLogin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			ui.fail(w, r, forkline.Errorf(forkline.Invalid, "The form could not be read."))
			return
		}
		f := r.PostForm
		next, badge := safeNext(f.Get("next")), f.Get("method") == "badge"
		var secret string
		var err error
		p := ui.loginPage(w, r, badge, next)
		if badge {
			p.BadgeNumber = strings.TrimSpace(f.Get("badge"))
			switch {
			case p.BadgeNumber == "":
				err = forkline.Errorf(forkline.Invalid, "Scan your badge or type its number.")
			case f.Get("pin") == "":
				err = forkline.Errorf(forkline.Invalid, "Enter your PIN.")
			default:
				secret, _, err = ui.cfg.Auth.LoginBadge(r.Context(), p.BadgeNumber, f.Get("pin"))
			}
			if next == "/" && ui.cfg.Production != nil && ui.cfg.Inventory != nil {
				next = "/terminal" // a badge signs in at a line
			}
		} else {
			p.Username = strings.TrimSpace(f.Get("username"))
			secret, _, err = ui.cfg.Auth.Login(r.Context(), p.Username, f.Get("password"))
		}
		if err != nil {
			if forkline.ErrorCode(err) == forkline.Internal {
				ui.cfg.Logger.ErrorContext(r.Context(), "sign in", "err", err)
			}
			p.Error = forkline.ErrorMessage(err)
			ui.render(w, r, status(forkline.ErrorCode(err)), "login", p)
			return
		}
		method := "password"
		if badge {
			method = "badge"
		}
		http.SetCookie(w, ui.cookie(loginMethodCookie, method, 365*24*time.Hour))
		http.SetCookie(w, ui.cookie(auth.SessionCookie, secret, auth.SessionTTL))
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}

// handleLogout signs out. From the operator terminal ("Switch user") the
// next person signs in with their badge and comes back to the same page.
func (ui *UI) handleLogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
			if err := ui.cfg.Auth.Logout(r.Context(), c.Value); err != nil {
				ui.fail(w, r, err)
				return
			}
		}
		http.SetCookie(w, ui.cookie(auth.SessionCookie, "", 0))
		to := "/login"
		if r.ParseForm() == nil && r.PostForm.Get("next") != "" {
			to = "/login?" + url.Values{"next": {safeNext(r.PostForm.Get("next"))}, "method": {"badge"}}.Encode()
		}
		ui.redirect(w, r, to, "You are signed out.")
	})
}

// handleStatic serves the embedded CSS, JavaScript and icon. Links carry a
// content hash, so browsers may keep a file for a long time.
func (ui *UI) handleStatic() http.Handler {
	files := http.FileServerFS(ui.static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if _, err := fs.Stat(ui.static, name); err != nil {
			ui.fail(w, r, forkline.ErrNotFound)
			return
		}
		if v := r.URL.Query().Get("v"); v != "" && v == ui.version[name] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		files.ServeHTTP(w, r2)
	})
}
