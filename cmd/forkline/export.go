package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/fsma204"
	"github.com/forkline/forkline/internal/inventory"
)

// runExport writes records for authorities and partners. "export fsma204"
// writes the FSMA 204 sortable spreadsheet FDA asks for within 24 hours:
// the receiving, transformation and shipping records of foods on the Food
// Traceability List, for lots (by lot code or traceability lot code) and/or
// days at the site.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	_, rest, err := subverb(args, "fsma204")
	if err != nil {
		return err
	}
	var siteCode, from, to, format, out string
	var lots codes
	a, err := openForVerb(ctx, "export fsma204", rest, getenv, stderr, func(fs fsAdder) {
		fs.StringVar(&siteCode, "site", "", "site code")
		fs.StringVar(&from, "from", "", "first day, e.g. 2026-03-01, at the site")
		fs.StringVar(&to, "to", "", "last day, included, e.g. 2026-03-31, at the site")
		fs.StringVar(&format, "format", "", "csv or xlsx (default: xlsx when -o ends in .xlsx, else csv)")
		fs.StringVar(&out, "o", "", "file to write (default: standard output, for csv)")
		if f, ok := fs.(*flag.FlagSet); ok {
			f.Var(&lots, "lot", "lot code or traceability lot code (repeatable)")
		}
	})
	if err != nil {
		return err
	}
	defer a.db.Close()
	if siteCode == "" {
		return errors.New("-site is required: the code of the site whose records to export")
	}
	if format == "" {
		format = "csv"
		if strings.EqualFold(filepath.Ext(out), ".xlsx") {
			format = "xlsx"
		}
	}
	write := map[string]func(io.Writer, inventory.FSMA204Records) error{"csv": fsma204.WriteCSV, "xlsx": fsma204.WriteXLSX}[format]
	if write == nil {
		return fmt.Errorf("-format %q: give csv or xlsx", format)
	}
	if format == "xlsx" && out == "" {
		return errors.New("-format xlsx needs -o FILE: a workbook is not written to a terminal")
	}

	cctx := cliContext(ctx)
	site, err := a.siteByCode(ctx, siteCode)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(site.TimeZone)
	if err != nil {
		return fmt.Errorf("site %s time zone: %w", site.Code, err)
	}
	f := inventory.TraceabilityFilter{SiteID: site.ID}
	if f.From, err = dayFlag("from", from, loc); err != nil {
		return err
	}
	if f.To, err = dayFlag("to", to, loc); err != nil {
		return err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the last day is included
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return fmt.Errorf("-to %s is before -from %s", to, from)
	}
	for _, code := range lots {
		ids, err := lotsByCode(cctx, a.inv, site.ID, strings.TrimSpace(code))
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return fmt.Errorf("no lot of site %s has the lot code or traceability lot code %q", site.Code, code)
		}
		f.LotIDs = append(f.LotIDs, ids...)
	}
	recs, err := a.inv.TraceabilityRecords(cctx, f)
	if err != nil {
		return explain(err)
	}

	summary := fmt.Sprintf("FSMA 204 records of %s: %d receiving, %d transformation, %d shipping", site.Code,
		len(recs.Receiving), len(recs.Transformation), len(recs.Shipping))
	if out == "" {
		if err := write(stdout, recs); err != nil {
			return err
		}
		fmt.Fprintln(stderr, summary)
		return nil
	}
	if err := writeFile(out, func(w io.Writer) error { return write(w, recs) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s, written to %s\n", summary, out)
	return nil
}

// dayFlag parses a day at the site; "" is the zero time.
func dayFlag(name, v string, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return t, fmt.Errorf("-%s %q: give a day as YYYY-MM-DD", name, v)
	}
	return t, nil
}

// lotsByCode finds the lots a code names: the lot with that lot code, or
// else every lot with that traceability lot code (FDA asks by TLC, which for
// a received lot is the supplier's).
func lotsByCode(ctx context.Context, inv *inventory.Service, site forkline.ID, code string) ([]forkline.ID, error) {
	l, err := inv.LotByCode(ctx, site, code)
	if err == nil {
		return []forkline.ID{l.ID}, nil
	}
	if forkline.ErrorCode(err) != forkline.NotFound {
		return nil, explain(err)
	}
	var ids []forkline.ID
	for after := forkline.ID(""); ; {
		page, err := inv.Lots(ctx, inventory.LotFilter{SiteIDs: []forkline.ID{site}, Search: code, AfterID: after, Limit: 500})
		if err != nil {
			return nil, explain(err)
		}
		for _, ls := range page {
			if ls.TLC == code {
				ids = append(ids, ls.ID)
			}
		}
		if len(page) < 500 {
			return ids, nil
		}
		after = page[len(page)-1].ID
	}
}

// writeFile writes path through a temporary file in the same folder, so
// that a failed export never leaves a partial file under the name asked for.
func writeFile(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
