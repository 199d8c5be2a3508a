package main

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/forkline/forkline/internal/browsertest"
)

// TestTheRunningDemoShowsALineChangeStateLive runs "forkline demo" as a
// newcomer would (its machines publishing Sparkplug B through the embedded
// broker, at ten times the clock), opens the dairy's plant overview in
// Chromium and waits, without reloading, for a line's tile to change state.
func TestTheRunningDemoShowsALineChangeStateLive(t *testing.T) {
	ctx := browsertest.New(t, 4*time.Minute)
	dsn := filepath.Join(t.TempDir(), "demo.db")
	dctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(dctx, []string{"demo", "--db", dsn, "--addr", "127.0.0.1:0", "--mqtt-listen", "127.0.0.1:0", "--speed", "10", "--log-level", "warn"},
			func(string) string { return "" }, nil, pw, io.Discard)
		pw.Close()
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo returned %v on shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("demo did not shut down")
		}
	}()
	rd := bufio.NewReader(pr)
	var printed strings.Builder
	for range 2 {
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
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	step("sign in",
		chromedp.Navigate(base+"/plant"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(".login-card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#site-switch")),
	)
	dairy, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll("#site-switch option")].find(o => o.textContent.includes("RVR")).value`))
	if err != nil || dairy == "" {
		t.Fatalf("no dairy site to switch to: %q, %v", dairy, err)
	}
	step("open the dairy's overview", chromedp.Navigate(base+"/plant?site="+dairy), chromedp.WaitVisible(chromedp.CSS(".tile")))
	// Remember every tile's state, and mark the page to tell a reload.
	step("note the states", chromedp.Evaluate[chromedp.Void](`
		document.documentElement.setAttribute("data-old", "");
		window.before = Object.fromEntries([...document.querySelectorAll(".tile")].map(t => [t.id, t.dataset.state]));`))
	before, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`window.before`))
	if err != nil || len(before) < 4 {
		t.Fatalf("tiles = %v, %v; want the dairy's lines", before, err)
	}
	step("wait for a line to change state", chromedp.Poll[chromedp.Void](
		`[...document.querySelectorAll(".tile")].some(t => window.before[t.id] !== undefined && t.dataset.state !== window.before[t.id])`,
		chromedp.WithPollingInterval(250*time.Millisecond), chromedp.WithPollingTimeout(150*time.Second)))
	reloaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.documentElement.hasAttribute("data-old")`))
	if err != nil || reloaded {
		t.Errorf("the page reloaded (%v); want the tile swapped in place", err)
	}
	after, _ := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll(".tile")].map(t => [t.id, t.dataset.state]))`))
	t.Logf("tiles before %v, after %v", before, after)
}
