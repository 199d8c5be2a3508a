package httpapi

import (
	"net/http"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
)

// Route is one endpoint: what it does, who may call it, and its wire types
// for the OpenAPI document.
type Route struct {
	Method   string
	Pattern  string
	Perm     forkline.Permission // needed on at least one site; "" means any signed-in caller
	Tag      string
	Summary  string
	Request  any // zero value of the JSON body type, or nil
	Response any // zero value of the JSON response type, or nil
	Status   int // success status
	Query    []string
	Headers  []string // request headers the route reads, e.g. Idempotency-Key
	Body     string   // content type of a non-JSON body, e.g. "text/csv"
	Handler  http.Handler
}

// apiRoutes is the whole JSON API.
func (s *Server) apiRoutes() []Route {
	ps := s.cfg.Plant
	var rs []Route
	rs = append(rs,
		Route{Method: "GET", Pattern: "/api/v1/me", Tag: "access", Summary: "The caller and their roles per site", Response: meJSON{}, Handler: s.handleMe()},
		Route{Method: "GET", Pattern: "/api/v1/reference", Perm: forkline.PermMasterRead, Tag: "master data", Summary: "Units, allergens, item kinds, storage conditions, roles and permissions", Response: referenceJSON{}, Handler: s.handleReference()},
	)
	rs = append(rs, master(s, "sites", "Site", ps.Sites, siteToJSON, ok(siteFromJSON), nil)...)
	rs = append(rs, master(s, "areas", "Area", ps.Areas, areaToJSON, ok(areaFromJSON), &plant.AreaCSV)...)
	rs = append(rs, master(s, "lines", "Line", ps.Lines, lineToJSON, ok(lineFromJSON), &plant.LineCSV)...)
	rs = append(rs, master(s, "equipment", "Equipment", ps.Equipment, equipmentToJSON, ok(equipmentFromJSON), &plant.EquipmentCSV)...)
	rs = append(rs, master(s, "locations", "Location", ps.Locations, locationToJSON, ok(locationFromJSON), &plant.LocationCSV)...)
	rs = append(rs, master(s, "items", "Item", ps.Items, itemToJSON, itemFromJSON, &plant.ItemCSV)...)
	rs = append(rs, master(s, "suppliers", "Supplier", ps.Suppliers, supplierToJSON, ok(supplierFromJSON), &plant.SupplierCSV)...)
	rs = append(rs, master(s, "customers", "Customer", ps.Customers, customerToJSON, ok(customerFromJSON), &plant.CustomerCSV)...)
	rs = append(rs,
		Route{Method: "GET", Pattern: "/api/v1/users", Perm: forkline.PermUsersManage, Tag: "access", Summary: "List users", Response: []userJSON{}, Handler: s.handleUsers()},
		Route{Method: "POST", Pattern: "/api/v1/users", Perm: forkline.PermUsersManage, Tag: "access", Summary: "Create a user", Request: newUserJSON{}, Response: userJSON{}, Status: 201, Handler: s.handleUserCreate()},
		Route{Method: "GET", Pattern: "/api/v1/users/{id}", Tag: "access", Summary: "Show a user (yourself, or any with users.manage)", Response: userJSON{}, Handler: s.handleUserShow()},
		Route{Method: "POST", Pattern: "/api/v1/users/{id}/password", Tag: "access", Summary: "Set a user's password (yourself, or any with users.manage); ends their sessions", Request: passwordJSON{}, Status: 204, Handler: s.handleUserPassword()},
		Route{Method: "POST", Pattern: "/api/v1/users/{id}/disable", Perm: forkline.PermUsersManage, Tag: "access", Summary: "Disable a user; ends their sessions", Request: reasonJSON{}, Response: userJSON{}, Handler: s.handleUserActive(false)},
		Route{Method: "POST", Pattern: "/api/v1/users/{id}/enable", Perm: forkline.PermUsersManage, Tag: "access", Summary: "Enable a user", Request: reasonJSON{}, Response: userJSON{}, Handler: s.handleUserActive(true)},
		Route{Method: "POST", Pattern: "/api/v1/users/{id}/badge", Perm: forkline.PermUsersManage, Tag: "access", Summary: "Give a user a badge number and PIN for shared tablets", Request: badgeJSON{}, Response: userJSON{}, Handler: s.handleUserBadge()},
		Route{Method: "POST", Pattern: "/api/v1/users/{id}/grants", Perm: forkline.PermUsersManage, Tag: "access", Summary: "Grant a role on a site", Request: grantChangeJSON{}, Response: userJSON{}, Handler: s.handleGrant(true)},
		Route{Method: "POST", Pattern: "/api/v1/users/{id}/grants/revoke", Perm: forkline.PermUsersManage, Tag: "access", Summary: "Revoke a role on a site", Request: grantChangeJSON{}, Response: userJSON{}, Handler: s.handleGrant(false)},
		Route{Method: "GET", Pattern: "/api/v1/users/{id}/audit", Perm: forkline.PermAuditRead, Tag: "audit", Summary: "Audit history of a user", Response: pageJSON[auditJSON]{}, Query: []string{"limit", "before"}, Handler: s.handleUserHistory()},
		Route{Method: "GET", Pattern: "/api/v1/tokens", Perm: forkline.PermTokensManage, Tag: "access", Summary: "List API tokens", Response: []tokenJSON{}, Handler: s.handleTokens()},
		Route{Method: "POST", Pattern: "/api/v1/tokens", Perm: forkline.PermTokensManage, Tag: "access", Summary: "Create an API token for a machine or ERP system; the secret is in this response only", Request: newTokenJSON{}, Response: tokenJSON{}, Status: 201, Handler: s.handleTokenCreate()},
		Route{Method: "POST", Pattern: "/api/v1/tokens/{id}/revoke", Perm: forkline.PermTokensManage, Tag: "access", Summary: "Revoke an API token at once", Request: reasonJSON{}, Status: 204, Handler: s.handleTokenRevoke()},
		Route{Method: "GET", Pattern: "/api/v1/audit", Perm: forkline.PermAuditRead, Tag: "audit", Summary: "Audit trail, newest first", Response: pageJSON[auditJSON]{}, Query: []string{"entity", "entityId", "limit", "before"}, Handler: s.handleAudit()},
		Route{Method: "GET", Pattern: "/api/v1/audit/verify", Perm: forkline.PermAuditRead, Tag: "audit", Summary: "Verify the audit trail's hash chain", Response: verifyJSON{}, Handler: s.handleAuditVerify()},
	)
	inv, write := forkline.PermInventoryRead, forkline.PermInventoryWrite
	idem := []string{"Idempotency-Key"}
	rs = append(rs,
		Route{Method: "GET", Pattern: "/api/v1/lots", Perm: inv, Tag: "ledger", Summary: "List lots, newest first", Response: pageJSON[lotJSON]{}, Query: []string{"site", "q", "item", "status", "supplier", "supplierLot", "order", "onHand", "limit", "cursor"}, Handler: s.handleLots()},
		Route{Method: "GET", Pattern: "/api/v1/lots/{id}", Perm: inv, Tag: "ledger", Summary: "A lot with its stock by location and every event", Response: lotDetailJSON{}, Handler: s.handleLot()},
		Route{Method: "GET", Pattern: "/api/v1/lots/{id}/trace", Perm: inv, Tag: "traceability", Summary: "Backward (to supplier lots) or forward (to shipments and stock) trace", Response: traceJSON{}, Query: []string{"direction"}, Handler: s.handleTrace()},
		Route{Method: "GET", Pattern: "/api/v1/lots/{id}/mass-balance", Perm: inv, Tag: "traceability", Summary: "In = consumed + shipped + adjusted + on hand, with any difference", Response: massBalanceJSON{}, Handler: s.handleMassBalance()},
		Route{Method: "POST", Pattern: "/api/v1/receipts", Perm: write, Tag: "ledger", Summary: "Receive a lot with its FSMA 204 key data elements", Request: receiveJSON{}, Response: resultJSON{}, Status: 201, Headers: idem, Handler: s.handleReceive()},
		Route{Method: "POST", Pattern: "/api/v1/outputs", Perm: write, Tag: "ledger", Summary: "Produce a lot for a production order; links it to every lot the order consumed", Request: produceJSON{}, Response: resultJSON{}, Status: 201, Headers: idem, Handler: s.handleProduce()},
		Route{Method: "POST", Pattern: "/api/v1/lots/{id}/moves", Perm: write, Tag: "ledger", Summary: "Move stock between locations", Request: moveJSON{}, Response: resultJSON{}, Status: 201, Headers: idem, Handler: s.handleMove()},
		Route{Method: "POST", Pattern: "/api/v1/lots/{id}/consumptions", Perm: write, Tag: "ledger", Summary: "Consume stock into a production order (released, unexpired lots only)", Request: consumeJSON{}, Response: resultJSON{}, Status: 201, Headers: idem, Handler: s.handleConsume()},
		Route{Method: "POST", Pattern: "/api/v1/lots/{id}/shipments", Perm: write, Tag: "ledger", Summary: "Ship stock to a customer's ship-to location", Request: shipJSON{}, Response: resultJSON{}, Status: 201, Headers: idem, Handler: s.handleShip()},
		Route{Method: "POST", Pattern: "/api/v1/lots/{id}/adjustments", Perm: write, Tag: "ledger", Summary: "Adjust stock: waste, sample, damage, count correction", Request: adjustJSON{}, Response: resultJSON{}, Status: 201, Headers: idem, Handler: s.handleAdjust()},
		Route{Method: "POST", Pattern: "/api/v1/lots/{id}/status", Perm: forkline.PermLotHold, Tag: "ledger", Summary: "Hold (supervisor, quality), release, reject or quarantine (quality) a lot, with a reason", Request: statusJSON{}, Response: resultJSON{}, Status: 201, Headers: idem, Handler: s.handleStatus()},
		Route{Method: "POST", Pattern: "/api/v1/events/{id}/corrections", Perm: write, Tag: "ledger", Summary: "Undo an event by a compensating event", Request: correctJSON{}, Response: resultJSON{}, Status: 201, Headers: idem, Handler: s.handleCorrect()},
		Route{Method: "POST", Pattern: "/api/v1/scans", Perm: inv, Tag: "ledger", Summary: "Read a GS1 barcode (GS1-128, DataMatrix, Digital Link) and find the item by GTIN", Request: scanInJSON{}, Response: scanJSON{}, Handler: s.handleScan()},
		Route{Method: "GET", Pattern: "/api/v1/fefo", Perm: inv, Tag: "ledger", Summary: "First-expired-first-out lots for a quantity of an item", Response: fefoJSON{}, Query: []string{"site", "item", "quantity", "customer"}, Handler: s.handleFEFO()},
		Route{Method: "GET", Pattern: "/api/v1/fsma204", Perm: inv, Tag: "traceability", Summary: "FSMA 204 sortable spreadsheet (CSV or XLSX) of the receiving, transformation and shipping of Food Traceability List foods, for lots or a time window", Query: []string{"site", "lot", "from", "to", "format"}, Handler: s.handleFSMA204()},
		Route{Method: "POST", Pattern: "/api/v1/recalls", Perm: forkline.PermRecall, Tag: "traceability", Summary: "Start a mock or real recall from lots, a supplier lot or an item made on a line in a time window", Request: recallInputJSON{}, Response: recallJSON{}, Status: 201, Handler: s.handleRecallStart()},
		Route{Method: "GET", Pattern: "/api/v1/recalls", Perm: inv, Tag: "traceability", Summary: "Recalls and drills of a site, newest first", Response: []recallJSON{}, Query: []string{"site"}, Handler: s.handleRecalls()},
		Route{Method: "GET", Pattern: "/api/v1/recalls/{id}", Perm: inv, Tag: "traceability", Summary: "A recall's scope and result", Response: recallJSON{}, Handler: s.handleRecall()},
		Route{Method: "GET", Pattern: "/api/v1/recalls/{id}/report.csv", Perm: inv, Tag: "traceability", Summary: "A recall's scope as CSV", Body: "", Handler: s.handleRecallCSV()},
	)
	rcpRead, rcpWrite := forkline.PermRecipeRead, forkline.PermRecipeWrite
	prodRead, plan, exec := forkline.PermProductionRead, forkline.PermProductionPlan, forkline.PermProductionExecute
	rs = append(rs,
		Route{Method: "GET", Pattern: "/api/v1/recipes", Perm: rcpRead, Tag: "recipes", Summary: "List recipes by code, with their versions' numbers and statuses", Response: []recipeJSON{}, Query: []string{"site", "item", "q", "limit"}, Handler: s.handleRecipes()},
		Route{Method: "POST", Pattern: "/api/v1/recipes", Perm: rcpWrite, Tag: "recipes", Summary: "Create a recipe; its content is version 1, a draft", Request: newRecipeJSON{}, Response: recipeDetailJSON{}, Status: 201, Handler: s.handleRecipeCreate()},
		Route{Method: "GET", Pattern: "/api/v1/recipes/{id}", Perm: rcpRead, Tag: "recipes", Summary: "A recipe with the content and signature of every version", Response: recipeDetailJSON{}, Handler: s.handleRecipe()},
		Route{Method: "POST", Pattern: "/api/v1/recipes/{id}/versions", Perm: rcpWrite, Tag: "recipes", Summary: "Start the next version as a draft copy of the approved one", Request: newVersionJSON{}, Response: versionJSON{}, Status: 201, Handler: s.handleRecipeNewVersion()},
		Route{Method: "GET", Pattern: "/api/v1/recipe-versions/{id}", Perm: rcpRead, Tag: "recipes", Summary: "A version with its items, allergen roll-up and signature check: what a signer reviews", Response: versionDetailJSON{}, Handler: s.handleVersion()},
		Route{Method: "PUT", Pattern: "/api/v1/recipe-versions/{id}", Perm: rcpWrite, Tag: "recipes", Summary: "Save a draft's content (send the revision you edited); approved versions never change", Request: draftJSON{}, Response: versionJSON{}, Handler: s.handleDraftSave()},
		Route{Method: "POST", Pattern: "/api/v1/recipe-versions/{id}/approve", Perm: forkline.PermRecipeApprove, Tag: "recipes", Summary: "Approve a draft with an electronic signature: re-enter your password and state the meaning (people only, not API tokens)", Request: approveJSON{}, Response: versionJSON{}, Handler: s.handleApprove()},
		Route{Method: "GET", Pattern: "/api/v1/recipe-versions/{id}/verify", Perm: rcpRead, Tag: "recipes", Summary: "Recompute a version's content hash and compare it with its signature", Response: verificationJSON{}, Handler: s.handleVerify()},
		Route{Method: "GET", Pattern: "/api/v1/recipe-versions/{id}/scale", Perm: rcpRead, Tag: "recipes", Summary: "Scale a version's ingredients to a batch size, with tolerance limits", Response: scaledJSON{}, Query: []string{"batch"}, Handler: s.handleScale()},

		Route{Method: "GET", Pattern: "/api/v1/orders", Perm: prodRead, Tag: "production", Summary: "List production orders by planned start", Response: []orderJSON{}, Query: []string{"site", "line", "item", "state", "number", "limit"}, Handler: s.handleOrders()},
		Route{Method: "POST", Pattern: "/api/v1/orders", Perm: plan, Tag: "production", Summary: "Plan a production order (item and line by ID or by code)", Request: orderInJSON{}, Response: orderJSON{}, Status: 201, Handler: s.handleOrderCreate()},
		Route{Method: "POST", Pattern: "/api/v1/orders/import", Perm: plan, Tag: "production", Summary: "Import orders all or nothing: a B2MML V0600 ProductionSchedule or V0701 OperationsSchedule as application/xml (?site=, ?line= for orders naming no line), or {siteId, orders: [...]} as application/json", Request: importOrdersJSON{}, Body: "application/xml", Response: importedJSON{}, Status: 201, Query: []string{"site", "line", "reason"}, Handler: s.handleOrderImport()},
		Route{Method: "GET", Pattern: "/api/v1/orders/{id}", Perm: prodRead, Tag: "production", Summary: "A production order", Response: orderJSON{}, Handler: s.handleOrder()},
		Route{Method: "POST", Pattern: "/api/v1/orders/{id}/state", Perm: prodRead, Tag: "production", Summary: "Move an order: release, hold, resume, cancel, close (production.plan) or start, complete (production.execute)", Request: stateJSON{}, Response: orderJSON{}, Handler: s.handleOrderState()},
		Route{Method: "GET", Pattern: "/api/v1/orders/{id}/performance.xml", Perm: prodRead, Tag: "production", Summary: "The actuals of a completed order as B2MML ProductionPerformance (v0600) or OperationsPerformance (v0701)", Query: []string{"version"}, Handler: s.handlePerformance()},
		Route{Method: "GET", Pattern: "/api/v1/lines/{id}/dispatch", Perm: prodRead, Tag: "production", Summary: "A line's dispatch list: its released orders in the sequence it runs them", Response: []orderJSON{}, Handler: s.handleDispatch()},
		Route{Method: "POST", Pattern: "/api/v1/lines/{id}/changeovers", Perm: exec, Tag: "production", Summary: "Record a completed cleaning or changeover of a line", Request: changeoverInJSON{}, Response: changeoverJSON{}, Status: 201, Handler: s.handleChangeover()},
		Route{Method: "POST", Pattern: "/api/v1/orders/{id}/materials", Perm: exec, Tag: "production", Summary: "Add a scanned lot: checked against the recipe, tolerance, FEFO and the ledger; a supervisor may override tolerance or FEFO with a reason", Request: materialInJSON{}, Response: additionJSON{}, Status: 201, Headers: idem, Handler: s.handleAddMaterial()},
		Route{Method: "POST", Pattern: "/api/v1/orders/{id}/materials/{additionId}/retry", Perm: exec, Tag: "production", Summary: "Book an addition the ledger did not confirm (its author only)", Response: additionJSON{}, Handler: s.handleRetryAddition()},
		Route{Method: "POST", Pattern: "/api/v1/orders/{id}/parameters", Perm: exec, Tag: "production", Summary: "Record a process value; outside its limits it raises a deviation (critical at a CCP)", Request: parameterInJSON{}, Response: readingResultJSON{}, Status: 201, Handler: s.handleParameter()},
		Route{Method: "POST", Pattern: "/api/v1/orders/{id}/outputs", Perm: exec, Tag: "production", Summary: "Produce an output lot of the order, in quarantine until the batch is released", Request: outputInJSON{}, Response: outputJSON{}, Status: 201, Headers: idem, Handler: s.handleOutput()},
		Route{Method: "GET", Pattern: "/api/v1/orders/{id}/batch-record", Perm: prodRead, Tag: "production", Summary: "The electronic batch record, exceptions first", Response: batchRecordJSON{}, Handler: s.handleBatchRecord()},
		Route{Method: "POST", Pattern: "/api/v1/orders/{id}/batch-record/release", Perm: forkline.PermBatchRelease, Tag: "production", Summary: "Release the batch with an electronic signature, which releases its output lots; refused with an open critical deviation", Request: releaseJSON{}, Response: signatureJSON{}, Handler: s.handleBatchRelease()},
		Route{Method: "GET", Pattern: "/api/v1/orders/{id}/batch-record/verify", Perm: prodRead, Tag: "production", Summary: "Check that the batch record still hashes to what its release signature is bound to", Response: releaseCheckJSON{}, Handler: s.handleReleaseVerify()},
		Route{Method: "POST", Pattern: "/api/v1/deviations/{id}/close", Perm: forkline.PermDeviationClose, Tag: "production", Summary: "Close a deviation with an electronic signature and the reason", Request: closeDeviationJSON{}, Response: deviationJSON{}, Handler: s.handleDeviationClose()},
	)
	rs = append(rs, s.machineRoutes()...)
	for i := range rs {
		if rs[i].Status == 0 {
			rs[i].Status = http.StatusOK
		}
	}
	return rs
}

// ok adapts a conversion that cannot fail.
func ok[W, T any](f func(W) T) func(W) (T, error) { return func(w W) (T, error) { return f(w), nil } }

// master returns the routes of one kind of master record.
func master[T any, P recordPtr[T], W reasoned](s *Server, path, label string, cat catalog[T], toJSON func(T) W, fromJSON func(W) (T, error), csv *plant.CSVSpec[T]) []Route {
	rs := &resource[T, P, W]{s: s, path: path, cat: cat, toJSON: toJSON, fromJSON: fromJSON, csv: csv}
	var zero W
	base := "/api/v1/" + path
	tag := "master data"
	out := []Route{
		{Method: "GET", Pattern: base, Perm: forkline.PermMasterRead, Tag: tag, Summary: "List " + path + " (by code; paginated)", Response: pageJSON[W]{}, Query: []string{"site", "q", "inactive", "limit", "cursor"}, Handler: rs.list()},
		{Method: "POST", Pattern: base, Perm: forkline.PermMasterWrite, Tag: tag, Summary: "Create a " + label, Request: zero, Response: zero, Status: 201, Handler: rs.create()},
		{Method: "GET", Pattern: base + "/{id}", Perm: forkline.PermMasterRead, Tag: tag, Summary: "Show a " + label, Response: zero, Handler: rs.show()},
		{Method: "PUT", Pattern: base + "/{id}", Perm: forkline.PermMasterWrite, Tag: tag, Summary: "Change a " + label + " (send the version you read)", Request: zero, Response: zero, Handler: rs.update()},
		{Method: "POST", Pattern: base + "/{id}/disable", Perm: forkline.PermMasterWrite, Tag: tag, Summary: "Disable a " + label, Request: activeJSON{}, Response: zero, Handler: rs.setActive(false)},
		{Method: "POST", Pattern: base + "/{id}/enable", Perm: forkline.PermMasterWrite, Tag: tag, Summary: "Enable a " + label, Request: activeJSON{}, Response: zero, Handler: rs.setActive(true)},
		{Method: "GET", Pattern: base + "/{id}/audit", Perm: forkline.PermAuditRead, Tag: "audit", Summary: "Audit history of a " + label, Response: pageJSON[auditJSON]{}, Query: []string{"limit", "before"}, Handler: rs.history()},
	}
	if csv != nil {
		out = append(out, Route{Method: "POST", Pattern: base + "/import", Perm: forkline.PermMasterWrite, Tag: tag,
			Summary: "Import " + path + " from CSV, all or nothing (columns: " + joinCols(csv.Columns()) + ")",
			Body:    "text/csv", Response: importJSON{}, Status: 201, Query: []string{"site", "reason"}, Handler: rs.importCSV()})
	}
	return out
}

func joinCols(cs []string) string {
	out := ""
	for i, c := range cs {
		if i > 0 {
			out += ", "
		}
		out += c
	}
	return out
}
