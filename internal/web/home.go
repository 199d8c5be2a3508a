package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/inventory"
)

// homePage is the dashboard of the current site.
type homePage struct {
	layout
	NoSite        bool
	SiteName      string
	SiteCode      string
	TimeZone      string
	Cards         []countCard
	Lots          []countCard // the site's stock: lots with stock, waiting for quality, held, expired
	Actions       []navLink
	RecentAllowed bool
	Recent        []recentChange
}

// countCard shows how many records of one kind the site has.
type countCard struct {
	Title, URL, Count string
	Tone              string // "warn" or "danger" when the number needs someone's attention
}

// recentChange is one line of the site's latest master-data changes.
type recentChange struct {
	When                                        stamp
	Who, Action, Badge, Kind, What, URL, Reason string
}

// recentLimit is how many changes the dashboard lists.
const recentLimit = 8

func (ui *UI) handleHome() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p := homePage{layout: ui.layout(w, r, v, "Dashboard")}
		if v.site.ID == "" {
			p.NoSite = true
			ui.render(w, r, http.StatusOK, "home", p)
			return
		}
		p.SiteName, p.SiteCode, p.TimeZone = v.site.Name, v.site.Code, v.site.TimeZone
		if ui.cfg.Inventory != nil && v.can(forkline.PermInventoryRead, v.site.ID) {
			if p.Lots, err = ui.lotCards(r, v); err != nil {
				ui.fail(w, r, err)
				return
			}
		}
		byEntity := map[string]kindInfo{}
		for _, k := range ui.kinds {
			info := k.info()
			byEntity[info.Entity] = info
			n, err := k.count(ctx, v.site.ID)
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			c := strconv.Itoa(n)
			if n >= countCap {
				c += "+"
			}
			p.Cards = append(p.Cards, countCard{Title: info.Titles, URL: "/" + info.Path, Count: c})
		}
		if ui.cfg.Inventory != nil && v.can(forkline.PermInventoryWrite, v.site.ID) {
			p.Actions = append(p.Actions, navLink{Label: "Receive goods", URL: "/receive", Primary: true})
		}
		if v.can(forkline.PermMasterWrite, v.site.ID) {
			p.Actions = append(p.Actions, []navLink{
				{Label: "New item", URL: "/items/new"},
				{Label: "Import items", URL: "/items/import"},
				{Label: "New supplier", URL: "/suppliers/new"},
			}...)
		}
		if v.can(forkline.PermAuditRead, v.site.ID) {
			p.RecentAllowed = true
			entries, err := ui.cfg.Audit.List(ctx, audit.Filter{Limit: 200})
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			for _, e := range entries {
				info, ok := byEntity[e.Entity]
				if !ok || e.SiteID != v.site.ID {
					continue
				}
				action, badge := actionName(e.Action)
				p.Recent = append(p.Recent, recentChange{When: ui.when(e.At, v.loc), Who: e.ActorName, Action: action, Badge: badge,
					Kind: info.Title, What: describe(e), URL: "/" + info.Path + "/" + e.EntityID, Reason: e.Reason})
				if len(p.Recent) == recentLimit {
					break
				}
			}
		}
		ui.render(w, r, http.StatusOK, "home", p)
	})
}

// describe names the record of an audit entry by its code and name.
func describe(e audit.Entry) string {
	s := snapshot(e.After)
	if len(s) == 0 {
		s = snapshot(e.Before)
	}
	var code, name string
	_ = json.Unmarshal(s["Code"], &code)
	_ = json.Unmarshal(s["Name"], &name)
	if name == "" {
		return code
	}
	return code + " · " + name
}

// lotCountCap bounds the dashboard's count of lots; more shows as "500+".
const lotCountCap = 500

// lotCards count the site's lots with stock, and those among them that
// wait for quality, are held or are past their expiry date.
func (ui *UI) lotCards(r *http.Request, v visit) ([]countCard, error) {
	lots, err := ui.cfg.Inventory.Lots(r.Context(), inventory.LotFilter{SiteIDs: []forkline.ID{v.site.ID}, OnHandOnly: true, Limit: lotCountCap})
	if err != nil {
		return nil, err
	}
	today := ui.today(v.loc)
	var quarantine, hold, expired int
	for _, l := range lots {
		switch {
		case l.Status == inventory.Quarantine:
			quarantine++
		case l.Status == inventory.Hold:
			hold++
		}
		if l.ExpiredOn(today) && l.Status != inventory.Rejected {
			expired++
		}
	}
	count := func(n int) string {
		if len(lots) == lotCountCap {
			return strconv.Itoa(n) + "+"
		}
		return strconv.Itoa(n)
	}
	tone := func(n int, t string) string {
		if n == 0 {
			return ""
		}
		return t
	}
	return []countCard{
		{Title: "Lots with stock", URL: "/lots?onhand=1", Count: count(len(lots))},
		{Title: "Waiting for quality", URL: "/lots?status=quarantine&onhand=1", Count: count(quarantine), Tone: tone(quarantine, "info")},
		{Title: "On hold", URL: "/lots?status=hold&onhand=1", Count: count(hold), Tone: tone(hold, "warn")},
		{Title: "Expired, still on hand", URL: "/lots?onhand=1", Count: count(expired), Tone: tone(expired, "danger")},
	}, nil
}
