package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/forkline/forkline/internal/plant"
)

// runSite creates and lists sites, so that a fresh installation can get its
// first site (and an administrator a role on it) before anyone signs in.
func runSite(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	verb, rest, err := subverb(args, "create", "list")
	if err != nil {
		return err
	}
	var code, name, tz, reason string
	a, err := openForVerb(ctx, "site "+verb, rest, getenv, stderr, func(fs fsAdder) {
		if verb == "create" {
			fs.StringVar(&code, "code", "", "short site code, e.g. SPR")
			fs.StringVar(&name, "name", "", "site name")
			fs.StringVar(&tz, "timezone", "", "IANA time zone, e.g. America/Chicago")
			fs.StringVar(&reason, "reason", "", "why (recorded in the audit trail)")
		}
	})
	if err != nil {
		return err
	}
	defer a.db.Close()
	cctx := cliContext(ctx)
	if verb == "create" {
		s, err := a.plant.Sites.Create(cctx, plant.Site{Record: plant.Record{Code: code, Name: name}, TimeZone: tz}, reason)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "created site %s (%s)\n", s.Code, s.ID)
		return nil
	}
	sites, err := a.plant.Sites.List(cctx, plant.Filter{IncludeInactive: true, Limit: 500})
	if err != nil {
		return explain(err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tNAME\tTIME ZONE\tACTIVE\tID")
	for _, s := range sites {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", s.Code, s.Name, s.TimeZone, s.Active, s.ID)
	}
	return tw.Flush()
}
