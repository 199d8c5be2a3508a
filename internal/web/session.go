package web

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
)

// loginPage is the sign-in form.
type loginPage struct {
	layout
	Username string
	Next     string
	Error    string
}

func (ui *UI) handleLoginForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := safeNext(r.URL.Query().Get("next"))
		if _, ok := forkline.ActorFrom(r.Context()); ok {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		ui.render(w, r, http.StatusOK, "login", loginPage{layout: ui.bareLayout(w, r, "Sign in"), Next: next})
	})
}

func (ui *UI) handleLogin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			ui.fail(w, r, forkline.Errorf(forkline.Invalid, "The form could not be read."))
			return
		}
		username, next := strings.TrimSpace(r.PostForm.Get("username")), safeNext(r.PostForm.Get("next"))
		secret, _, err := ui.cfg.Auth.Login(r.Context(), username, r.PostForm.Get("password"))
		if err != nil {
			if forkline.ErrorCode(err) == forkline.Internal {
				ui.cfg.Logger.ErrorContext(r.Context(), "sign in", "err", err)
			}
			p := loginPage{layout: ui.bareLayout(w, r, "Sign in"), Username: username, Next: next, Error: forkline.ErrorMessage(err)}
			ui.render(w, r, status(forkline.ErrorCode(err)), "login", p)
			return
		}
		http.SetCookie(w, ui.cookie(auth.SessionCookie, secret, auth.SessionTTL))
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}

func (ui *UI) handleLogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
			if err := ui.cfg.Auth.Logout(r.Context(), c.Value); err != nil {
				ui.fail(w, r, err)
				return
			}
		}
		http.SetCookie(w, ui.cookie(auth.SessionCookie, "", 0))
		ui.redirect(w, r, "/login", "You are signed out.")
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
