package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
)

// codes is a repeatable flag: -lot A -lot B.
type codes []string

func (c *codes) String() string     { return strings.Join(*c, ",") }
func (c *codes) Set(v string) error { *c = append(*c, v); return nil }

// findByCode returns the ID of the record of catalog c with a code on a site.
func findByCode[T any, P interface {
	*T
	Base() plant.Record
}](ctx context.Context, list func(context.Context, plant.Filter) ([]T, error), site forkline.ID, what, code string) (forkline.ID, error) {
	recs, err := list(cliContext(ctx), plant.Filter{SiteIDs: []forkline.ID{site}, Codes: []string{code}, IncludeInactive: true, Limit: 1})
	if err != nil {
		return "", explain(err)
	}
	if len(recs) == 0 {
		return "", fmt.Errorf("no %s has the code %q on this site", what, code)
	}
	return P(&recs[0]).Base().ID, nil
}

// runTrace prints the backward or forward trace of a lot.
func runTrace(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var site, lot, dir string
	var asJSON bool
	a, err := openForVerb(ctx, "trace", args, getenv, stderr, func(fs fsAdder) {
		fs.StringVar(&site, "site", "", "site code")
		fs.StringVar(&lot, "lot", "", "lot code")
		fs.StringVar(&dir, "direction", "backward", "backward (to supplier lots) or forward (to shipments and stock)")
		if f, ok := fs.(*flag.FlagSet); ok {
			f.BoolVar(&asJSON, "json", false, "print JSON")
		}
	})
	if err != nil {
		return err
	}
	defer a.db.Close()
	s, err := a.siteByCode(ctx, site)
	if err != nil {
		return err
	}
	cctx := cliContext(ctx)
	l, err := a.inv.LotByCode(cctx, s.ID, lot)
	if err != nil {
		return fmt.Errorf("lot %q: %w", lot, explain(err))
	}
	start := time.Now()
	tr, err := a.inv.Trace(cctx, l.ID, inventory.Direction(dir))
	if err != nil {
		return explain(err)
	}
	took := time.Since(start)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(tr)
	}
	printTrace(stdout, tr)
	fmt.Fprintf(stdout, "\n%d lots, %d links, %d shipments; traced in %s\n", len(tr.Nodes), len(tr.Edges), len(tr.Shipments), took.Round(time.Microsecond))
	return nil
}

func printTrace(w io.Writer, tr inventory.Trace) {
	names := map[forkline.ID]string{}
	for _, n := range tr.Nodes {
		names[n.Lot.ID] = n.Lot.Code
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s TRACE\n", strings.ToUpper(string(tr.Direction)))
	fmt.Fprintln(tw, "DEPTH\tLOT\tTLC\tITEM\tSTATUS\tQUANTITY\tEXPIRY\tSUPPLIER")
	for _, n := range tr.Nodes {
		exp := ""
		if !n.Lot.Expiry.IsZero() {
			exp = n.Lot.Expiry.Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%d\t%s%s\t%s\t%s %s\t%s\t%s\t%s\t%s %s\n", n.Depth, strings.Repeat("  ", n.Depth), n.Lot.Code, n.Lot.TLC, n.ItemCode, n.ItemName,
			n.Lot.Status, n.Lot.Quantity, exp, n.SupplierName, n.Lot.SupplierLot)
	}
	tw.Flush()
	if len(tr.Edges) > 0 {
		fmt.Fprintln(w, "\nLINKS (consumed lot -> produced lot, order, quantity consumed)")
		for _, e := range tr.Edges {
			fmt.Fprintf(w, "  %s -> %s  %s  %s\n", names[e.ParentID], names[e.ChildID], e.OrderRef, e.Quantity)
		}
	}
	if len(tr.Shipments) > 0 {
		fmt.Fprintln(w, "\nSHIPPED")
		for _, s := range tr.Shipments {
			fmt.Fprintf(w, "  %s  %s to %s (%s)  %s %s  %s\n", s.ShippedAt.Format("2006-01-02"), names[s.LotID], s.CustomerName, s.ShipToName, s.DocType, s.DocNumber, s.Quantity)
		}
	}
	if len(tr.OnHand) > 0 {
		fmt.Fprintln(w, "\nON HAND")
		for _, o := range tr.OnHand {
			fmt.Fprintf(w, "  %s at %s  %s\n", names[o.LotID], o.LocationCode, o.Quantity)
		}
	}
}

// runRecall starts a mock (or real) recall and prints its report.
func runRecall(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var site, supplier, supplierLot, item, line, from, to, note, csvPath string
	var lots codes
	var real, hold bool
	a, err := openForVerb(ctx, "recall", args, getenv, stderr, func(fs fsAdder) {
		fs.StringVar(&site, "site", "", "site code")
		fs.StringVar(&supplier, "supplier", "", "supplier code (with -supplier-lot)")
		fs.StringVar(&supplierLot, "supplier-lot", "", "the supplier's lot code")
		fs.StringVar(&item, "item", "", "item code (with -from and -to, optionally -line)")
		fs.StringVar(&line, "line", "", "line code")
		fs.StringVar(&from, "from", "", "start of the production window, RFC 3339")
		fs.StringVar(&to, "to", "", "end of the production window, RFC 3339")
		fs.StringVar(&note, "note", "", "why: the complaint, the supplier's notice, the drill")
		fs.StringVar(&csvPath, "csv", "", "also write the scope as CSV to this file")
		if f, ok := fs.(*flag.FlagSet); ok {
			f.Var(&lots, "lot", "lot code (repeatable)")
			f.BoolVar(&real, "real", false, "a real recall (default: a mock recall, a drill)")
			f.BoolVar(&hold, "hold", false, "put every affected lot with stock on hold")
		}
	})
	if err != nil {
		return err
	}
	defer a.db.Close()
	s, err := a.siteByCode(ctx, site)
	if err != nil {
		return err
	}
	cctx := cliContext(ctx)
	in := inventory.RecallInput{SiteID: s.ID, Kind: inventory.MockRecall, SupplierLot: supplierLot, Hold: hold, Note: note}
	if real {
		in.Kind = inventory.RealRecall
	}
	for _, code := range lots {
		l, err := a.inv.LotByCode(cctx, s.ID, code)
		if err != nil {
			return fmt.Errorf("lot %q: %w", code, explain(err))
		}
		in.LotIDs = append(in.LotIDs, l.ID)
	}
	if supplier != "" {
		if in.SupplierID, err = findByCode[plant.Supplier](ctx, a.plant.Suppliers.List, s.ID, "supplier", supplier); err != nil {
			return err
		}
	}
	if item != "" {
		if in.ItemID, err = findByCode[plant.Item](ctx, a.plant.Items.List, s.ID, "item", item); err != nil {
			return err
		}
		if in.From, err = time.Parse(time.RFC3339, from); err != nil {
			return fmt.Errorf("-from must be an RFC 3339 time such as 2026-03-02T00:00:00Z")
		}
		if in.To, err = time.Parse(time.RFC3339, to); err != nil {
			return fmt.Errorf("-to must be an RFC 3339 time such as 2026-03-03T00:00:00Z")
		}
	}
	if line != "" {
		if in.LineID, err = findByCode[plant.Line](ctx, a.plant.Lines.List, s.ID, "line", line); err != nil {
			return err
		}
	}
	rc, err := a.inv.StartRecall(cctx, in)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(stdout, "%s RECALL %s\n%s\nstarted %s by %s; scope computed in %s\n\n", strings.ToUpper(string(rc.Kind)), rc.ID, rc.Criteria,
		rc.StartedAt.Format(time.RFC3339), rc.ActorName, rc.Duration.Round(time.Microsecond))
	fmt.Fprintln(stdout, "IMPLICATED LOTS (mass balance)")
	for _, r := range rc.Roots {
		b := r.Balance
		fmt.Fprintf(stdout, "  %s %s: in %s = consumed %s + shipped %s + adjusted %s + on hand %s, difference %s\n", r.Node.Lot.Code, r.Node.ItemCode,
			b.In, b.Consumed, b.Shipped, b.Adjusted, b.OnHand, b.Difference)
	}
	fmt.Fprintf(stdout, "accounted for: %.1f%%\n\n", rc.Accounted)
	printTrace(stdout, rc.Scope)
	fmt.Fprintf(stdout, "\n%d customers received affected lots; %d lots put on hold\n", len(rc.Customers), rc.Held)
	if csvPath != "" {
		f, err := os.Create(csvPath)
		if err != nil {
			return err
		}
		err = writeRecallCSV(f, rc)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", csvPath, err)
		}
	}
	return nil
}
