package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTheDemoPrintsItsSignInAndServesTheSamplePlant starts "forkline demo"
// as a newcomer would, signs in with what it printed, and browses the plant.
func TestTheDemoPrintsItsSignInAndServesTheSamplePlant(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "demo.db")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--db", dsn, "--addr", "127.0.0.1:0", "--mqtt-listen", "127.0.0.1:0", "--log-level", "warn"}, func(string) string { return "" }, nil, pw, io.Discard)
		pw.Close()
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo returned %v on shutdown", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("demo did not shut down")
		}
	}()
	rd := bufio.NewReader(pr)
	var printed strings.Builder
	for range 3 {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("demo printed %q then %v", printed.String(), err)
		}
		printed.WriteString(line)
	}
	go io.Copy(io.Discard, rd)
	m := regexp.MustCompile(`Open (http://127\.0\.0\.1:\d+) and sign in as (\S+) with password (\S+)`).FindStringSubmatch(printed.String())
	if m == nil {
		t.Fatalf("demo printed:\n%s\nwant the URL and the demo sign-in", printed.String())
	}
	base, user, password := m[1], m[2], m[3]

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err := client.PostForm(base+"/login", url.Values{"username": {user}, "password": {password}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	home, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(home), "Springfield Bakery") {
		t.Fatalf("after sign-in: %d, want the dashboard of Springfield Bakery", res.StatusCode)
	}
	res, err = client.Get(base + "/api/v1/items?q=cookies")
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Data []struct {
			Code      string   `json:"code"`
			Allergens []string `json:"allergens"`
		} `json:"data"`
	}
	json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	if len(page.Data) != 2 {
		t.Errorf("demo items matching cookies = %+v, want the two cookie products", page.Data)
	}
	for _, path := range []string{"/items", "/suppliers", "/customers", "/lines", "/equipment", "/locations"} {
		res, err := client.Get(base + path)
		if err != nil || res.StatusCode != 200 {
			t.Errorf("GET %s = %v %v", path, res.StatusCode, err)
		}
		res.Body.Close()
	}
}
