package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `forkline: manufacturing execution for food plants

Usage: forkline <verb> [flags]

Verbs:
  demo           start a demo food plant on a fresh database and serve it
  serve          serve the web UI and the JSON API
  migrate        apply database migrations
  site           create, list sites (a fresh installation needs its first site)
  user           create, list, set-password, disable, enable, grant, revoke
  token          create, list, revoke API tokens for machines and ERP systems
  trace          backward or forward trace of a lot
  recall         mock or real recall: scope, mass balance, customers, optional hold
  export         export fsma204: FDA's FSMA 204 sortable spreadsheet (CSV or XLSX)
  audit verify   check the audit trail's hash chain
  simulate       run the demo plant's machines against a server's MQTT broker (--broker, --speed)
  version        print the version

Every flag has an environment equivalent: --db is FORKLINE_DB, --addr is FORKLINE_ADDR.
Run "forkline <verb> -h" for a verb's flags.
`

// run is the whole program; main only calls it, so every verb is testable in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no verb given")
	}
	verb, rest := args[0], args[1:]
	var err error
	switch verb {
	case "serve":
		err = runServe(ctx, rest, getenv, stdout, stderr, false)
	case "demo":
		err = runServe(ctx, rest, getenv, stdout, stderr, true)
	case "migrate":
		err = runMigrate(ctx, rest, getenv, stdout, stderr)
	case "user":
		err = runUser(ctx, rest, getenv, stdin, stdout, stderr)
	case "site":
		err = runSite(ctx, rest, getenv, stdout, stderr)
	case "token":
		err = runToken(ctx, rest, getenv, stdout, stderr)
	case "trace":
		err = runTrace(ctx, rest, getenv, stdout, stderr)
	case "recall":
		err = runRecall(ctx, rest, getenv, stdout, stderr)
	case "export":
		err = runExport(ctx, rest, getenv, stdout, stderr)
	case "audit":
		err = runAudit(ctx, rest, getenv, stdout, stderr)
	case "simulate":
		err = runSimulate(ctx, rest, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "forkline", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown verb %q", verb)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// subverb splits "user create ..." into "create" and its flags.
func subverb(args []string, verbs ...string) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", nil, fmt.Errorf("give one of: %s", strings.Join(verbs, ", "))
	}
	for _, v := range verbs {
		if args[0] == v {
			return v, args[1:], nil
		}
	}
	return "", nil, fmt.Errorf("unknown %q: give one of %s", args[0], strings.Join(verbs, ", "))
}
