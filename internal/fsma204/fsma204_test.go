package fsma204_test

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/fsma204"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func at(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }

// pickleWorksRecords books a known scenario on a real SQLite store and
// returns its FSMA 204 records. In March 2026, at a plant in Chicago:
// cucumbers (on the Food Traceability List) and vinegar (not on it) are
// received on the 2nd; order WO-7 consumes both (the cucumbers in two goes)
// and produces pickles on the 3rd; the pickles are shipped on the 4th in
// the evening (the 5th in UTC), after a mistaken shipment was corrected.
func pickleWorksRecords(t *testing.T) inventory.FSMA204Records {
	t.Helper()
	clock := storetest.NewClock(at(10, 12))
	db := storetest.Open(t, storetest.Engines()[0], clock)
	ids := forkline.NewIDGenerator(clock.Now)
	ps := plant.NewService(db.Plant(), ids, clock.Now)
	inv := inventory.NewService(db.Inventory(), ids, clock.Now)
	ctx := storetest.SystemContext()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	site, err := ps.Sites.Create(ctx, plant.Site{Record: plant.Record{Code: "SPW", Name: "Springfield Pickle Works"}, TimeZone: "America/Chicago"}, "")
	check(err)
	cooler, err := ps.Locations.Create(ctx, plant.Location{Record: plant.Record{SiteID: site.ID, Code: "COOL", Name: "Cooler"}, Kind: plant.Warehouse, Condition: plant.Chilled}, "new")
	check(err)
	cucumbers, err := ps.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site.ID, Code: "CUC", Name: "Cucumbers"}, Kind: plant.Raw, BaseUnit: forkline.Kilogram,
		Condition: plant.Chilled, ShelfLifeDays: 14, TraceabilityList: true,
		PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(10, forkline.Kilogram)}}}, "new")
	check(err)
	vinegar, err := ps.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site.ID, Code: "VIN", Name: "White vinegar"}, Kind: plant.Ingredient,
		BaseUnit: forkline.Liter, Condition: plant.Ambient}, "new")
	check(err)
	pickles, err := ps.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site.ID, Code: "PCK", Name: "Fresh dill pickle spears"}, Kind: plant.Finished,
		BaseUnit: forkline.Each, Condition: plant.Chilled, ShelfLifeDays: 60, TraceabilityList: true,
		PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(12, forkline.Each)}}}, "new")
	check(err)
	farm, err := ps.Suppliers.Create(ctx, plant.Supplier{Record: plant.Record{SiteID: site.ID, Code: "GVF", Name: "Green Valley Farms"}, Approval: plant.Approved,
		Address: "1200 Farm Road, Salinas, CA 93901"}, "new")
	check(err)
	mill, err := ps.Suppliers.Create(ctx, plant.Supplier{Record: plant.Record{SiteID: site.ID, Code: "ACV", Name: "Acme Vinegar"}, Approval: plant.Approved,
		Address: "9 Cider Lane, Fresno, CA 93650"}, "new")
	check(err)
	shop, err := ps.Customers.Create(ctx, plant.Customer{Record: plant.Record{SiteID: site.ID, Code: "FM", Name: "FreshMart"},
		ShipTos: []plant.ShipTo{{Code: "DC1", Name: "DC East", Address: "55 Market St, Springfield, IL 62701"}}}, "")
	check(err)

	cukes, err := inv.Receive(ctx, inventory.ReceiveInput{SiteID: site.ID, ItemID: cucumbers.ID, SupplierID: farm.ID, SupplierLot: "GVF-0301",
		TLCSourceRef: "GLN 0614141000012", Quantity: forkline.NewQuantity(40, forkline.Case), LocationID: cooler.ID,
		DocType: "PO", DocNumber: "PO-1001", ReceivedAt: at(2, 15)})
	check(err)
	vin, err := inv.Receive(ctx, inventory.ReceiveInput{SiteID: site.ID, ItemID: vinegar.ID, SupplierID: mill.ID, SupplierLot: "AV-77",
		Quantity: forkline.NewQuantity(200, forkline.Liter), LocationID: cooler.ID, DocType: "PO", DocNumber: "PO-1002", ReceivedAt: at(2, 16)})
	check(err)
	for _, c := range []inventory.ConsumeInput{
		{LotID: cukes.Lot.ID, LocationID: cooler.ID, Quantity: forkline.NewQuantity(250, forkline.Kilogram), OrderRef: "WO-7", EventTime: at(3, 14)},
		{LotID: vin.Lot.ID, LocationID: cooler.ID, Quantity: forkline.NewQuantity(50, forkline.Liter), OrderRef: "WO-7", EventTime: at(3, 14)},
		{LotID: cukes.Lot.ID, LocationID: cooler.ID, Quantity: forkline.NewQuantity(50, forkline.Kilogram), OrderRef: "WO-7", EventTime: at(3, 15)},
	} {
		_, err = inv.Consume(ctx, c)
		check(err)
	}
	pick, err := inv.Produce(ctx, inventory.ProduceInput{SiteID: site.ID, ItemID: pickles.ID, LocationID: cooler.ID,
		Quantity: forkline.NewQuantity(100, forkline.Case), OrderRef: "WO-7", ProducedAt: at(3, 20)})
	check(err)
	ship := inventory.ShipInput{LotID: pick.Lot.ID, LocationID: cooler.ID, Quantity: forkline.NewQuantity(5, forkline.Case),
		CustomerID: shop.ID, ShipToID: shop.ShipTos[0].ID, DocType: "BOL", DocNumber: "BOL-87", ShippedAt: at(4, 18)}
	wrong, err := inv.Ship(ctx, ship)
	check(err)
	_, err = inv.Correct(ctx, inventory.CorrectInput{EventID: wrong.Events[0].ID, Reason: "booked on the wrong lot"})
	check(err)
	ship.Quantity, ship.DocNumber, ship.ShippedAt = forkline.NewQuantity(60, forkline.Case), "BOL-88", at(5, 3)
	_, err = inv.Ship(ctx, ship)
	check(err)
	// Vinegar leaves too; it is not on the list, so it is not recorded.
	_, err = inv.Ship(ctx, inventory.ShipInput{LotID: vin.Lot.ID, LocationID: cooler.ID, Quantity: forkline.NewQuantity(10, forkline.Liter),
		CustomerID: shop.ID, ShipToID: shop.ShipTos[0].ID, DocType: "BOL", DocNumber: "BOL-89", ShippedAt: at(5, 4)})
	check(err)

	recs, err := inv.TraceabilityRecords(ctx, inventory.TraceabilityFilter{SiteID: site.ID})
	check(err)
	return recs
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

func TestWriteCSVOfAPicklePlant(t *testing.T) {
	recs := pickleWorksRecords(t)
	var b bytes.Buffer
	if err := fsma204.WriteCSV(&b, recs); err != nil {
		t.Fatal(err)
	}
	golden(t, "pickle-works.csv", b.Bytes())

	rows, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read back: %v", err)
	}
	if d := cmp.Diff(fsma204.CSVHeaders(), rows[0]); d != "" {
		t.Errorf("CSV header (-want +got):\n%s", d)
	}
	// One row per record: the vinegar, the corrected shipment and the
	// correction are not among them.
	var ctes []string
	for _, r := range rows[1:] {
		ctes = append(ctes, r[0])
	}
	if want := []string{"Receiving", "Transformation", "Shipping"}; !slices.Equal(ctes, want) {
		t.Errorf("CSV rows are %q, want %q", ctes, want)
	}
	if bytes.Contains(b.Bytes(), []byte("inegar")) || bytes.Contains(b.Bytes(), []byte("BOL-87")) {
		t.Errorf("CSV names the vinegar or the corrected shipment:\n%s", b.String())
	}
}

// column returns the index of a column letter: A is 0.
func column(t *testing.T, name string) int {
	t.Helper()
	n, err := excelize.ColumnNameToNumber(name)
	if err != nil {
		t.Fatal(err)
	}
	return n - 1
}

func TestWriteXLSXOfAPicklePlant(t *testing.T) {
	recs := pickleWorksRecords(t)
	var b bytes.Buffer
	if err := fsma204.WriteXLSX(&b, recs); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Receiving", "Transformation", "Shipping"}; !slices.Equal(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}

	loc := func(name string) []string {
		return []string{name + ": business name", name + ": phone number", name + ": street address or geographic coordinates",
			name + ": city", name + ": state or region", name + ": ZIP or postal code", name + ": country"}
	}
	product := func(prefix string) []string {
		if prefix == "" {
			return []string{"Product name", "Brand name", "Commodity", "Variety", "Packaging size", "Packaging style"}
		}
		return []string{prefix + "product name", prefix + "brand name", prefix + "commodity", prefix + "variety", prefix + "packaging size", prefix + "packaging style"}
	}
	docs := []string{"Reference document type 1", "Reference document number 1", "Reference document type 2", "Reference document number 2"}
	// The layout of the README's tables, column letter by column letter.
	type span struct {
		from, to string
		headers  []string
	}
	layouts := map[string][]span{
		"Receiving": {
			{"A", "A", []string{"Traceability lot code"}}, {"B", "C", []string{"Quantity", "Unit of measure"}}, {"D", "I", product("")},
			{"J", "P", loc("Immediate previous source")}, {"Q", "W", loc("Receiving location")}, {"X", "X", []string{"Date received"}},
			{"Y", "AE", loc("Traceability lot code source")}, {"AF", "AF", []string{"Traceability lot code source reference"}}, {"AG", "AJ", docs},
		},
		"Shipping": {
			{"A", "A", []string{"Traceability lot code"}}, {"B", "C", []string{"Quantity", "Unit of measure"}}, {"D", "I", product("")},
			{"J", "P", loc("Immediate subsequent recipient")}, {"Q", "W", loc("Ship-from location")}, {"X", "X", []string{"Date shipped"}},
			{"Y", "AE", loc("Traceability lot code source")}, {"AF", "AF", []string{"Traceability lot code source reference"}}, {"AG", "AJ", docs},
		},
		"Transformation": {
			{"A", "A", []string{"Input traceability lot code"}}, {"B", "G", product("Input ")}, {"H", "I", []string{"Input quantity", "Input unit of measure"}},
			{"J", "J", []string{"New traceability lot code"}}, {"K", "Q", loc("Transformation location (traceability lot code source)")},
			{"R", "R", []string{"Traceability lot code source reference"}}, {"S", "S", []string{"Date transformation completed"}},
			{"T", "Y", product("Output ")}, {"Z", "AA", []string{"Output quantity", "Output unit of measure"}}, {"AB", "AE", docs},
		},
	}
	farm := []string{"Green Valley Farms", "", "1200 Farm Road, Salinas, CA 93901", "", "", "", ""}
	plantLoc := []string{"Springfield Pickle Works", "", "", "", "", "", ""}
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	wantRows := map[string][]string{
		"Receiving": cat([]string{"GVF-0301", "40", "case", "Cucumbers", "", "", "", "10 kg", "case"}, farm, plantLoc, []string{"2026-03-02"}, farm,
			[]string{"GLN 0614141000012", "PO", "PO-1001"}),
		"Transformation": cat([]string{"GVF-0301", "Cucumbers", "", "", "", "10 kg", "case", "300", "kg", "SPW-26062-001"}, plantLoc,
			[]string{"", "2026-03-03", "Fresh dill pickle spears", "", "", "", "12 ea", "case", "100", "case", "production order", "WO-7"}),
		"Shipping": cat([]string{"SPW-26062-001", "60", "case", "Fresh dill pickle spears", "", "", "", "12 ea", "case",
			"FreshMart (DC East)", "", "55 Market St, Springfield, IL 62701", "", "", "", ""}, plantLoc, []string{"2026-03-04"}, plantLoc,
			[]string{"", "BOL", "BOL-88"}),
	}
	for _, sheet := range f.GetSheetList() {
		t.Run(sheet, func(t *testing.T) {
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, s := range layouts[sheet] {
				if n := column(t, s.to) - column(t, s.from) + 1; n != len(s.headers) || column(t, s.from) != len(want) {
					t.Fatalf("bad layout %s-%s in the test", s.from, s.to)
				}
				want = append(want, s.headers...)
			}
			if d := cmp.Diff(want, rows[0]); d != "" {
				t.Errorf("%s header row (-want +got):\n%s", sheet, d)
			}
			if d := cmp.Diff([][]string{wantRows[sheet]}, rows[1:]); d != "" {
				t.Errorf("%s rows (-want +got):\n%s", sheet, d)
			}

			panes, err := f.GetPanes(sheet)
			if err != nil || !panes.Freeze || panes.YSplit != 1 {
				t.Errorf("%s panes = %+v, %v; want the header row frozen", sheet, panes, err)
			}
			last, _ := excelize.ColumnNumberToName(len(want))
			if !slices.ContainsFunc(f.GetDefinedName(), func(d excelize.DefinedName) bool {
				return d.Name == "_xlnm._FilterDatabase" && d.RefersTo == "'"+sheet+"'!$A$1:$"+last+"$2"
			}) {
				t.Errorf("%s has no autofilter over A1:%s2; defined names %+v", sheet, last, f.GetDefinedName())
			}
			date := map[string]string{"Receiving": "X2", "Transformation": "S2", "Shipping": "X2"}[sheet]
			if raw, _ := f.GetCellValue(sheet, date, excelize.Options{RawCellValue: true}); strings.Contains(raw, "-") {
				t.Errorf("%s %s = %q raw, want a date serial number", sheet, date, raw)
			}
			qty := map[string]string{"Receiving": "B2", "Transformation": "H2", "Shipping": "B2"}[sheet]
			if typ, _ := f.GetCellType(sheet, qty); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("%s %s has cell type %v, want a number", sheet, qty, typ)
			}
		})
	}
}

func TestCSVHeadersHoldEverySheetColumnOnceInOrder(t *testing.T) {
	union := fsma204.CSVHeaders()
	seen := map[string]bool{}
	for _, h := range union {
		if seen[h] {
			t.Errorf("CSV header %q appears twice", h)
		}
		seen[h] = true
	}
	for name, hs := range map[string][]string{"Receiving": fsma204.ReceivingHeaders(), "Transformation": fsma204.TransformationHeaders(), "Shipping": fsma204.ShippingHeaders()} {
		last := -1
		for _, h := range hs {
			i := slices.Index(union, h)
			if i < 0 {
				t.Errorf("%s column %q is not in the CSV", name, h)
			} else if i <= last {
				t.Errorf("%s column %q is out of the sheet's order in the CSV", name, h)
			}
			last = i
		}
	}
	if len(union) != 78 {
		t.Errorf("len(CSVHeaders()) = %d, want 78", len(union))
	}
}

func TestWriteCSVDefusesFormulasAndKeepsEveryDocument(t *testing.T) {
	recs := inventory.FSMA204Records{Receiving: []inventory.ReceivingRecord{{
		TLC: "-12", Quantity: forkline.NewQuantity(3, forkline.Case),
		PreviousSource: inventory.LocationDescription{BusinessName: `=HYPERLINK("http://x","y")`, Street: `1 "Quoted" Rd, Town`},
		Documents:      []inventory.ReferenceDocument{{Type: "PO", Number: "1"}, {Type: "BOL", Number: "2"}, {Type: "ASN", Number: "3"}},
	}}}
	var b bytes.Buffer
	if err := fsma204.WriteCSV(&b, recs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, h := range rows[0] {
		if rows[1][i] != "" {
			got[h] = rows[1][i]
		}
	}
	want := map[string]string{
		"CTE": "Receiving", "Traceability lot code": "'-12", "Quantity": "3", "Unit of measure": "case",
		"Immediate previous source: business name":                            `'=HYPERLINK("http://x","y")`,
		"Immediate previous source: street address or geographic coordinates": `1 "Quoted" Rd, Town`,
		"Reference document type 1":                                           "PO", "Reference document number 1": "1",
		"Reference document type 2": "BOL; ASN", "Reference document number 2": "2; 3",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("WriteCSV row (-want +got):\n%s", d)
	}
}
