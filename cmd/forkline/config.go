package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sort"
	"strings"
)

// config is the effective configuration of a verb: flags, with FORKLINE_*
// environment variables as their defaults.
type config struct {
	DB            string
	Addr          string
	LogLevel      string
	LogFormat     string
	SecureCookies bool
	PrintConfig   bool
}

// envName returns the environment variable of a flag: db -> FORKLINE_DB.
func envName(flagName string) string {
	return "FORKLINE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlags returns a flag set whose string and bool flags default to their
// environment variables.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("forkline "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// envDefaults applies FORKLINE_* variables to flags not given on the command line.
func envDefaults(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", envName(f.Name), v, e)
			}
		}
	})
	return err
}

// parse parses args, then fills unset flags from the environment.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return envDefaults(fs, getenv)
}

func dbFlag(fs *flag.FlagSet, c *config, def string) {
	fs.StringVar(&c.DB, "db", def, "database: a SQLite file path, or a postgres:// URL (env FORKLINE_DB)")
}

func logFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error (env FORKLINE_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json (env FORKLINE_LOG_FORMAT)")
}

func (c config) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
}

// redactURL hides the password of a database URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// printConfig writes every flag's effective value, secrets redacted, and where it came from.
func printConfig(w io.Writer, fs *flag.FlagSet, getenv func(string) string) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var lines []string
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "print-config" {
			return
		}
		v := f.Value.String()
		if f.Name == "db" {
			v = redactURL(v)
		}
		src := "default"
		switch {
		case given[f.Name]:
			src = "flag"
		case getenv(envName(f.Name)) != "":
			src = "env " + envName(f.Name)
		}
		lines = append(lines, fmt.Sprintf("%-15s %-45s (%s)", f.Name, v, src))
	})
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}
