package web_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/forkline/forkline/internal/monitoring"
)

// TestBrowserPlant opens the plant overview in a real Chromium, books a
// breakdown of the oven through the monitoring pipeline, and sees the bun
// line's tile turn to Down without a reload. It keeps screenshots of the
// overview and of the line's detail.
func TestBrowserPlant(t *testing.T) {
	e := newEnv(t)
	seed := e.seedBakery(t)
	e.seedProduction(t, &seed)
	m := e.seedMachines(t, &seed)
	b := newBrowser(t, e.srv.URL)
	tile := "#tile-" + seed.line.ID

	t.Run("the plant manager opens the overview", func(t *testing.T) {
		b.t = t
		b.do("open the overview", chromedp.Navigate(e.srv.URL+"/plant"), chromedp.WaitVisible(chromedp.CSS("#username")))
		b.signIn("dana")
		b.do("wait for the live tiles", chromedp.WaitVisible(chromedp.CSS(tile+`[data-state="Running"]`)), chromedp.WaitVisible(chromedp.CSS("#plant-live")))
		if got := b.text(tile + " .tile-code"); got != "L1" {
			t.Errorf("tile code = %q, want L1", got)
		}
		b.screenshot("plant-overview")
	})

	t.Run("a breakdown of the oven turns the line's tile red without a reload", func(t *testing.T) {
		b.t = t
		b.do("mark the page", chromedp.Evaluate[chromedp.Void](`document.documentElement.setAttribute("data-old", "")`))
		err := e.pipe.Ingest(context.Background(), []monitoring.Sample{{Address: m.stateTag[m.oven.ID], Time: e.clock.Now(), Value: monitoring.TextValue("down")}})
		if err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		b.do("wait for the tile to change", chromedp.WaitVisible(chromedp.CSS(tile+`[data-state="Down"].st-down`)))
		if !b.eval(`document.documentElement.hasAttribute("data-old")`) {
			t.Errorf("the page reloaded; want the tile swapped in place")
		}
		if got := b.text(tile + " .tile-state"); got != "Down" {
			t.Errorf("tile state = %q, want Down", got)
		}
		b.screenshot("plant-overview-down")
	})

	t.Run("the line's detail shows the day's states, counts, trends and Pareto", func(t *testing.T) {
		b.t = t
		b.do("open the line", chromedp.Click(chromedp.CSS(tile)), chromedp.WaitVisible(chromedp.CSS("#timeline svg")))
		if got := b.text("#pareto"); !strings.Contains(got, "Jam at the infeed") {
			t.Errorf("the Pareto does not show the jam:\n%s", got)
		}
		b.screenshot("line-detail")
	})
	if err := b.ctx.Err(); errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the browser test ran out of time")
	}
}
