package web

import (
	"net/http"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// fefoPage suggests which lots to use for a quantity of an item, first
// expired first out.
type fefoPage struct {
	layout
	SiteName    string
	Fields      []formField
	Asked       bool
	Summary     string
	Errors      []string
	Suggestions []fefoRow
	Need, Short string
	Covered     bool
	ItemName    string
	Customer    string
}

type fefoRow struct {
	URL, Code, Location string
	Expiry              expiryView
	OnHand, Take        string
}

func (ui *UI) handleFEFO() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		site, err := v.ledgerSite(forkline.PermInventoryRead)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		sr, err := ui.siteRefs(ctx, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		q := r.URL.Query()
		itemID, amount, unit, customer := q.Get("item"), strings.TrimSpace(q.Get("quantity")), q.Get("unit"), q.Get("customer")
		var p problems
		pg := fefoPage{SiteName: site.Name, Asked: itemID != "" || amount != ""}
		status := http.StatusOK
		if pg.Asked {
			it, ok := sr.items.get(ctx, itemID)
			if itemID == "" || !ok {
				p.add("item", "Choose the item.")
			}
			if unit == "" && ok {
				unit = string(it.BaseUnit)
			}
			need, qErr, uErr := parseQty(amount, unit, "Quantity")
			addIf(&p, "quantity", qErr)
			addIf(&p, "unit", uErr)
			if !p.any() {
				sugg, short, err := ui.cfg.Inventory.FEFO(ctx, inventory.FEFOInput{SiteID: site.ID, ItemID: itemID, Quantity: need, CustomerID: customer})
				if err != nil {
					var ok bool
					if status, ok = refusal(err, map[string]string{"itemId": "item", "quantity": "quantity", "customerId": "customer"}, &p); !ok {
						ui.fail(w, r, err)
						return
					}
				} else {
					today := ui.today(v.siteLoc(site.ID))
					pg.ItemName, pg.Need, pg.Short, pg.Covered = it.Code+" · "+it.Name, qty(need), qty(short), short.IsZero()
					if c, ok := sr.customers.get(ctx, customer); ok {
						pg.Customer = c.Name
					}
					for _, s := range sugg {
						pg.Suggestions = append(pg.Suggestions, fefoRow{URL: "/lots/" + s.ID, Code: s.Code,
							Location: cmpOr(sr.locations.label(ctx, s.LocationID), s.LocationCode), Expiry: expiry(s.Expiry, today),
							OnHand: qty(s.OnHand), Take: qty(s.Take)})
					}
				}
			} else {
				status = http.StatusUnprocessableEntity
			}
		}
		item := p.field("item", "Item", "select", itemID)
		item.Options, item.Required = sr.items.options(itemID, "Choose the item…"), true
		quantity := p.field("quantity", "Quantity needed", "decimal", amount)
		quantity.Required, quantity.Placeholder = true, "e.g. 120"
		u := p.field("unit", "Unit", "select", unit)
		u.Options = unitOptions(unit)
		u.Hint = "Empty: the item's base unit."
		cus := p.field("customer", "For a customer (optional)", "select", customer)
		cus.Options = sr.customers.options(customer, "Not for a shipment")
		cus.Hint = "Skips lots with less shelf life left than the customer requires."
		pg.Fields = []formField{item, quantity, u, cus}
		if p.any() {
			pg.Summary, pg.Errors = "No suggestion: check the form.", p.general
		}
		pg.layout = ui.layout(w, r, v, "FEFO: which lots to use")
		ui.render(w, r, status, "fefo", pg)
	})
}
