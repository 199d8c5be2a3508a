package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// seedPicklePlant books, at site SPW (Chicago) in March 2026: cucumbers (on
// the Food Traceability List, supplier lot GVF-0301) and vinegar received
// on the 2nd, both consumed into WO-7 for pickles on the 3rd, pickles
// shipped on the 4th at 21:00 (the 5th in UTC). It returns the cucumber
// lot's code.
func seedPicklePlant(t *testing.T, dsn string) string {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	db := storetest.Open(t, storetest.Engine{Name: "sqlite", DSN: func(testing.TB) string { return dsn }}, clock)
	ids := forkline.NewIDGenerator(clock.Now)
	ps := plant.NewService(db.Plant(), ids, clock.Now)
	inv := inventory.NewService(db.Inventory(), ids, clock.Now)
	ctx := storetest.SystemContext()
	at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }
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
	cucumbers, err := ps.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site.ID, Code: "CUC", Name: "Cucumbers"}, Kind: plant.Raw,
		BaseUnit: forkline.Kilogram, Condition: plant.Chilled, ShelfLifeDays: 14, TraceabilityList: true}, "new")
	check(err)
	vinegar, err := ps.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site.ID, Code: "VIN", Name: "White vinegar"}, Kind: plant.Ingredient,
		BaseUnit: forkline.Liter, Condition: plant.Ambient}, "new")
	check(err)
	pickles, err := ps.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site.ID, Code: "PCK", Name: "Fresh dill pickle spears"}, Kind: plant.Finished,
		BaseUnit: forkline.Each, Condition: plant.Chilled, ShelfLifeDays: 60, TraceabilityList: true}, "new")
	check(err)
	farm, err := ps.Suppliers.Create(ctx, plant.Supplier{Record: plant.Record{SiteID: site.ID, Code: "GVF", Name: "Green Valley Farms"}, Approval: plant.Approved,
		Address: "1200 Farm Road, Salinas, CA 93901"}, "new")
	check(err)
	shop, err := ps.Customers.Create(ctx, plant.Customer{Record: plant.Record{SiteID: site.ID, Code: "FM", Name: "FreshMart"},
		ShipTos: []plant.ShipTo{{Code: "DC1", Name: "DC East", Address: "55 Market St, Springfield, IL 62701"}}}, "")
	check(err)
	cukes, err := inv.Receive(ctx, inventory.ReceiveInput{SiteID: site.ID, ItemID: cucumbers.ID, SupplierID: farm.ID, SupplierLot: "GVF-0301",
		Quantity: forkline.NewQuantity(400, forkline.Kilogram), LocationID: cooler.ID, DocType: "PO", DocNumber: "PO-1001", ReceivedAt: at(2, 15)})
	check(err)
	vin, err := inv.Receive(ctx, inventory.ReceiveInput{SiteID: site.ID, ItemID: vinegar.ID, SupplierID: farm.ID, SupplierLot: "V-1",
		Quantity: forkline.NewQuantity(200, forkline.Liter), LocationID: cooler.ID, DocType: "PO", DocNumber: "PO-1002", ReceivedAt: at(2, 16)})
	check(err)
	for _, c := range []inventory.ConsumeInput{
		{LotID: cukes.Lot.ID, LocationID: cooler.ID, Quantity: forkline.NewQuantity(300, forkline.Kilogram), OrderRef: "WO-7", EventTime: at(3, 14)},
		{LotID: vin.Lot.ID, LocationID: cooler.ID, Quantity: forkline.NewQuantity(50, forkline.Liter), OrderRef: "WO-7", EventTime: at(3, 14)},
	} {
		_, err = inv.Consume(ctx, c)
		check(err)
	}
	pick, err := inv.Produce(ctx, inventory.ProduceInput{SiteID: site.ID, ItemID: pickles.ID, LocationID: cooler.ID,
		Quantity: forkline.NewQuantity(1200, forkline.Each), OrderRef: "WO-7", ProducedAt: at(3, 20)})
	check(err)
	_, err = inv.Ship(ctx, inventory.ShipInput{LotID: pick.Lot.ID, LocationID: cooler.ID, Quantity: forkline.NewQuantity(720, forkline.Each),
		CustomerID: shop.ID, ShipToID: shop.ShipTos[0].ID, DocType: "BOL", DocNumber: "BOL-88", ShippedAt: at(5, 3)})
	check(err)
	return cukes.Lot.Code
}

// export runs "forkline export fsma204" in-process.
func export(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = runExport(context.Background(), append([]string{"fsma204"}, args...), func(string) string { return "" }, &out, &errb)
	return out.String(), errb.String(), err
}

// csvRows reads the CSV and returns, for each record, its CTE and the TLCs
// it names (the TLC, or the input and new TLC of a transformation).
func csvRows(t *testing.T, s string) []string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("export printed no CSV: %v\n%s", err, s)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, strings.Join([]string{r[col["CTE"]], r[col["Traceability lot code"]], r[col["Input traceability lot code"]],
			r[col["New traceability lot code"]]}, " "))
	}
	return out
}

func TestExportFSMA204(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "forkline.db")
	cukeCode := seedPicklePlant(t, dsn)
	const pickles = "SPW-26062-001"
	receipt, made, shipped := "Receiving GVF-0301  ", "Transformation  GVF-0301 "+pickles, "Shipping "+pickles+"  "

	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{name: "every record of the site", want: []string{receipt, made, shipped}},
		{name: "a lot by its code", args: []string{"-lot", cukeCode}, want: []string{receipt, made}},
		{name: "a lot by its traceability lot code", args: []string{"-lot", "GVF-0301"}, want: []string{receipt, made}},
		{name: "several lots", args: []string{"-lot", "GVF-0301", "-lot", pickles}, want: []string{receipt, made, shipped}},
		{name: "days at the site", args: []string{"-from", "2026-03-04", "-to", "2026-03-04"}, want: []string{shipped}},
		{name: "days and a lot", args: []string{"-from", "2026-03-01", "-to", "2026-03-03", "-lot", pickles}, want: []string{made}},
		{name: "an explicit csv format", args: []string{"-format", "csv", "-to", "2026-03-02"}, want: []string{receipt}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := export(t, append([]string{"--db", dsn, "-site", "SPW"}, tc.args...)...)
			if err != nil {
				t.Fatalf("export fsma204 %q: %v\n%s", tc.args, err, errOut)
			}
			if d := cmp.Diff(tc.want, csvRows(t, out)); d != "" {
				t.Errorf("export fsma204 %q rows (-want +got):\n%s", tc.args, d)
			}
			if !strings.Contains(errOut, "FSMA 204 records of SPW") {
				t.Errorf("export fsma204 printed %q on stderr, want a summary", errOut)
			}
		})
	}

	t.Run("an xlsx workbook to a file", func(t *testing.T) {
		path := filepath.Join(dir, "fda-request.xlsx")
		out, errOut, err := export(t, "--db", dsn, "-site", "SPW", "-o", path)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, errOut)
		}
		if want := "FSMA 204 records of SPW: 1 receiving, 1 transformation, 1 shipping, written to " + path + "\n"; out != want {
			t.Errorf("export printed %q, want %q", out, want)
		}
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		defer f.Close()
		if d := cmp.Diff([]string{"Receiving", "Transformation", "Shipping"}, f.GetSheetList()); d != "" {
			t.Errorf("sheets (-want +got):\n%s", d)
		}
		for sheet, want := range map[string][]string{"Receiving": {"A2", "GVF-0301"}, "Transformation": {"J2", pickles}, "Shipping": {"X2", "2026-03-04"}} {
			if got, _ := f.GetCellValue(sheet, want[0]); got != want[1] {
				t.Errorf("%s!%s = %q, want %q", sheet, want[0], got, want[1])
			}
		}
		left, _ := filepath.Glob(filepath.Join(dir, ".fda-request.xlsx.*"))
		if len(left) > 0 {
			t.Errorf("export left temporary files %q", left)
		}
	})

	t.Run("a csv file", func(t *testing.T) {
		path := filepath.Join(dir, "fda-request.csv")
		if _, errOut, err := export(t, "--db", dsn, "-site", "SPW", "-lot", pickles, "-o", path); err != nil {
			t.Fatalf("export: %v\n%s", err, errOut)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{made, shipped}, csvRows(t, string(b))); d != "" {
			t.Errorf("%s rows (-want +got):\n%s", path, d)
		}
	})

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "no site", args: []string{"--db", dsn}, want: "-site is required"},
		{name: "an unknown site", args: []string{"--db", dsn, "-site", "XYZ"}, want: `no site has the code "XYZ"`},
		{name: "an unknown lot", args: []string{"--db", dsn, "-site", "SPW", "-lot", "NOPE-1"}, want: `lot code or traceability lot code "NOPE-1"`},
		{name: "a day that is no date", args: []string{"--db", dsn, "-site", "SPW", "-from", "03/01/2026"}, want: "give a day as YYYY-MM-DD"},
		{name: "days the wrong way round", args: []string{"--db", dsn, "-site", "SPW", "-from", "2026-03-05", "-to", "2026-03-01"}, want: "is before -from"},
		{name: "an unknown format", args: []string{"--db", dsn, "-site", "SPW", "-format", "pdf"}, want: `-format "pdf"`},
		{name: "a workbook to the terminal", args: []string{"--db", dsn, "-site", "SPW", "-format", "xlsx"}, want: "needs -o FILE"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			out, _, err := export(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("export fsma204 %q = %v, want an error with %q", tc.args, err, tc.want)
			}
			if out != "" {
				t.Errorf("export fsma204 %q printed %q, want nothing", tc.args, out)
			}
		})
	}

	t.Run("a verb other than fsma204 is refused", func(t *testing.T) {
		var out, errb bytes.Buffer
		if err := runExport(context.Background(), []string{"epcis"}, func(string) string { return "" }, &out, &errb); err == nil {
			t.Error("export epcis succeeded, want an error")
		}
	})
}
