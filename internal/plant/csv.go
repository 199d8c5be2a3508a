package plant

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/forkline/forkline"
)

// CSV import: a header row naming columns (any order, case-insensitive),
// then one record per row. Parsing reports every bad cell by line number and
// column; Catalog.Import then validates every record and writes all or nothing.

// column reads one CSV cell into a record.
type column[T any] struct {
	name     string
	required bool
	set      func(rec *T, cell string) error
}

// CSVSpec describes the CSV form of one kind of record.
type CSVSpec[T any] struct {
	cols []column[T]
	base func(*T) *Record
}

// Columns returns the column names, required ones first, for documentation and templates.
func (s CSVSpec[T]) Columns() []string {
	var out []string
	for _, c := range s.cols {
		out = append(out, c.name)
	}
	return out
}

func str[T any](name string, required bool, field func(*T) *string) column[T] {
	return column[T]{name: name, required: required, set: func(r *T, v string) error { *field(r) = v; return nil }}
}

func integer[T any](name string, field func(*T) *int) column[T] {
	return column[T]{name: name, set: func(r *T, v string) error {
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*field(r) = n
		return nil
	}}
}

func boolean[T any](name string, field func(*T) *bool) column[T] {
	return column[T]{name: name, set: func(r *T, v string) error {
		switch strings.ToLower(v) {
		case "", "no", "n", "false", "0":
			*field(r) = false
		case "yes", "y", "true", "1":
			*field(r) = true
		default:
			return fmt.Errorf("%q is not yes or no", v)
		}
		return nil
	}}
}

func baseCols[T any](base func(*T) *Record) []column[T] {
	return []column[T]{
		str("code", true, func(r *T) *string { return &base(r).Code }),
		str("name", true, func(r *T) *string { return &base(r).Name }),
	}
}

// ParseCSV reads records for site from r. A file that is not CSV, a missing
// required column or an unknown column is refused whole; bad cells are
// reported by line and column.
func (s CSVSpec[T]) ParseCSV(r io.Reader, site forkline.ID) (recs []T, lines []int, err error) {
	recs, lines, cells, err := s.parse(r, site)
	if err != nil {
		return nil, nil, err
	}
	if len(cells) > 0 {
		return nil, nil, &forkline.Error{Code: forkline.Invalid, Msg: fmt.Sprintf("Nothing was imported: %d problems were found.", len(cells)), Fields: cells}
	}
	return recs, lines, nil
}

// parse reads every row. A fatal problem (not CSV, bad header) is err; cells
// that do not parse are returned as problems beside the records, whose
// fields stay zero, so that the rules can still check the rest.
func (s CSVSpec[T]) parse(r io.Reader, site forkline.ID) (recs []T, lines []int, cells []forkline.FieldProblem, err error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, nil, forkline.Errorf(forkline.Invalid, "The file is empty: it needs a header row naming the columns %s.", strings.Join(s.Columns(), ", "))
	} else if err != nil {
		return nil, nil, nil, csvError(err)
	}
	var p forkline.Problems
	idx := make([]int, len(header)) // header position -> column index
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		j := slices.IndexFunc(s.cols, func(c column[T]) bool { return c.name == h })
		if j < 0 {
			p.Add("line 1: "+h, "unknown_column", fmt.Sprintf("column %q is not known; use %s", h, strings.Join(s.Columns(), ", ")))
		}
		idx[i] = j
	}
	for _, c := range s.cols {
		if c.required && !slices.ContainsFunc(header, func(h string) bool {
			return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) == c.name
		}) {
			p.Add("line 1: "+c.name, "required_column", fmt.Sprintf("column %q is required", c.name))
		}
	}
	if err := p.Err("The header row is not valid."); err != nil {
		return nil, nil, nil, err
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		var rec T
		s.base(&rec).SiteID = site
		for i, cell := range row {
			if idx[i] < 0 {
				continue
			}
			c := s.cols[idx[i]]
			if err := c.set(&rec, strings.TrimSpace(cell)); err != nil {
				p.Add(fmt.Sprintf("line %d: %s", line, c.name), "format", err.Error())
			}
		}
		recs = append(recs, rec)
		lines = append(lines, line)
	}
	return recs, lines, p.List(), nil
}

// ImportCSV reads records for site from r and imports them all or nothing.
// Every problem is reported at once, by line and column: cells that do not
// parse, rules the records break, and codes that are taken.
func (c *Catalog[T, P]) ImportCSV(ctx context.Context, spec CSVSpec[T], r io.Reader, site forkline.ID, reason string) (int, error) {
	if _, err := forkline.RequireActor(ctx); err != nil {
		return 0, err
	}
	recs, lines, cells, err := spec.parse(r, site)
	if err != nil {
		return 0, err
	}
	return c.importRecords(ctx, recs, lines, reason, cells)
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &forkline.Error{Code: forkline.Invalid, Msg: "The file is not valid CSV.", Err: err,
			Fields: []forkline.FieldProblem{{Field: fmt.Sprintf("line %d", pe.Line), Rule: "csv", Msg: pe.Err.Error()}}}
	}
	return &forkline.Error{Code: forkline.Invalid, Msg: "The file could not be read.", Err: err}
}

// The CSV forms of the master records. References to other records (a
// line's area, an equipment's line) are by ID.
var (
	AreaCSV = CSVSpec[Area]{base: func(r *Area) *Record { return &r.Record },
		cols: baseCols(func(r *Area) *Record { return &r.Record })}
	LineCSV = CSVSpec[Line]{base: func(r *Line) *Record { return &r.Record },
		cols: append(baseCols(func(r *Line) *Record { return &r.Record }),
			str("area_id", true, func(r *Line) *string { return &r.AreaID }))}
	EquipmentCSV = CSVSpec[Equipment]{base: func(r *Equipment) *Record { return &r.Record },
		cols: append(baseCols(func(r *Equipment) *Record { return &r.Record }),
			str("line_id", false, func(r *Equipment) *string { return &r.LineID }),
			str("manufacturer", false, func(r *Equipment) *string { return &r.Manufacturer }),
			str("model", false, func(r *Equipment) *string { return &r.Model }),
			str("serial_number", false, func(r *Equipment) *string { return &r.SerialNumber }))}
	LocationCSV = CSVSpec[Location]{base: func(r *Location) *Record { return &r.Record },
		cols: append(baseCols(func(r *Location) *Record { return &r.Record }),
			column[Location]{name: "kind", required: true, set: func(r *Location, v string) error { r.Kind = LocationKind(v); return nil }},
			column[Location]{name: "condition", required: true, set: func(r *Location, v string) error { r.Condition = StorageCondition(v); return nil }})}
	ItemCSV = CSVSpec[Item]{base: func(r *Item) *Record { return &r.Record },
		cols: append(baseCols(func(r *Item) *Record { return &r.Record }),
			column[Item]{name: "kind", required: true, set: func(r *Item, v string) error { r.Kind = ItemKind(v); return nil }},
			column[Item]{name: "base_unit", required: true, set: func(r *Item, v string) error {
				u, err := forkline.ParseUnit(v)
				if err != nil {
					return errors.New(forkline.ErrorMessage(err))
				}
				r.BaseUnit = u
				return nil
			}},
			column[Item]{name: "pack_sizes", set: func(r *Item, v string) error {
				ps, err := ParsePackSizes(v)
				if err != nil {
					return errors.New(forkline.ErrorMessage(err))
				}
				r.PackSizes = ps
				return nil
			}},
			integer("shelf_life_days", func(r *Item) *int { return &r.ShelfLifeDays }),
			column[Item]{name: "condition", required: true, set: func(r *Item, v string) error { r.Condition = StorageCondition(v); return nil }},
			column[Item]{name: "allergens", set: func(r *Item, v string) error {
				for _, a := range strings.FieldsFunc(v, func(c rune) bool { return c == ';' || c == ',' || c == ' ' }) {
					r.Allergens = append(r.Allergens, Allergen(strings.ToLower(a)))
				}
				return nil
			}},
			boolean("traceability_list", func(r *Item) *bool { return &r.TraceabilityList }),
			str("gtin", false, func(r *Item) *string { return &r.GTIN }),
			boolean("inspect_on_receipt", func(r *Item) *bool { return &r.InspectOnReceipt }))}
	SupplierCSV = CSVSpec[Supplier]{base: func(r *Supplier) *Record { return &r.Record },
		cols: append(baseCols(func(r *Supplier) *Record { return &r.Record }),
			column[Supplier]{name: "approval", required: true, set: func(r *Supplier, v string) error { r.Approval = ApprovalStatus(v); return nil }},
			str("contact_email", false, func(r *Supplier) *string { return &r.ContactEmail }),
			str("address", false, func(r *Supplier) *string { return &r.Address }))}
	CustomerCSV = CSVSpec[Customer]{base: func(r *Customer) *Record { return &r.Record },
		cols: append(baseCols(func(r *Customer) *Record { return &r.Record }),
			integer("min_shelf_life_days", func(r *Customer) *int { return &r.MinShelfLifeDays }),
			str("contact_email", false, func(r *Customer) *string { return &r.ContactEmail }),
			column[Customer]{name: "ship_to", set: func(r *Customer, v string) error {
				// One ship-to as code|name|address; several separated by ";".
				for _, part := range strings.Split(v, ";") {
					if strings.TrimSpace(part) == "" {
						continue
					}
					f := strings.Split(part, "|")
					if len(f) != 3 {
						return fmt.Errorf("ship_to %q must be code|name|address", part)
					}
					r.ShipTos = append(r.ShipTos, ShipTo{Code: strings.TrimSpace(f[0]), Name: strings.TrimSpace(f[1]), Address: strings.TrimSpace(f[2])})
				}
				return nil
			}})}
)
