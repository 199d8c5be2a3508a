package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline/internal/storetest"
	_ "modernc.org/sqlite"
)

// runOK runs a verb and fails the test on error, returning stdout.
func runOK(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb); err != nil {
		t.Fatalf("forkline %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

var secretRE = regexp.MustCompile(`(?m)^(flk_\S+)$`)

// setUp makes a fresh database with a site, an admin and an API token, using the verbs only.
func setUp(t *testing.T, dsn string) (token string) {
	t.Helper()
	runOK(t, "", "migrate", "--db", dsn)
	runOK(t, "", "site", "create", "--db", dsn, "-code", "SPR", "-name", "Springfield Bakery", "-timezone", "America/Chicago")
	runOK(t, "correct horse battery\n", "user", "create", "--db", dsn, "-username", "alex", "-name", "Alex Admin")
	runOK(t, "", "user", "grant", "--db", dsn, "-username", "alex", "-site", "SPR", "-role", "admin", "-reason", "plant administrator")
	out := runOK(t, "", "token", "create", "--db", dsn, "-name", "ERP", "-site", "SPR", "-role", "integration")
	m := secretRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("token create printed no secret:\n%s", out)
	}
	if list := runOK(t, "", "user", "list", "--db", dsn); !strings.Contains(list, "admin@SPR") {
		t.Errorf("user list = %q, want alex with admin@SPR", list)
	}
	return m[1]
}

// serve starts "forkline serve" on a free port and returns its URL; the server stops when t ends.
func serve(t *testing.T, dsn string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn"}, func(string) string { return "" }, nil, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed nothing: %v", err)
	}
	go io.Copy(io.Discard, pr)
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if url == "" {
		t.Fatalf("serve printed %q, want its URL", line)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v on shutdown, want nil (graceful)", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("serve did not shut down")
		}
	})
	return url
}

func call(t *testing.T, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// TestAPlantIsSetUpAndServedThroughTheBinary drives the real binary's verbs
// end to end on both engines: set-up verbs, serve, an API flow, graceful
// shutdown and audit verify.
func TestAPlantIsSetUpAndServedThroughTheBinary(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			dsn := e.DSN(t)
			token := setUp(t, dsn)
			url := serve(t, dsn)
			code, me := call(t, "GET", url+"/api/v1/me", token, nil)
			if code != 200 || me["name"] != "token:ERP" {
				t.Fatalf("GET /me = %d %v", code, me)
			}
			site := me["grants"].([]any)[0].(map[string]any)["siteId"].(string)
			code, item := call(t, "POST", url+"/api/v1/items", token, map[string]any{
				"siteId": site, "code": "RM-FLOUR", "name": "Wheat flour", "kind": "raw", "baseUnit": "kg",
				"condition": "ambient", "allergens": []string{"wheat"}, "gtin": "00614141000012", "reason": "ERP item master"})
			if code != 201 {
				t.Fatalf("POST /items = %d %v", code, item)
			}
			code, got := call(t, "GET", url+"/api/v1/items/"+item["id"].(string), token, nil)
			if code != 200 || got["gtin"] != "00614141000012" {
				t.Errorf("GET item = %d %v", code, got)
			}
			if out := runOK(t, "", "audit", "verify", "--db", dsn); !strings.Contains(out, "intact") {
				t.Errorf("audit verify = %q", out)
			}
		})
	}
}

// TestAuditVerifyNamesTheEntryThatWasTamperedWith edits the audit table in
// SQL behind Forkline's back, as an insider with database access might.
func TestAuditVerifyNamesTheEntryThatWasTamperedWith(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "f.db")
	setUp(t, dsn)
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit_entries SET reason = 'nothing to see' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err = run(context.Background(), []string{"audit", "verify", "--db", dsn}, os.Getenv, nil, &out, &errb)
	if err != errChainBroken {
		t.Fatalf("audit verify after tampering = %v, want errChainBroken", err)
	}
	if !strings.Contains(out.String(), "entry 3") || !strings.Contains(out.String(), "edited") {
		t.Errorf("audit verify said %q, want it to name entry 3 as edited", out.String())
	}
}

func TestPrintConfigShowsEffectiveValuesWithSecretsRedacted(t *testing.T) {
	var out bytes.Buffer
	env := map[string]string{"FORKLINE_DB": "postgres://forkline:s3cret@db.internal:5432/mes", "FORKLINE_LOG_LEVEL": "debug"}
	err := run(context.Background(), []string{"serve", "-print-config", "--addr", ":9090"}, func(k string) string { return env[k] }, nil, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.Contains(s, "s3cret") {
		t.Errorf("print-config leaks the password:\n%s", s)
	}
	for _, want := range []string{"forkline:xxxxx@db.internal", "env FORKLINE_DB", ":9090", "(flag)", "debug"} {
		if !strings.Contains(s, want) {
			t.Errorf("print-config lacks %q:\n%s", want, s)
		}
	}
}

func TestVerbsRefuseBadInputClearly(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "f.db")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "no verb"},
		{[]string{"launch"}, "unknown verb"},
		{[]string{"user", "promote"}, "unknown"},
		{[]string{"site", "create", "--db", dsn, "-code", "X", "-name", "X", "-timezone", "Nowhere/Town"}, "timeZone"},
		{[]string{"user", "grant", "--db", dsn, "-username", "ghost", "-site", "X", "-role", "admin"}, "ghost"},
	}
	for _, tt := range tests {
		err := run(context.Background(), tt.args, func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("forkline %v = %v, want an error mentioning %q", tt.args, err, tt.want)
		}
	}
}
