package web

import (
	"net/http"

	"github.com/forkline/forkline"
)

// Route is one page or form action of the UI.
type Route struct {
	Method  string
	Pattern string              // an http.ServeMux pattern without the method
	Perm    forkline.Permission // needed on at least one site; "" means any signed-in user
	Public  bool                // no sign-in needed
	Handler http.Handler
}

// uiRoutes is the whole UI. Any other path shows the 404 page.
func (ui *UI) uiRoutes() []Route {
	rs := []Route{
		{Method: "GET", Pattern: "/login", Public: true, Handler: ui.handleLoginForm()},
		{Method: "POST", Pattern: "/login", Public: true, Handler: ui.handleLogin()},
		{Method: "POST", Pattern: "/logout", Handler: ui.handleLogout()},
		{Method: "GET", Pattern: "/static/{file}", Public: true, Handler: ui.handleStatic()},
		{Method: "GET", Pattern: "/{$}", Handler: ui.handleHome()},
	}
	for _, k := range ui.kinds {
		rs = append(rs, k.routes()...)
	}
	return rs
}

// routes returns the pages of one kind of master record, e.g. for items:
//
//	GET  /items                  list: search, active or disabled, paged
//	GET  /items/new              form for a new item
//	POST /items                  create it
//	GET  /items/import           CSV import form (kinds with a CSV form only)
//	POST /items/import           import a CSV file, all or nothing
//	GET  /items/{id}             the item, with its audit history
//	GET  /items/{id}/edit        form to change it
//	POST /items/{id}             change it (with a reason for GMP records)
//	POST /items/{id}/disable     disable it, with a reason
//	POST /items/{id}/enable      enable it again, with a reason
func (k *kind[T, P]) routes() []Route {
	base := "/" + k.Path
	read, write := forkline.PermMasterRead, forkline.PermMasterWrite
	rs := []Route{
		{Method: "GET", Pattern: base, Perm: read, Handler: k.handleList()},
		{Method: "GET", Pattern: base + "/new", Perm: k.createPerm, Handler: k.handleNew()},
		{Method: "POST", Pattern: base, Perm: k.createPerm, Handler: k.handleCreate()},
	}
	if k.csv != nil {
		rs = append(rs,
			Route{Method: "GET", Pattern: base + "/import", Perm: write, Handler: k.handleImportForm()},
			Route{Method: "POST", Pattern: base + "/import", Perm: write, Handler: k.handleImport()},
		)
	}
	return append(rs,
		Route{Method: "GET", Pattern: base + "/{id}", Perm: read, Handler: k.handleShow()},
		Route{Method: "GET", Pattern: base + "/{id}/edit", Perm: write, Handler: k.handleEdit()},
		Route{Method: "POST", Pattern: base + "/{id}", Perm: write, Handler: k.handleUpdate()},
		Route{Method: "POST", Pattern: base + "/{id}/disable", Perm: write, Handler: k.handleSetActive(false)},
		Route{Method: "POST", Pattern: base + "/{id}/enable", Perm: write, Handler: k.handleSetActive(true)},
	)
}
