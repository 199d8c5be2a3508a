package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/forkline/forkline"
)

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("migrate", stderr)
	dbFlag(fs, &c, "forkline.db")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	a, err := openApp(ctx, c.DB, nil)
	if err != nil {
		return err
	}
	defer a.db.Close()
	fmt.Fprintf(stdout, "database %s (%s) is up to date\n", sqlstoreName(c.DB), a.db.Engine())
	return nil
}

// openForVerb parses the common flags of an administration verb and opens the app.
func openForVerb(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer, extra func(fsAdder)) (*app, error) {
	var c config
	fs := newFlags(name, stderr)
	dbFlag(fs, &c, "forkline.db")
	extra(fs)
	if err := parse(fs, args, getenv); err != nil {
		return nil, err
	}
	return openApp(ctx, c.DB, nil)
}

// fsAdder is the part of flag.FlagSet verbs use to add flags.
type fsAdder interface {
	StringVar(p *string, name, value, usage string)
	DurationVar(p *time.Duration, name string, value time.Duration, usage string)
}

// readSecret reads one line from stdin: passwords never go on the command line.
func readSecret(stdin io.Reader, stderr io.Writer, prompt string) (string, error) {
	fmt.Fprint(stderr, prompt)
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password given on standard input")
	}
	return line, nil
}

func explain(err error) error {
	if err == nil {
		return nil
	}
	fields := forkline.ErrorFields(err)
	if len(fields) == 0 {
		if forkline.ErrorCode(err) == forkline.Internal {
			return err
		}
		return errors.New(forkline.ErrorMessage(err))
	}
	var b strings.Builder
	b.WriteString(forkline.ErrorMessage(err))
	for _, f := range fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Msg)
	}
	return errors.New(b.String())
}

func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	verb, rest, err := subverb(args, "create", "list", "set-password", "set-badge", "disable", "enable", "grant", "revoke")
	if err != nil {
		return err
	}
	var username, display, site, role, reason string
	a, err := openForVerb(ctx, "user "+verb, rest, getenv, stderr, func(fs fsAdder) {
		if verb != "list" {
			fs.StringVar(&username, "username", "", "the user's sign-in name")
		}
		switch verb {
		case "create":
			fs.StringVar(&display, "name", "", "the user's full name")
		case "grant", "revoke":
			fs.StringVar(&site, "site", "", "site code")
			fs.StringVar(&role, "role", "", "role: operator, supervisor, quality, maintenance, planner, manager, admin, auditor, integration")
		}
		if verb == "set-badge" {
			fs.StringVar(&site, "badge", "", "badge number (empty removes badge sign-in)")
		}
		if verb == "disable" || verb == "enable" || verb == "grant" || verb == "revoke" || verb == "set-password" || verb == "set-badge" {
			fs.StringVar(&reason, "reason", "", "why (recorded in the audit trail)")
		}
	})
	if err != nil {
		return err
	}
	defer a.db.Close()
	cctx := cliContext(ctx)
	switch verb {
	case "create":
		pw, err := readSecret(stdin, stderr, "Password (read from standard input): ")
		if err != nil {
			return err
		}
		u, err := a.auth.CreateUser(cctx, username, display, pw)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "created user %s (%s)\n", u.Username, u.ID)
		return nil
	case "list":
		us, err := a.auth.Users(cctx)
		if err != nil {
			return explain(err)
		}
		sites := map[forkline.ID]string{}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tNAME\tACTIVE\tROLES")
		for _, u := range us {
			var roles []string
			for _, g := range u.Grants {
				if _, ok := sites[g.SiteID]; !ok {
					if s, err := a.plant.Sites.Find(cctx, g.SiteID); err == nil {
						sites[g.SiteID] = s.Code
					}
				}
				roles = append(roles, string(g.Role)+"@"+sites[g.SiteID])
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", u.Username, u.DisplayName, u.Active, strings.Join(roles, " "))
		}
		return tw.Flush()
	}
	u, err := a.auth.FindUserByUsername(cctx, username)
	if err != nil {
		return fmt.Errorf("user %q: %w", username, explain(err))
	}
	switch verb {
	case "set-password":
		pw, err := readSecret(stdin, stderr, "New password (read from standard input): ")
		if err != nil {
			return err
		}
		if err := a.auth.SetPassword(cctx, u.ID, pw, reason); err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "password of %s set; their sessions are ended\n", u.Username)
	case "set-badge":
		pin := ""
		if site != "" {
			if pin, err = readSecret(stdin, stderr, "PIN (read from standard input): "); err != nil {
				return err
			}
		}
		if _, err := a.auth.SetBadge(cctx, u.ID, site, pin, reason); err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "badge of %s set\n", u.Username)
	case "disable", "enable":
		if _, err := a.auth.SetActive(cctx, u.ID, verb == "enable", reason); err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "user %s %sd\n", u.Username, verb)
	case "grant", "revoke":
		s, err := a.siteByCode(ctx, site)
		if err != nil {
			return err
		}
		if _, err := a.auth.SetRole(cctx, u.ID, forkline.Grant{SiteID: s.ID, Role: forkline.Role(role)}, verb == "grant", reason,
			func(context.Context, forkline.ID) bool { return true }); err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "%s: %s %s on %s\n", u.Username, verb, role, s.Code)
	}
	return nil
}

func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	verb, rest, err := subverb(args, "create", "list", "revoke")
	if err != nil {
		return err
	}
	var name, site, role, id, reason string
	var ttl time.Duration
	a, err := openForVerb(ctx, "token "+verb, rest, getenv, stderr, func(fs fsAdder) {
		switch verb {
		case "create":
			fs.StringVar(&name, "name", "", "what uses the token, e.g. \"ERP\" or \"Line 1 PLC\"")
			fs.StringVar(&site, "site", "", "site code")
			fs.StringVar(&role, "role", "integration", "role the token acts with")
			fs.DurationVar(&ttl, "ttl", 0, "lifetime, e.g. 2160h; 0 for until revoked")
		case "revoke":
			fs.StringVar(&id, "id", "", "token ID")
			fs.StringVar(&reason, "reason", "", "why (recorded in the audit trail)")
		}
	})
	if err != nil {
		return err
	}
	defer a.db.Close()
	cctx := cliContext(ctx)
	switch verb {
	case "create":
		s, err := a.siteByCode(ctx, site)
		if err != nil {
			return err
		}
		t, secret, err := a.auth.CreateToken(cctx, name, s.ID, forkline.Role(role), ttl, func(context.Context, forkline.ID) bool { return true })
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "token %s (%s) for %s as %s\n", t.Name, t.ID, s.Code, t.Role)
		fmt.Fprintf(stdout, "secret (shown only now; send it as Authorization: Bearer <secret>):\n%s\n", secret)
	case "list":
		ts, err := a.auth.Tokens(cctx)
		if err != nil {
			return explain(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tSTATE")
		for _, t := range ts {
			state := "active"
			if !t.RevokedAt.IsZero() {
				state = "revoked " + t.RevokedAt.Format(time.RFC3339)
			} else if !t.ExpiresAt.IsZero() && a.now().After(t.ExpiresAt) {
				state = "expired"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt.Format(time.RFC3339), state)
		}
		return tw.Flush()
	case "revoke":
		if err := a.auth.RevokeToken(cctx, id, reason); err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "token %s revoked\n", id)
	}
	return nil
}

// errChainBroken is returned by "audit verify" when the chain is broken.
var errChainBroken = errors.New("audit trail is broken")

func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if _, rest, err := subverb(args, "verify"); err != nil {
		return err
	} else {
		args = rest
	}
	a, err := openForVerb(ctx, "audit verify", args, getenv, stderr, func(fsAdder) {})
	if err != nil {
		return err
	}
	defer a.db.Close()
	rep, err := a.audit.Verify(cliContext(ctx))
	if err != nil {
		return err
	}
	if rep.Break != nil {
		fmt.Fprintf(stdout, "BROKEN: %s\n", rep.Break.Error())
		fmt.Fprintf(stdout, "%d entries before it verified\n", rep.Entries)
		return errChainBroken
	}
	fmt.Fprintf(stdout, "audit trail intact: %d entries verified\n", rep.Entries)
	return nil
}
