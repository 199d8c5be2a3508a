package web

import (
	"net/http"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
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
	if ui.cfg.Inventory != nil {
		rs = append(rs, ui.ledgerRoutes()...)
	}
	if ui.cfg.Recipes != nil && ui.cfg.Production != nil {
		if ui.cfg.Inventory != nil {
			rs = append(rs, ui.terminalRoutes()...)
		}
		rs = append(rs, ui.productionRoutes()...)
	}
	if ui.cfg.Monitoring != nil {
		rs = append(rs, ui.machineRoutes()...)
		rs = append(rs, ui.machineTagRoutes()...)
		if ui.terminal() {
			rs = append(rs, ui.stopRoutes()...)
		}
	}
	for _, k := range ui.kinds {
		rs = append(rs, k.routes()...)
	}
	return rs
}

// terminal reports whether the UI has the operator terminal: it needs
// the recipes, the production orders and the ledger.
func (ui *UI) terminal() bool {
	return ui.cfg.Recipes != nil && ui.cfg.Production != nil && ui.cfg.Inventory != nil
}

// machineRoutes are the live views of machine data and the performance
// reports. The guard checks machine.read on any site; each page checks it
// again on its own site.
//
//	GET  /plant                          the site's lines as tiles: state, order, OEE today, rate
//	GET  /plant/events                   ?site=: changed tiles as HTML (Server-Sent Events)
//	GET  /plant/lines/{id}               a line today: state timeline, counts against target, trends, Pareto
//	GET  /plant/lines/{id}/events        the line's machine state (Server-Sent Events)
//	GET  /reports/oee                    OEE of a site, line or equipment over a range, by shift, day or order
//	GET  /reports/oee.csv                the same rows as CSV
//	GET  /reports/downtime               downtime Pareto of a site, line or equipment over a range
//	GET  /reports/downtime.csv           the Pareto rows as CSV
func (ui *UI) machineRoutes() []Route {
	read := forkline.PermMachineRead
	rs := []Route{
		{Method: "GET", Pattern: "/plant", Perm: read, Handler: ui.handlePlant()},
		{Method: "GET", Pattern: "/plant/events", Perm: read, Handler: ui.handlePlantEvents()},
		{Method: "GET", Pattern: "/plant/lines/{id}", Perm: read, Handler: ui.handleLineDetail()},
		{Method: "GET", Pattern: "/plant/lines/{id}/events", Perm: read, Handler: ui.handleLineMachineEvents()},
	}
	if ui.cfg.Performance != nil {
		rs = append(rs,
			Route{Method: "GET", Pattern: "/reports/oee", Perm: read, Handler: ui.handleOEEReport(false)},
			Route{Method: "GET", Pattern: "/reports/oee.csv", Perm: read, Handler: ui.handleOEEReport(true)},
			Route{Method: "GET", Pattern: "/reports/downtime", Perm: read, Handler: ui.handleDowntimeReport(false)},
			Route{Method: "GET", Pattern: "/reports/downtime.csv", Perm: read, Handler: ui.handleDowntimeReport(true)},
		)
	}
	return rs
}

// stopRoutes let operators give unplanned stops their reason at the line's
// terminal. The service checks downtime.classify again on the stop's site.
//
//	GET  /terminal/stops                       the site's lines with stops to classify today
//	GET  /terminal/lines/{id}/stops/{stop}     a stop and the site's reasons, as large buttons
//	POST /terminal/lines/{id}/stops/{stop}     classify it
func (ui *UI) stopRoutes() []Route {
	classify := forkline.PermDowntimeClassify
	return []Route{
		{Method: "GET", Pattern: "/terminal/stops", Perm: classify, Handler: ui.handleTerminalStops()},
		{Method: "GET", Pattern: "/terminal/lines/{id}/stops/{stop}", Perm: classify, Handler: ui.handleStop()},
		{Method: "POST", Pattern: "/terminal/lines/{id}/stops/{stop}", Perm: classify, Handler: ui.handleClassify()},
	}
}

// ledgerRoutes are the pages of the material ledger. The guard checks the
// permission on any site; the service checks it again on the lot's or the
// recall's own site.
//
//	GET  /receive                  receiving form with a scan field
//	POST /receive                  read a scan into the form, or receive the lot
//	GET  /lots                     lots: search, status, item, on hand only, paged
//	GET  /lots/{id}                a lot: stock, mass balance, events, its forms
//	POST /lots/{id}/move           move stock between locations
//	POST /lots/{id}/adjust         waste, sample, count correction, damage
//	POST /lots/{id}/ship           ship to a customer's ship-to location
//	POST /lots/{id}/hold           put on hold, with a reason
//	POST /lots/{id}/release        release, with a reason (quality)
//	POST /lots/{id}/reject         reject, with a reason (quality)
//	POST /lots/{id}/correct        correct one of its events, with a reason
//	GET  /lots/{id}/trace          ?direction=backward|forward: the genealogy as SVG, customers, stock
//	GET  /fefo                     which lots to use for a quantity, first expired first out
//	GET  /recalls                  recalls and drills of the site, and the start form
//	POST /recalls                  start a recall or drill
//	GET  /recalls/{id}             its printable report
//	GET  /recalls/{id}/report.csv  its scope as CSV, the columns of the API's report
func (ui *UI) ledgerRoutes() []Route {
	read, write := forkline.PermInventoryRead, forkline.PermInventoryWrite
	hold, release, recall := forkline.PermLotHold, forkline.PermLotRelease, forkline.PermRecall
	return []Route{
		{Method: "GET", Pattern: "/receive", Perm: write, Handler: ui.handleReceiveForm()},
		{Method: "POST", Pattern: "/receive", Perm: write, Handler: ui.handleReceive()},
		{Method: "GET", Pattern: "/lots", Perm: read, Handler: ui.handleLots()},
		{Method: "GET", Pattern: "/lots/{id}", Perm: read, Handler: ui.handleLot()},
		{Method: "POST", Pattern: "/lots/{id}/move", Perm: write, Handler: ui.handleLotMove()},
		{Method: "POST", Pattern: "/lots/{id}/adjust", Perm: write, Handler: ui.handleLotAdjust()},
		{Method: "POST", Pattern: "/lots/{id}/ship", Perm: write, Handler: ui.handleLotShip()},
		{Method: "POST", Pattern: "/lots/{id}/hold", Perm: hold, Handler: ui.handleLotStatus(inventory.Hold)},
		{Method: "POST", Pattern: "/lots/{id}/release", Perm: release, Handler: ui.handleLotStatus(inventory.Released)},
		{Method: "POST", Pattern: "/lots/{id}/reject", Perm: release, Handler: ui.handleLotStatus(inventory.Rejected)},
		{Method: "POST", Pattern: "/lots/{id}/correct", Perm: write, Handler: ui.handleLotCorrect()},
		{Method: "GET", Pattern: "/lots/{id}/trace", Perm: read, Handler: ui.handleTrace()},
		{Method: "GET", Pattern: "/fefo", Perm: read, Handler: ui.handleFEFO()},
		{Method: "GET", Pattern: "/recalls", Perm: read, Handler: ui.handleRecalls()},
		{Method: "POST", Pattern: "/recalls", Perm: recall, Handler: ui.handleRecallStart()},
		{Method: "GET", Pattern: "/recalls/{id}", Perm: read, Handler: ui.handleRecall()},
		{Method: "GET", Pattern: "/recalls/{id}/report.csv", Perm: read, Handler: ui.handleRecallCSV()},
	}
}

// terminalRoutes are the operator terminal: pages for a 10-inch tablet at
// the line, used with gloves and a keyboard-wedge scanner. The service
// checks each command's permission again on the order's own site.
//
//	GET  /terminal                        the site's lines: what each runs, what is next
//	GET  /terminal/lines/{id}             a line's dispatch list: released orders in sequence
//	GET  /terminal/lines/{id}/events      the line's live state (Server-Sent Events)
//	POST /terminal/lines/{id}/changeover  record a completed cleaning or changeover
//	GET  /terminal/orders/{id}            run an order step by step (?step=N, ?step=finish)
//	POST /terminal/orders/{id}/start      start it on its line
//	POST /terminal/orders/{id}/add        read a scanned lot, or add material of it
//	POST /terminal/orders/{id}/readings   record a process parameter value
//	POST /terminal/orders/{id}/output     book an output lot
//	POST /terminal/orders/{id}/complete   complete the order
func (ui *UI) terminalRoutes() []Route {
	read, exec := forkline.PermProductionRead, forkline.PermProductionExecute
	return []Route{
		{Method: "GET", Pattern: "/terminal", Perm: read, Handler: ui.handleTerminal()},
		{Method: "GET", Pattern: "/terminal/lines/{id}", Perm: read, Handler: ui.handleTerminalLine()},
		{Method: "GET", Pattern: "/terminal/lines/{id}/events", Perm: read, Handler: ui.handleLineEvents()},
		{Method: "POST", Pattern: "/terminal/lines/{id}/changeover", Perm: exec, Handler: ui.handleChangeover()},
		{Method: "GET", Pattern: "/terminal/orders/{id}", Perm: read, Handler: ui.handleTerminalOrder()},
		{Method: "POST", Pattern: "/terminal/orders/{id}/start", Perm: exec, Handler: ui.handleStart()},
		{Method: "POST", Pattern: "/terminal/orders/{id}/add", Perm: exec, Handler: ui.handleAdd()},
		{Method: "POST", Pattern: "/terminal/orders/{id}/readings", Perm: exec, Handler: ui.handleReading()},
		{Method: "POST", Pattern: "/terminal/orders/{id}/output", Perm: exec, Handler: ui.handleOutput()},
		{Method: "POST", Pattern: "/terminal/orders/{id}/complete", Perm: exec, Handler: ui.handleComplete()},
	}
}

// productionRoutes are the supervisor's and quality's pages: orders,
// electronic batch records, deviations and recipes. Signatures re-enter
// the password and state their meaning.
//
//	GET  /orders                   the site's orders by state
//	GET  /orders/{id}              an order: facts, history, the state changes the user may make
//	POST /orders/{id}/state        release, hold, resume, cancel or close it, with a reason
//	GET  /orders/{id}/record       its electronic batch record, exceptions first; prints
//	GET  /orders/{id}/record.pdf   the batch record as PDF
//	POST /orders/{id}/release      release the batch with an electronic signature
//	GET  /deviations               the site's deviations, open and critical first
//	POST /deviations/{id}/close    close a deviation with an electronic signature
//	GET  /recipes                  the site's recipes and their versions
//	GET  /recipes/{id}             a version (?version=N): ingredients, steps, parameters, allergens, signature
//	POST /recipes/{id}/approve     approve its draft with an electronic signature
func (ui *UI) productionRoutes() []Route {
	read, plan := forkline.PermProductionRead, forkline.PermProductionPlan
	return []Route{
		{Method: "GET", Pattern: "/orders", Perm: read, Handler: ui.handleOrders()},
		{Method: "GET", Pattern: "/orders/{id}", Perm: read, Handler: ui.handleOrder()},
		{Method: "POST", Pattern: "/orders/{id}/state", Perm: plan, Handler: ui.handleOrderState()},
		{Method: "GET", Pattern: "/orders/{id}/record", Perm: read, Handler: ui.handleBatchRecord()},
		{Method: "GET", Pattern: "/orders/{id}/record.pdf", Perm: read, Handler: ui.handleBatchRecordPDF()},
		{Method: "POST", Pattern: "/orders/{id}/release", Perm: forkline.PermBatchRelease, Handler: ui.handleBatchRelease()},
		{Method: "GET", Pattern: "/deviations", Perm: read, Handler: ui.handleDeviations()},
		{Method: "POST", Pattern: "/deviations/{id}/close", Perm: forkline.PermDeviationClose, Handler: ui.handleDeviationClose()},
		{Method: "GET", Pattern: "/recipes", Perm: forkline.PermRecipeRead, Handler: ui.handleRecipes()},
		{Method: "GET", Pattern: "/recipes/{id}", Perm: forkline.PermRecipeRead, Handler: ui.handleRecipe()},
		{Method: "POST", Pattern: "/recipes/{id}/approve", Perm: forkline.PermRecipeApprove, Handler: ui.handleRecipeApprove()},
	}
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
