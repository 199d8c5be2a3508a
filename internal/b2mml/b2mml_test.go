package b2mml_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/b2mml"
)

var update = flag.Bool("update", false, "rewrite the golden performance documents in testdata")

// The example schedules in testdata, and the schemas they must be valid against.
const (
	scheduleV0600 = "testdata/production-schedule-v0600.xml"
	scheduleV0701 = "testdata/operations-schedule-v0701.xml"

	xsdScheduleV0600    = "v0600/B2MML-V0600-ProductionSchedule.xsd"
	xsdScheduleV0701    = "v0701/B2MML-OperationsSchedule.xsd"
	xsdPerformanceV0600 = "v0600/B2MML-V0600-ProductionPerformance.xsd"
	xsdPerformanceV0701 = "v0701/B2MML-OperationsPerformance.xsd"
)

// unavailable skips a test that needs xmllint or the official schemas when
// they are missing, except in CI, where their absence is a failure.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but "+format, args...)
	}
	t.Skipf("skipping schema validation: "+format, args...)
}

// schemaDir finds ../shared/conformance/b2mml next to the module root.
func schemaDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			unavailable(t, "no go.mod above %s", wd)
		}
		root = parent
	}
	dir := filepath.Join(root, "..", "shared", "conformance", "b2mml")
	if _, err := os.Stat(filepath.Join(dir, xsdScheduleV0600)); err != nil {
		unavailable(t, "the B2MML schemas are not in %s (%v)", dir, err)
	}
	return dir
}

// validate checks file against the official XSD with xmllint.
func validate(t *testing.T, xsd, file string) {
	t.Helper()
	dir := schemaDir(t)
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		unavailable(t, "xmllint is not installed (Debian: apt-get install libxml2-utils)")
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join(dir, xsd), file).CombinedOutput()
	if err != nil {
		// libxml2 warns about imports of an already imported namespace in
		// the V0600 set; those lines are noise.
		var msgs []string
		for _, line := range strings.Split(string(out), "\n") {
			if !strings.Contains(line, "Schemas parser warning") && line != "" {
				msgs = append(msgs, line)
			}
		}
		t.Errorf("xmllint --schema %s %s: %v\n%s", xsd, file, err, strings.Join(msgs, "\n"))
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestExampleSchedulesAreValidB2MML(t *testing.T) {
	for _, tt := range []struct{ file, xsd string }{
		{scheduleV0600, xsdScheduleV0600},
		{scheduleV0701, xsdScheduleV0701},
	} {
		t.Run(filepath.Base(tt.file), func(t *testing.T) { validate(t, tt.xsd, tt.file) })
	}
}

func TestParseReadsEveryOrderOfASchedule(t *testing.T) {
	wantV0600 := b2mml.Schedule{ID: "SCHED-2026-W12", Orders: []b2mml.ScheduledOrder{
		{
			ID: "PO-1001", ERPReference: "4500012345", ItemCode: "FG-WHITE-700",
			Quantity: "1200", UnitOfMeasure: "ea",
			PlannedStart: at("2026-03-16T06:00:00Z"), PlannedEnd: at("2026-03-16T10:30:00Z"),
			EquipmentID: "L1", Priority: 1, Description: "White bread 700 g, morning shift",
		},
		{
			ID: "PO-1002", ERPReference: "PO-1002", ItemCode: "FG-CCC-300",
			Quantity: "612.5", UnitOfMeasure: "kg",
			PlannedStart: at("2026-03-16T10:00:00Z"), PlannedEnd: at("2026-03-16T14:45:30.5Z"),
			EquipmentID: "L2", Priority: 2, Description: "Chocolate chip cookies",
		},
		{
			ID: "PO-1003", ERPReference: "PO-1003", ItemCode: "FG-SESBUN-6",
			Quantity: "800", UnitOfMeasure: "ea",
			PlannedStart: at("2026-03-17T06:00:00Z"), PlannedEnd: at("2026-03-17T09:00:00Z"),
			Description: "Sesame buns, 6-pack",
		},
	}}
	wantV0701 := b2mml.Schedule{ID: "SCHED-2026-W12-COOKIES", Orders: []b2mml.ScheduledOrder{
		{
			ID: "PO-2001", ERPReference: "4500012399", ItemCode: "FG-PBC-300",
			Quantity: "480.25", UnitOfMeasure: "kg",
			PlannedStart: at("2026-03-18T06:00:00Z"), PlannedEnd: at("2026-03-18T12:00:00Z"),
			EquipmentID: "L2", Priority: 5, Description: "Peanut butter cookies 300 g",
		},
		{
			ID: "PO-2002", ERPReference: "PO-2002", ItemCode: "FG-WHITE-700",
			Quantity: "960", UnitOfMeasure: "ea",
			PlannedStart: at("2026-03-18T18:00:00Z"), PlannedEnd: at("2026-03-18T22:30:00Z"),
			EquipmentID: "L1",
		},
	}}
	tests := []struct {
		name  string
		file  string
		parse func(io.Reader) (b2mml.Schedule, error)
		want  b2mml.Schedule
	}{
		{"a V0600 ProductionSchedule through ParseProductionSchedule", scheduleV0600, b2mml.ParseProductionSchedule, wantV0600},
		{"a V0600 ProductionSchedule through Parse", scheduleV0600, b2mml.Parse, wantV0600},
		{"a V0701 OperationsSchedule through ParseOperationsSchedule", scheduleV0701, b2mml.ParseOperationsSchedule, wantV0701},
		{"a V0701 OperationsSchedule through Parse", scheduleV0701, b2mml.Parse, wantV0701},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse(open(t, tt.file))
			if err != nil {
				t.Fatalf("parse(%s) error: %v", tt.file, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parse(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
			for i, o := range got.Orders {
				if o.PlannedStart.Location() != time.UTC || o.PlannedEnd.Location() != time.UTC {
					t.Errorf("order %d times = %v, %v; want UTC", i, o.PlannedStart, o.PlannedEnd)
				}
			}
		})
	}
}

func TestParseReadsISO88591(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n" +
		`<ProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600"><ProductionRequest><ID>PO-1</ID>` +
		"<Description>Br\xf6tchen</Description>" +
		`<StartTime>2026-03-16T06:00:00Z</StartTime><EndTime>2026-03-16T08:00:00Z</EndTime>` +
		`<SegmentRequirement><MaterialProducedRequirement><MaterialDefinitionID>FG-ROLL</MaterialDefinitionID>` +
		`<Quantity><QuantityString>10</QuantityString><UnitOfMeasure>ea</UnitOfMeasure></Quantity>` +
		`</MaterialProducedRequirement></SegmentRequirement></ProductionRequest></ProductionSchedule>`
	got, err := b2mml.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("Parse error: %v", err)
	}
	if len(got.Orders) != 1 || got.Orders[0].Description != "Brötchen" {
		t.Errorf("Parse = %+v, want one order described as Brötchen", got)
	}
}

type problem struct{ field, rule string }

// refusal is a bad document: a mutation of an example schedule, or a whole
// document when file is empty.
type refusal struct {
	name     string
	file     string
	old, new string
	parse    func(io.Reader) (b2mml.Schedule, error) // Parse when nil
	want     []problem
}

const (
	v0600Path = "ProductionSchedule/ProductionRequest"
	v0701Path = "OperationsSchedule/OperationsRequest"
)

var refusals = []refusal{
	{
		name: "a V0600 request without its quantity string",
		file: scheduleV0600, old: "<QuantityString>612.500</QuantityString>",
		want: []problem{{v0600Path + "[2]/SegmentRequirement/MaterialProducedRequirement/Quantity/QuantityString", "required"}},
	},
	{
		name: "a V0600 request whose quantity string is nil",
		file: scheduleV0600, old: "<QuantityString>612.500</QuantityString>",
		new:  `<QuantityString xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>`,
		want: []problem{{v0600Path + "[2]/SegmentRequirement/MaterialProducedRequirement/Quantity/QuantityString", "required"}},
	},
	{
		name: "a V0600 request without any Quantity",
		file: scheduleV0600, old: "<Quantity>\n          <QuantityString>612.500</QuantityString>\n          <UnitOfMeasure>kg</UnitOfMeasure>\n        </Quantity>",
		want: []problem{{v0600Path + "[2]/SegmentRequirement/MaterialProducedRequirement/Quantity", "required"}},
	},
	{
		name: "a V0600 quantity with a decimal comma",
		file: scheduleV0600, old: "612.500", new: "612,5",
		want: []problem{{v0600Path + "[2]/SegmentRequirement/MaterialProducedRequirement/Quantity/QuantityString", "number"}},
	},
	{
		name: "a V0600 quantity in exponent notation",
		file: scheduleV0600, old: "612.500", new: "6.125E2",
		want: []problem{{v0600Path + "[2]/SegmentRequirement/MaterialProducedRequirement/Quantity/QuantityString", "number"}},
	},
	{
		name: "a V0600 quantity finer than a millionth",
		file: scheduleV0600, old: "612.500", new: "612.0000001",
		want: []problem{{v0600Path + "[2]/SegmentRequirement/MaterialProducedRequirement/Quantity/QuantityString", "number"}},
	},
	{
		name: "a V0600 quantity of zero",
		file: scheduleV0600, old: "612.500", new: "0.000",
		want: []problem{{v0600Path + "[2]/SegmentRequirement/MaterialProducedRequirement/Quantity/QuantityString", "positive"}},
	},
	{
		name: "a V0600 quantity without a unit",
		file: scheduleV0600, old: "<UnitOfMeasure>ea</UnitOfMeasure>",
		want: []problem{{v0600Path + "[1]/SegmentRequirement/MaterialProducedRequirement/Quantity/UnitOfMeasure", "required"}},
	},
	{
		name: "a V0600 start on 30 February",
		file: scheduleV0600, old: "2026-03-16T06:00:00Z", new: "2026-02-30T06:00:00Z",
		want: []problem{{v0600Path + "[1]/StartTime", "date"}},
	},
	{
		name: "a V0600 segment start that is not an xs:dateTime",
		file: scheduleV0600, old: "2026-03-16T11:00:00+01:00", new: "16.03.2026 11:00",
		want: []problem{{v0600Path + "[2]/SegmentRequirement/EarliestStartTime", "date"}},
	},
	{
		name: "a V0600 request with no start anywhere",
		file: scheduleV0600, old: "<EarliestStartTime>2026-03-16T11:00:00+01:00</EarliestStartTime>",
		want: []problem{{v0600Path + "[2]/StartTime", "required"}},
	},
	{
		name: "a V0600 request that ends before it starts",
		file: scheduleV0600, old: "2026-03-16T10:30:00Z", new: "2026-03-16T05:30:00Z",
		want: []problem{{v0600Path + "[1]/EndTime", "after_start"}},
	},
	{
		name: "a V0600 nested produced material without its item",
		file: scheduleV0600, old: "<MaterialDefinitionID>FG-SESBUN-6</MaterialDefinitionID>",
		want: []problem{{v0600Path + "[3]/SegmentRequirement/SegmentRequirement/MaterialRequirement/MaterialDefinitionID", "required"}},
	},
	{
		name: "a V0600 request that makes two items",
		file: scheduleV0600, old: "<MaterialUse>Consumed</MaterialUse>", new: "<MaterialUse>Produced</MaterialUse>",
		want: []problem{{v0600Path + "[3]/SegmentRequirement/SegmentRequirement/MaterialRequirement", "max_occurs"}},
	},
	{
		name: "a V0600 order number used twice",
		file: scheduleV0600, old: "<ID>PO-1002</ID>", new: "<ID>PO-1001</ID>",
		want: []problem{{v0600Path + "[2]/ID", "unique"}},
	},
	{
		name: "a V0600 priority that is not a whole number",
		file: scheduleV0600, old: "<Priority>2</Priority>", new: "<Priority>2.5</Priority>",
		want: []problem{{v0600Path + "[2]/Priority", "number"}},
	},
	{
		name: "a V0600 quantity written in words",
		file: scheduleV0600, old: "<QuantityString>1200</QuantityString>",
		new:  "<QuantityString>twelve hundred</QuantityString>",
		want: []problem{{v0600Path + "[1]/SegmentRequirement/MaterialProducedRequirement/Quantity/QuantityString", "number"}},
	},
	{
		name: "a V0600 schedule without requests",
		old:  `<ProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600"><ID>S</ID></ProductionSchedule>`,
		want: []problem{{"ProductionSchedule/ProductionRequest", "required"}},
	},
	{
		name: "a V0600 request without segments",
		old: `<ProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600"><ProductionRequest><ID>PO-9</ID>` +
			`<StartTime>2026-03-16T06:00:00Z</StartTime><EndTime>2026-03-16T07:00:00Z</EndTime></ProductionRequest></ProductionSchedule>`,
		want: []problem{{"ProductionSchedule/ProductionRequest/SegmentRequirement", "required"}},
	},
	{
		name: "a V0600 document in the V0701 namespace",
		file: scheduleV0600, old: `xmlns="http://www.mesa.org/xml/B2MML-V0600"`, new: `xmlns="http://www.mesa.org/xml/B2MML"`,
		want: []problem{{"ProductionSchedule", "namespace"}},
	},
	{
		name: "a V0600 document whose request is in another namespace",
		file: scheduleV0600, old: "<ProductionRequest>", new: `<ProductionRequest xmlns="urn:example:erp">`,
		want: []problem{{v0600Path + "[1]", "namespace"}},
	},
	{
		name: "a V0701 request without its quantity string",
		file: scheduleV0701, old: "<b2mml:QuantityString>480.25</b2mml:QuantityString>",
		want: []problem{{v0701Path + "[1]/SegmentRequirement/MaterialRequirement[2]/Quantity/QuantityString", "required"}},
	},
	{
		name: "a V0701 quantity that is not a number",
		file: scheduleV0701, old: "480.25", new: "about 480",
		want: []problem{{v0701Path + "[1]/SegmentRequirement/MaterialRequirement[2]/Quantity/QuantityString", "number"}},
	},
	{
		name: "a V0701 start without a time zone",
		file: scheduleV0701, old: "2026-03-18T06:00:00Z", new: "2026-03-18T06:00:00",
		want: []problem{{v0701Path + "[1]/StartTime", "date"}},
	},
	{
		name: "a V0701 child segment end at hour 25",
		file: scheduleV0701, old: "2026-03-18T17:30:00-05:00", new: "2026-03-18T25:30:00-05:00",
		want: []problem{{v0701Path + "[2]/SegmentRequirement/SegmentRequirementChild/LatestEndTime", "date"}},
	},
	{
		name: "a V0701 request whose only output is a co-product",
		file: scheduleV0701, old: "<b2mml:MaterialUse>Produced</b2mml:MaterialUse>", new: "<b2mml:MaterialUse>Co-product Produced</b2mml:MaterialUse>",
		want: []problem{{v0701Path + "[1]/SegmentRequirement/MaterialRequirement", "required"}},
	},
	{
		name: "a V0701 request without an ID",
		file: scheduleV0701, old: "<b2mml:ID>PO-2002</b2mml:ID>",
		want: []problem{{v0701Path + "[2]/ID", "required"}},
	},
	{
		name: "a V0701 maintenance request",
		file: scheduleV0701, old: "<b2mml:OperationsType>Production</b2mml:OperationsType>\n    <b2mml:Priority>",
		new:  "<b2mml:OperationsType>Maintenance</b2mml:OperationsType>\n    <b2mml:Priority>",
		want: []problem{{v0701Path + "[1]/OperationsType", "operations_type"}},
	},
	{
		name: "a V0701 quality schedule",
		file: scheduleV0701, old: "<b2mml:OperationsType>Production</b2mml:OperationsType>\n  <b2mml:OperationsRequest>",
		new:  "<b2mml:OperationsType>Quality</b2mml:OperationsType>\n  <b2mml:OperationsRequest>",
		want: []problem{{"OperationsSchedule/OperationsType", "operations_type"}},
	},
	{
		name: "a V0701 request with two priorities",
		file: scheduleV0701, old: "<b2mml:Priority>5</b2mml:Priority>", new: "<b2mml:Priority>5</b2mml:Priority><b2mml:Priority>6</b2mml:Priority>",
		want: []problem{{v0701Path + "[1]/Priority[2]", "max_occurs"}},
	},
	{
		name:  "a V0701 OperationsSchedule given to ParseProductionSchedule",
		file:  scheduleV0701,
		parse: b2mml.ParseProductionSchedule,
		want:  []problem{{"OperationsSchedule", "root"}},
	},
	{
		name:  "a V0600 ProductionSchedule given to ParseOperationsSchedule",
		file:  scheduleV0600,
		parse: b2mml.ParseOperationsSchedule,
		want:  []problem{{"ProductionSchedule", "root"}},
	},
	{
		name: "a performance document instead of a schedule",
		old:  `<ProductionPerformance xmlns="http://www.mesa.org/xml/B2MML-V0600"><ID>P</ID></ProductionPerformance>`,
		want: []problem{{"ProductionPerformance", "root"}},
	},
	{
		name: "a V0600 schedule in a transaction wrapper",
		old: `<ProcessProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600"><ApplicationArea/><DataArea>` +
			`<Process/><ProductionSchedule/></DataArea></ProcessProductionSchedule>`,
		want: []problem{{"ProcessProductionSchedule", "root"}},
	},
	{
		name: "a V0701 schedule whose children lack the namespace prefix",
		old: `<b2mml:OperationsSchedule xmlns:b2mml="http://www.mesa.org/xml/B2MML"><b2mml:ID>S</b2mml:ID>` +
			`<OperationsRequest><ID>PO-1</ID></OperationsRequest></b2mml:OperationsSchedule>`,
		want: []problem{{"OperationsSchedule/OperationsRequest", "namespace"}, {"OperationsSchedule/OperationsRequest", "required"}},
	},
	{
		name: "a schedule without a namespace",
		old:  `<ProductionSchedule><ID>S</ID></ProductionSchedule>`,
		want: []problem{{"ProductionSchedule", "namespace"}},
	},
	{
		name: "a CSV file",
		old:  "order,item,quantity\nPO-1001,FG-WHITE-700,1200\n",
		want: []problem{{"document", "xml"}},
	},
	{
		name: "an empty body",
		old:  "",
		want: []problem{{"document", "xml"}},
	},
	{
		name: "a document cut off in the middle",
		old:  `<ProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600"><ProductionRequest><ID>PO-1`,
		want: []problem{{"document", "xml"}},
	},
	{
		name: "a document with an unclosed element",
		file: scheduleV0600, old: "<ID>PO-1003</ID>", new: "<ID>PO-1003",
		want: []problem{{"document", "xml"}},
	},
	{
		name: "a document with an undefined entity",
		file: scheduleV0600, old: "Bakery, week 12", new: "Bakery &nbsp; week 12",
		want: []problem{{"document", "xml"}},
	},
	{
		name: "a document with two roots",
		file: scheduleV0600, old: "</ProductionSchedule>", new: "</ProductionSchedule>\n<ProductionSchedule xmlns=\"http://www.mesa.org/xml/B2MML-V0600\"/>",
		want: []problem{{"document", "xml"}},
	},
	{
		name: "a document with text after its root",
		file: scheduleV0600, old: "</ProductionSchedule>", new: "</ProductionSchedule>\ntrailing",
		want: []problem{{"document", "xml"}},
	},
	{
		name: "a document in an unsupported encoding",
		file: scheduleV0600, old: `encoding="UTF-8"`, new: `encoding="EBCDIC-US"`,
		want: []problem{{"document", "xml"}},
	},
	{
		name: "a document nested a hundred levels deep",
		old:  `<ProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600">` + strings.Repeat("<X>", 100) + strings.Repeat("</X>", 100) + `</ProductionSchedule>`,
		want: []problem{{"document", "depth"}},
	},
}

// document returns the bad document of a refusal.
func (r refusal) document(tb testing.TB) string {
	tb.Helper()
	if r.file == "" {
		return r.old
	}
	b, err := os.ReadFile(r.file)
	if err != nil {
		tb.Fatal(err)
	}
	doc := string(b)
	if r.old == "" {
		return doc
	}
	if !strings.Contains(doc, r.old) {
		tb.Fatalf("%s does not contain %q; the refusal %q is stale", r.file, r.old, r.name)
	}
	return strings.Replace(doc, r.old, r.new, 1)
}

func TestParseRefusesABadDocumentWhole(t *testing.T) {
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			parse := tt.parse
			if parse == nil {
				parse = b2mml.Parse
			}
			got, err := parse(strings.NewReader(tt.document(t)))
			if err == nil {
				t.Fatalf("parse = %+v, want a refusal", got)
			}
			if diff := cmp.Diff(b2mml.Schedule{}, got); diff != "" {
				t.Errorf("parse returned part of a refused document (-want +got):\n%s", diff)
			}
			if !errors.Is(err, b2mml.ErrRefused) || forkline.ErrorCode(err) != forkline.Invalid {
				t.Errorf("parse error = %v, want ErrRefused with code invalid", err)
			}
			var gotProblems []problem
			for _, f := range forkline.ErrorFields(err) {
				gotProblems = append(gotProblems, problem{f.Field, f.Rule})
				if f.Msg == "" {
					t.Errorf("problem %+v has no message", f)
				}
			}
			if diff := cmp.Diff(tt.want, gotProblems, cmp.AllowUnexported(problem{})); diff != "" {
				t.Errorf("parse problems mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

func TestParseListsEveryProblemOfADocument(t *testing.T) {
	doc := refusal{file: scheduleV0600, old: "612.500", new: "lots"}.document(t)
	doc = strings.Replace(doc, "2026-03-17T09:00:00Z", "tomorrow", 1)
	_, err := b2mml.Parse(strings.NewReader(doc))
	var got []problem
	for _, f := range forkline.ErrorFields(err) {
		got = append(got, problem{f.Field, f.Rule})
	}
	want := []problem{
		{v0600Path + "[2]/SegmentRequirement/MaterialProducedRequirement/Quantity/QuantityString", "number"},
		{v0600Path + "[3]/EndTime", "date"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(problem{})); diff != "" {
		t.Errorf("Parse problems mismatch (-want +got):\n%s", diff)
	}
}

func TestParseRefusesADocumentOver16MiB(t *testing.T) {
	doc := `<ProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600">` + strings.Repeat(" ", 16<<20) + `</ProductionSchedule>`
	_, err := b2mml.Parse(strings.NewReader(doc))
	fields := forkline.ErrorFields(err)
	if len(fields) != 1 || fields[0].Field != "document" || fields[0].Rule != "size" {
		t.Errorf("Parse problems = %+v, want one: document size", fields)
	}
}

func TestParseStopsListingProblemsAtFifty(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<ProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600">`)
	for i := range 60 {
		fmt.Fprintf(&b, `<ProductionRequest><ID>PO-%d</ID><StartTime>2026-03-16T06:00:00Z</StartTime>`+
			`<EndTime>2026-03-16T07:00:00Z</EndTime><SegmentRequirement/></ProductionRequest>`, i)
	}
	b.WriteString(`</ProductionSchedule>`)
	_, err := b2mml.Parse(strings.NewReader(b.String()))
	fields := forkline.ErrorFields(err)
	if len(fields) != 51 {
		t.Fatalf("Parse listed %d problems, want 50 and a last one saying there are more", len(fields))
	}
	if last := fields[50]; last.Field != "document" || last.Rule != "too_many_problems" {
		t.Errorf("last problem = %+v, want document too_many_problems", last)
	}
}

func TestParseReportsAFailingReaderAsItsError(t *testing.T) {
	broken := errors.New("connection reset")
	_, err := b2mml.Parse(io.MultiReader(strings.NewReader("<Produ"), errReader{broken}))
	if !errors.Is(err, broken) || forkline.ErrorCode(err) == forkline.Invalid {
		t.Errorf("Parse error = %v, want the reader's error, not invalid", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// completed is the performance of order PO-1001 of the V0600 example.
var completed = b2mml.Performance{
	ID:           "PERF-PO-1001",
	OrderID:      "PO-1001",
	ERPReference: "4500012345",
	ItemCode:     "FG-WHITE-700",
	Produced:     []b2mml.MaterialActual{{LotID: "L1-260316-01", Quantity: "1188", Unit: "ea"}},
	Consumed: []b2mml.MaterialActual{
		{ItemCode: "RM-FLOUR", LotID: "MÜHLE-2231", Quantity: "498.750", Unit: "kg"},
		{ItemCode: "RM-YEAST", LotID: "Y<77>&1", Quantity: "6.25", Unit: "kg"},
	},
	Start:       at("2026-03-16T06:04:00Z"),
	End:         at("2026-03-16T10:41:30.25+01:00"),
	EquipmentID: "L1",
	Parameters: []b2mml.ParameterActual{
		{Name: "Oven temperature", Value: "228.5", Unit: "Cel"},
		{Name: "Operator note", Value: "Crust dark on rack 3;\n\"fine\" per QA & shift lead", Unit: ""},
	},
}

func TestWritePerformanceIsValidB2MML(t *testing.T) {
	tests := []struct {
		name   string
		write  func(io.Writer, b2mml.Performance) error
		golden string
		xsd    string
	}{
		{"V0600 ProductionPerformance", b2mml.WriteProductionPerformance, "testdata/production-performance-v0600.xml", xsdPerformanceV0600},
		{"V0701 OperationsPerformance", b2mml.WriteOperationsPerformance, "testdata/operations-performance-v0701.xml", xsdPerformanceV0701},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.write(&buf, completed); err != nil {
				t.Fatalf("write error: %v", err)
			}
			if *update {
				if err := os.WriteFile(tt.golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(tt.golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("write output differs from %s (-want +got):\n%s", tt.golden, diff)
			}
			out := filepath.Join(t.TempDir(), filepath.Base(tt.golden))
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			validate(t, tt.xsd, out)
		})
	}
}

func TestWritePerformanceRefusesWhatTheERPCannotUse(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *b2mml.Performance)
		want   []problem
	}{
		{"no order number", func(p *b2mml.Performance) { p.OrderID = " " }, []problem{{"OrderID", "required"}}},
		{"no start", func(p *b2mml.Performance) { p.Start = time.Time{} }, []problem{{"Start", "required"}}},
		{"an end before the start", func(p *b2mml.Performance) { p.End = p.Start.Add(-time.Minute) }, []problem{{"End", "after_start"}}},
		{"a quantity with a decimal comma", func(p *b2mml.Performance) { p.Produced[0].Quantity = "1188,0" },
			[]problem{{"Produced[1].Quantity", "number"}}},
		{"a negative consumption", func(p *b2mml.Performance) { p.Consumed[1].Quantity = "-6.25" },
			[]problem{{"Consumed[2].Quantity", "not_negative"}}},
		{"a consumed lot without item and unit", func(p *b2mml.Performance) { p.Consumed[0].ItemCode, p.Consumed[0].Unit = "", "" },
			[]problem{{"Consumed[1].ItemCode", "required"}, {"Consumed[1].Unit", "required"}}},
		{"a lot code with a line break", func(p *b2mml.Performance) { p.Produced[0].LotID = "L1\n01" },
			[]problem{{"Produced[1].LotID", "character"}}},
		{"a parameter value with a control character", func(p *b2mml.Performance) { p.Parameters[0].Value = "228\x00" },
			[]problem{{"Parameters[1].Value", "character"}}},
		{"a parameter named like the ERP reference", func(p *b2mml.Performance) { p.Parameters[0].Name = "erpreference" },
			[]problem{{"Parameters[1].Name", "reserved"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := completed
			p.Produced = append([]b2mml.MaterialActual(nil), completed.Produced...)
			p.Consumed = append([]b2mml.MaterialActual(nil), completed.Consumed...)
			p.Parameters = append([]b2mml.ParameterActual(nil), completed.Parameters...)
			tt.change(&p)
			for name, write := range map[string]func(io.Writer, b2mml.Performance) error{
				"WriteProductionPerformance": b2mml.WriteProductionPerformance,
				"WriteOperationsPerformance": b2mml.WriteOperationsPerformance,
			} {
				var buf bytes.Buffer
				err := write(&buf, p)
				if forkline.ErrorCode(err) != forkline.Invalid {
					t.Fatalf("%s error = %v, want invalid", name, err)
				}
				if buf.Len() != 0 {
					t.Errorf("%s wrote %d bytes before refusing", name, buf.Len())
				}
				var got []problem
				for _, f := range forkline.ErrorFields(err) {
					got = append(got, problem{f.Field, f.Rule})
				}
				if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(problem{})); diff != "" {
					t.Errorf("%s problems mismatch (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}
