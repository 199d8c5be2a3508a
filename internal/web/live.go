package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/production"
)

// Live pages. A page that shows a line (the dispatch list, an order on the
// terminal, an order's supervisor page) carries the line's state as a
// short hash, and listens to /terminal/lines/{id}/events. The stream sends
// the hash whenever it changes; the page's script then fetches the page
// again and swaps its live parts (marked data-live), so a second tablet or
// the supervisor sees an addition, a reading or a state change at once.
// Without JavaScript nothing listens, and the pages offer a reload.
//
// The state is read from the database, so changes made through the API or
// by machines show too: each stream checks every LivePoll, and a change
// made through this UI wakes the line's streams at once.

// liveHeader marks the background fetch of a live page, which must not
// take the flash message meant for the page the browser shows next.
const liveHeader = "X-Forkline-Live"

// liveMaxAge is how long one stream stays open; the browser then
// reconnects, so no connection is held forever.
const liveMaxAge = 10 * time.Minute

// liveHub wakes the streams of a line when this UI changes it.
type liveHub struct {
	mu      sync.Mutex
	subs    map[forkline.ID]map[chan struct{}]struct{}
	servers map[*http.Server]bool // whose shutdown ends the streams
	stop    chan struct{}
	once    sync.Once
}

func newLiveHub() *liveHub {
	return &liveHub{subs: map[forkline.ID]map[chan struct{}]struct{}{}, servers: map[*http.Server]bool{}, stop: make(chan struct{})}
}

// subscribe returns a channel woken when the line changes, and the
// function that ends the subscription.
func (h *liveHub) subscribe(line forkline.ID) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[line] == nil {
		h.subs[line] = map[chan struct{}]struct{}{}
	}
	h.subs[line][c] = struct{}{}
	return c, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[line], c)
		if len(h.subs[line]) == 0 {
			delete(h.subs, line)
		}
	}
}

// publish wakes every stream of the line.
func (h *liveHub) publish(line forkline.ID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs[line] {
		select {
		case c <- struct{}{}:
		default: // already woken
		}
	}
}

// endOnShutdown ends every stream when the server that serves r shuts
// down: http.Server.Shutdown waits for open requests, and a stream would
// keep it waiting.
func (h *liveHub) endOnShutdown(r *http.Request) {
	srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server)
	if !ok {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.servers[srv] {
		return
	}
	h.servers[srv] = true
	srv.RegisterOnShutdown(func() { h.once.Do(func() { close(h.stop) }) })
}

// lineVersion is the state of a line as a short hash: the orders it may
// run, runs or holds, each with its state and version, which moves on with
// every change to an order or its record. An order that completes leaves
// the set, which changes the hash too.
func (ui *UI) lineVersion(ctx context.Context, site, line forkline.ID) (string, error) {
	os, err := ui.cfg.Production.Orders(ctx, production.OrderFilter{SiteIDs: []forkline.ID{site}, LineID: line,
		States: []production.State{production.Released, production.InProgress, production.OnHold}, Limit: 500})
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, o := range os {
		fmt.Fprintf(h, "%s:%s:%d;", o.ID, o.State, o.Version)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// changed tells the live pages of a line that this UI changed it.
func (ui *UI) changed(line forkline.ID) { ui.live.publish(line) }

// handleLineEvents streams a line's state as Server-Sent Events: an event
// "line" with the state's hash when the stream opens and whenever the
// state changes, and a comment every 20 seconds to keep proxies from
// closing a quiet stream.
func (ui *UI) handleLineEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		line, err := ui.cfg.Plant.Lines.Find(ctx, r.PathValue("id"))
		if err == nil {
			err = require(ctx, forkline.PermProductionRead, line.SiteID)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		version, err := ui.lineVersion(ctx, line.SiteID, line.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		wake, unsubscribe := ui.live.subscribe(line.ID)
		defer unsubscribe()
		ui.live.endOnShutdown(r)

		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		send := func(v string) error {
			b, _ := json.Marshal(map[string]string{"version": v})
			if _, err := fmt.Fprintf(w, "event: line\ndata: %s\n\n", b); err != nil {
				return err
			}
			return rc.Flush()
		}
		if _, err := fmt.Fprint(w, "retry: 3000\n\n"); err != nil {
			return
		}
		if err := send(version); err != nil {
			return
		}
		poll := time.NewTicker(ui.cfg.LivePoll)
		defer poll.Stop()
		ping := time.NewTicker(20 * time.Second)
		defer ping.Stop()
		end := time.NewTimer(liveMaxAge)
		defer end.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ui.live.stop:
				return
			case <-end.C:
				return
			case <-ping.C:
				if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
					return
				}
				continue
			case <-wake:
			case <-poll.C:
			}
			v, err := ui.lineVersion(ctx, line.SiteID, line.ID)
			if err != nil {
				if ctx.Err() == nil {
					ui.cfg.Logger.ErrorContext(ctx, "live line state", "line", line.ID, "err", err)
				}
				return
			}
			if v != version {
				version = v
				if err := send(v); err != nil {
					return
				}
			}
		}
	})
}

// require returns ErrForbidden unless the actor in ctx holds p on site.
func require(ctx context.Context, p forkline.Permission, site forkline.ID) error {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return err
	}
	return a.Require(p, site)
}
