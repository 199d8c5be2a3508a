package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/forkline/forkline"
)

// post sends a ledger command with an Idempotency-Key.
func (e *env) post(role forkline.Role, path, key string, body any) (int, http.Header, []byte) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.ts.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, out
}

func TestARetriedCommandBooksOnceAndReturnsTheFirstResult(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"locationId": e.ids["locations"], "quantity": "1 kg", "orderRef": "WO-1"}
	path := "/api/v1/lots/" + e.ids["lots"] + "/consumptions"
	var wg sync.WaitGroup
	type answer struct {
		code     int
		replayed string
		eventID  string
	}
	answers := make([]answer, 12)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, h, b := e.post(forkline.RoleOperator, path, "tablet-7-retry", body)
			var res struct {
				Events []struct{ ID string } `json:"events"`
			}
			json.Unmarshal(b, &res)
			a := answer{code: code, replayed: h.Get("Idempotent-Replayed")}
			if len(res.Events) == 1 {
				a.eventID = res.Events[0].ID
			}
			answers[i] = a
		}()
	}
	wg.Wait()
	created := 0
	for _, a := range answers {
		if a.code == 201 {
			created++
		} else if a.code != 200 || a.replayed != "true" {
			t.Errorf("retry = %d (replayed %q), want 200 replayed", a.code, a.replayed)
		}
		if a.eventID == "" || a.eventID != answers[0].eventID {
			t.Errorf("retry returned event %q, want the first result's %q", a.eventID, answers[0].eventID)
		}
	}
	if created != 1 {
		t.Errorf("%d retries booked, want exactly 1", created)
	}
	_, body2 := e.call(forkline.RoleOperator, "GET", "/api/v1/lots/"+e.ids["lots"]+"/mass-balance", nil)
	if !strings.Contains(string(body2), `"consumed":"1 kg"`) {
		t.Errorf("mass balance after 12 retries = %s, want 1 kg consumed", body2)
	}
	body["quantity"] = "2 kg"
	if code, _, b := e.post(forkline.RoleOperator, path, "tablet-7-retry", body); code != 409 {
		t.Errorf("same key, other request = %d, want 409: %s", code, b)
	}
	if code, _, b := e.post(forkline.RoleOperator, path, "bad key with spaces", body); code != 422 || !strings.Contains(string(b), "Idempotency-Key") {
		t.Errorf("bad key = %d: %s", code, b)
	}
}

func TestLedgerCommandsRefuseWhatWouldHarmFood(t *testing.T) {
	e := newEnv(t)
	lot := "/api/v1/lots/" + e.ids["lots"]
	if code, _, b := e.post(forkline.RoleOperator, lot+"/status", "", map[string]any{"status": "hold", "reason": "x"}); code != 403 {
		t.Errorf("an operator holding a lot = %d, want 403: %s", code, b)
	}
	if code, _, b := e.post(forkline.RoleSupervisor, lot+"/status", "", map[string]any{"status": "hold", "reason": "metal found at the sieve"}); code != 201 {
		t.Fatalf("a supervisor holding a lot = %d: %s", code, b)
	}
	code, _, b := e.post(forkline.RoleOperator, lot+"/consumptions", "", map[string]any{"locationId": e.ids["locations"], "quantity": "1 kg", "orderRef": "WO-9"})
	if code != 409 || !strings.Contains(string(b), "on hold") {
		t.Errorf("consuming a held lot = %d, want 409 saying it is on hold: %s", code, b)
	}
	if code, _, b := e.post(forkline.RoleSupervisor, lot+"/status", "", map[string]any{"status": "released", "reason": "ok"}); code != 403 {
		t.Errorf("a supervisor releasing = %d, want 403 (quality releases): %s", code, b)
	}
	if code, _, b := e.post(forkline.RoleQuality, lot+"/status", "", map[string]any{"status": "released", "reason": "sieve check clear"}); code != 201 {
		t.Errorf("quality releasing = %d: %s", code, b)
	}
	code, _, b = e.post(forkline.RoleOperator, lot+"/consumptions", "", map[string]any{"locationId": e.ids["locations"], "quantity": "101 kg", "orderRef": "WO-9"})
	if code != 409 || !strings.Contains(string(b), "less than") {
		t.Errorf("consuming more than on hand = %d: %s", code, b)
	}
	code, _, b = e.post(forkline.RoleOperator, "/api/v1/receipts", "", map[string]any{"siteId": e.site.ID, "itemId": e.ids["items"], "quantity": "ten kg"})
	p := decodeProblem(t, b)
	if code != 422 || len(p.Fields) == 0 || p.Fields[0].Field != "quantity" {
		t.Errorf("receipt with a bad quantity = %d: %s", code, b)
	}
	code, _, b = e.post(forkline.RoleOperator, "/api/v1/receipts", "", map[string]any{"siteId": e.site.ID, "itemId": e.ids["items"], "supplierId": e.ids["suppliers"],
		"quantity": "3 case", "locationId": e.ids["locations"]})
	if code != 422 || !strings.Contains(string(b), "quantity") {
		t.Errorf("receipt in cases of an item without a case size = %d: %s", code, b)
	}
}

func TestATraceShowsWhereALotWent(t *testing.T) {
	e := newEnv(t)
	out := map[string]any{"siteId": e.site.ID, "itemId": e.ids["items"], "locationId": e.ids["locations"], "quantity": "20 kg", "orderRef": "WO-5"}
	if code, _, b := e.post(forkline.RoleOperator, "/api/v1/lots/"+e.ids["lots"]+"/consumptions", "", map[string]any{"locationId": e.ids["locations"], "quantity": "25 kg", "orderRef": "WO-5"}); code != 201 {
		t.Fatalf("consume = %d: %s", code, b)
	}
	code, _, b := e.post(forkline.RoleOperator, "/api/v1/outputs", "", out)
	if code != 201 {
		t.Fatalf("produce = %d: %s", code, b)
	}
	var res struct {
		Lot struct{ ID, Code string } `json:"lot"`
	}
	json.Unmarshal(b, &res)
	if code, _, b := e.post(forkline.RoleOperator, "/api/v1/lots/"+res.Lot.ID+"/shipments", "", map[string]any{"locationId": e.ids["locations"], "quantity": "5 kg",
		"customerId": e.ids["customers"], "shipToId": e.ids["shipTo"], "docType": "BOL", "docNumber": "BOL-77"}); code != 201 {
		t.Fatalf("ship = %d: %s", code, b)
	}
	code, body := e.call(forkline.RoleAuditor, "GET", "/api/v1/lots/"+e.ids["lots"]+"/trace?direction=forward", nil)
	if code != 200 {
		t.Fatalf("trace = %d: %s", code, body)
	}
	var tr struct {
		Nodes     []struct{ Depth int } `json:"nodes"`
		Edges     []struct{ Quantity string }
		Shipments []struct{ CustomerName, DocNumber, Quantity string }
		OnHand    []struct{ Quantity string } `json:"onHand"`
	}
	json.Unmarshal(body, &tr)
	if len(tr.Nodes) != 2 || len(tr.Edges) != 1 || tr.Edges[0].Quantity != "25 kg" || len(tr.Shipments) != 1 || tr.Shipments[0].DocNumber != "BOL-77" || len(tr.OnHand) != 2 {
		t.Errorf("forward trace = %s", body)
	}
	code, body = e.call(forkline.RoleQuality, "GET", "/api/v1/lots/"+res.Lot.ID+"/trace?direction=sideways", nil)
	if code != 422 {
		t.Errorf("a trace sideways = %d: %s", code, body)
	}
}

func TestAScanFindsTheItemAndFillsTheReceipt(t *testing.T) {
	e := newEnv(t)
	it := plantItem(e.site.ID, "EGG")
	it.GTIN = "09521234543213"
	if _, err := e.plant.Items.Create(sys, it, ""); err != nil {
		t.Fatal(err)
	}
	code, body := e.call(forkline.RoleOperator, "POST", "/api/v1/scans", map[string]any{"siteId": e.site.ID, "barcode": "(01)09521234543213(17)261231(10)EGG-4471(3103)012500"})
	if code != 200 {
		t.Fatalf("scan = %d: %s", code, body)
	}
	var got struct {
		GTIN, Lot, Expiry, NetWeight string
		Item                         *struct{ Code string }
	}
	json.Unmarshal(body, &got)
	if got.Lot != "EGG-4471" || got.Expiry != "2026-12-31" || got.NetWeight != "12.5 kg" || got.Item == nil || got.Item.Code != "EGG" {
		t.Errorf("scan = %s", body)
	}
	code, body = e.call(forkline.RoleOperator, "POST", "/api/v1/scans", map[string]any{"siteId": e.site.ID, "barcode": "(01)09521234543214(10)X"})
	if p := decodeProblem(t, body); code != 422 || len(p.Fields) == 0 || p.Fields[0].Field != "(01)" {
		t.Errorf("scan with a bad check digit = %d: %s", code, body)
	}
}

func TestTheFSMA204SpreadsheetListsTraceabilityListFoods(t *testing.T) {
	e := newEnv(t)
	cuke := plantItem(e.site.ID, "CUKE")
	cuke.TraceabilityList = true
	cuke.Name = "Fresh cucumbers"
	it, err := e.plant.Items.Create(sys, cuke, "")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, b := e.post(forkline.RoleOperator, "/api/v1/receipts", "", map[string]any{"siteId": e.site.ID, "itemId": it.ID, "supplierId": e.ids["suppliers"],
		"supplierLot": "FARM-0301", "quantity": "500 kg", "locationId": e.ids["locations"], "docType": "BOL", "docNumber": "B-991", "receivedAt": "2026-03-01T10:00:00Z"}); code != 201 {
		t.Fatalf("receive = %d: %s", code, b)
	}
	code, body := e.call(forkline.RoleAuditor, "GET", "/api/v1/fsma204?site="+e.site.ID+"&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z", nil)
	if code != 200 || !strings.Contains(string(body), "FARM-0301") || !strings.Contains(string(body), "B-991") {
		t.Fatalf("fsma204 csv = %d:\n%s", code, body)
	}
	if strings.Contains(string(body), "S-1") {
		t.Errorf("the spreadsheet lists the flour lot S-1, which is not on the Food Traceability List:\n%s", body)
	}
	code, body = e.call(forkline.RoleAuditor, "GET", "/api/v1/fsma204?site="+e.site.ID+"&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z&format=xlsx", nil)
	if code != 200 || !bytes.HasPrefix(body, []byte("PK")) {
		t.Errorf("fsma204 xlsx = %d, %d bytes", code, len(body))
	}
	if code, body := e.call(forkline.RoleAuditor, "GET", "/api/v1/fsma204?site="+e.site.ID+"&format=pdf", nil); code != 422 {
		t.Errorf("format pdf = %d: %s", code, body)
	}
}

func TestATraceKeepsCodesWithControlCharactersIntact(t *testing.T) {
	// The trace packs each row into one text with US (0x1f) between fields
	// and escapes free text with ESC (0x1b); codes holding both must come
	// back exactly.
	e := newEnv(t)
	odd := "FARM\x1f03\x1bu\x1be-\x1b"
	code, _, b := e.post(forkline.RoleOperator, "/api/v1/receipts", "", map[string]any{"siteId": e.site.ID, "itemId": e.ids["items"], "supplierId": e.ids["suppliers"],
		"supplierLot": odd, "tlc": odd + "-TLC", "quantity": "50 kg", "locationId": e.ids["locations"], "docType": "BOL", "docNumber": "B\x1f1"})
	if code != 201 {
		t.Fatalf("receive = %d: %s", code, b)
	}
	var res struct {
		Lot struct{ ID string } `json:"lot"`
	}
	json.Unmarshal(b, &res)
	code, body := e.call(forkline.RoleAuditor, "GET", "/api/v1/lots/"+res.Lot.ID+"/trace?direction=forward", nil)
	if code != 200 {
		t.Fatalf("trace = %d: %s", code, body)
	}
	var tr struct {
		Nodes []struct {
			Lot struct{ ID, TLC, SupplierLot, Status string } `json:"lot"`
		} `json:"nodes"`
		OnHand []struct{ Quantity string } `json:"onHand"`
	}
	json.Unmarshal(body, &tr)
	if len(tr.Nodes) != 1 || tr.Nodes[0].Lot.SupplierLot != odd || tr.Nodes[0].Lot.TLC != odd+"-TLC" || tr.Nodes[0].Lot.Status == "" ||
		len(tr.OnHand) != 1 || tr.OnHand[0].Quantity != "50 kg" {
		t.Errorf("trace of a lot with control characters in its codes = %s", body)
	}
}
