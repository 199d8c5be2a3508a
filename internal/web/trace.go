package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// tracePage is a lot's backward or forward trace: the genealogy as a
// graph, the lots it reaches, and (forward) the customers who received
// them and the stock still on hand.
type tracePage struct {
	layout
	LotURL, Code, ItemName string
	Status                 statusView
	Forward                bool
	BackURL, ForthURL      string
	Took                   string
	Stats                  []traceStat
	Graph                  traceGraph
	scopeTables
}

type traceStat struct{ Value, Label string }

// scopeTables are the tables of a trace or a recall's scope.
type scopeTables struct {
	Lots      []traceLotRow
	Customers []customerView
	OnHand    []onHandRow
}

type traceLotRow struct {
	URL, Code, TLC     string
	ItemCode, ItemName string
	Status             statusView
	Step               int
	Quantity, OnHand   string
	Expiry             string
	Source, SourceSub  string // the supplier and its lot, or the order that made it
}

type customerView struct {
	Name      string
	Total     string
	Shipments []shipmentRow
}

type shipmentRow struct {
	Date, Doc, ShipTo  string
	LotURL, LotCode    string
	ItemName, Quantity string
}

type onHandRow struct {
	Location, LotURL, LotCode, ItemName, Quantity string
	Status                                        statusView
}

// sumText writes quantities of possibly several units, e.g. "480 ea, 20 kg".
func sumText(qs []forkline.Quantity) string {
	var units []forkline.Unit
	sum := map[forkline.Unit]int64{}
	for _, q := range qs {
		if _, ok := sum[q.Unit]; !ok {
			units = append(units, q.Unit)
		}
		sum[q.Unit] += q.Micros()
	}
	var parts []string
	for _, u := range units {
		parts = append(parts, qty(forkline.QuantityFromMicros(sum[u], u)))
	}
	return strings.Join(parts, ", ")
}

// scope builds the tables of a trace: its lots by step, its shipments by
// customer, and its stock by location.
func scope(tr inventory.Trace, loc *time.Location) scopeTables {
	var t scopeTables
	nodes := map[forkline.ID]inventory.TraceNode{}
	onHand := map[forkline.ID][]forkline.Quantity{}
	for _, o := range tr.OnHand {
		onHand[o.LotID] = append(onHand[o.LotID], o.Quantity)
	}
	for _, n := range tr.Nodes {
		nodes[n.Lot.ID] = n
		l := n.Lot
		row := traceLotRow{URL: "/lots/" + l.ID, Code: l.Code, TLC: l.TLC, ItemCode: n.ItemCode, ItemName: n.ItemName, Status: lotStatus(l.Status),
			Step: n.Depth, Quantity: qty(l.Quantity), Expiry: cmpOr(formatDay(l.Expiry), "—")}
		if tr.Direction == inventory.Forward {
			row.OnHand = cmpOr(sumText(onHand[l.ID]), "none")
		}
		if l.Origin == inventory.Produced {
			row.Source = "Order " + l.OrderRef
		} else {
			row.Source = n.SupplierName
			if l.SupplierLot != "" {
				row.SourceSub = "Supplier lot " + l.SupplierLot
			}
		}
		t.Lots = append(t.Lots, row)
	}
	byCustomer := map[string]int{}
	for _, sh := range tr.Shipments {
		i, ok := byCustomer[sh.CustomerID]
		if !ok {
			i = len(t.Customers)
			byCustomer[sh.CustomerID] = i
			t.Customers = append(t.Customers, customerView{Name: sh.CustomerName})
		}
		n := nodes[sh.LotID]
		t.Customers[i].Shipments = append(t.Customers[i].Shipments, shipmentRow{Date: sh.ShippedAt.In(loc).Format("2 Jan 2006, 15:04"),
			Doc: strings.TrimSpace(sh.DocType + " " + sh.DocNumber), ShipTo: sh.ShipToName, LotURL: "/lots/" + sh.LotID, LotCode: n.Lot.Code,
			ItemName: n.ItemName, Quantity: qty(sh.Quantity)})
	}
	for i := range t.Customers {
		var qs []forkline.Quantity
		for _, sh := range tr.Shipments {
			if byCustomer[sh.CustomerID] == i {
				qs = append(qs, sh.Quantity)
			}
		}
		t.Customers[i].Total = sumText(qs)
	}
	slices.SortStableFunc(t.Customers, func(a, b customerView) int { return strings.Compare(a.Name, b.Name) })
	for _, o := range tr.OnHand {
		n := nodes[o.LotID]
		t.OnHand = append(t.OnHand, onHandRow{Location: o.LocationCode + " · " + o.LocationName, LotURL: "/lots/" + o.LotID, LotCode: n.Lot.Code,
			ItemName: n.ItemName, Quantity: qty(o.Quantity), Status: lotStatus(n.Lot.Status)})
	}
	return t
}

// graphLots returns what each box of the graph says, in two lines under
// the code and the item: how much was made or received, and (forward)
// what is left and shipped or (backward) where it came from.
func graphLots(tr inventory.Trace) map[forkline.ID]graphLot {
	onHand := map[forkline.ID][]forkline.Quantity{}
	for _, o := range tr.OnHand {
		onHand[o.LotID] = append(onHand[o.LotID], o.Quantity)
	}
	shipped := map[forkline.ID][]forkline.Quantity{}
	for _, sh := range tr.Shipments {
		shipped[sh.LotID] = append(shipped[sh.LotID], sh.Quantity)
	}
	out := map[forkline.ID]graphLot{}
	for _, n := range tr.Nodes {
		l := n.Lot
		first := "received " + qty(l.Quantity)
		if l.Origin == inventory.Produced {
			first = "made " + qty(l.Quantity)
		}
		var second string
		switch {
		case tr.Direction == inventory.Forward:
			second = "On hand " + cmpOr(sumText(onHand[l.ID]), "0 "+string(l.Quantity.Unit))
			if s := sumText(shipped[l.ID]); s != "" {
				second += " · shipped " + s
			}
		case l.Origin == inventory.Produced:
			second = "Order " + l.OrderRef
		case l.SupplierLot != "":
			second = "Supplier lot " + l.SupplierLot
		default:
			second = n.SupplierName
		}
		out[l.ID] = graphLot{Node: n, URL: "/lots/" + l.ID, Status: lotStatus(l.Status), Lines: []string{clip(first, 22), clip(second, 32)}}
	}
	return out
}

func (ui *UI) handleTrace() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		dir := inventory.Direction(r.URL.Query().Get("direction"))
		if dir == "" {
			dir = inventory.Forward
		}
		l, err := ui.cfg.Inventory.Lot(ctx, r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		start := time.Now()
		tr, err := ui.cfg.Inventory.Trace(ctx, l.ID, dir)
		took := time.Since(start)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		loc := v.siteLoc(l.SiteID)
		p := tracePage{LotURL: "/lots/" + l.ID, Code: l.Code, Status: lotStatus(l.Status), Forward: dir == inventory.Forward,
			BackURL: "/lots/" + l.ID + "/trace?direction=backward", ForthURL: "/lots/" + l.ID + "/trace?direction=forward",
			Took: durationText(took), scopeTables: scope(tr, loc)}
		for _, n := range tr.Nodes {
			if n.Lot.ID == l.ID {
				p.ItemName = n.ItemName
			}
		}
		p.Graph = layoutTrace(tr, graphLots(tr), 2)
		p.Stats = append(p.Stats, traceStat{Value: strconv.Itoa(len(tr.Nodes)), Label: plural(len(tr.Nodes), "lot", "lots")})
		if p.Forward {
			var shipped, onHand []forkline.Quantity
			for _, sh := range tr.Shipments {
				shipped = append(shipped, sh.Quantity)
			}
			for _, o := range tr.OnHand {
				onHand = append(onHand, o.Quantity)
			}
			p.Stats = append(p.Stats,
				traceStat{Value: strconv.Itoa(len(p.Customers)), Label: plural(len(p.Customers), "customer", "customers")},
				traceStat{Value: cmpOr(sumText(shipped), "nothing"), Label: "shipped"},
				traceStat{Value: cmpOr(sumText(onHand), "nothing"), Label: "on hand"})
		} else {
			n := 0
			for _, x := range tr.Nodes {
				if x.Lot.Origin == inventory.Received {
					n++
				}
			}
			p.Stats = append(p.Stats, traceStat{Value: strconv.Itoa(n), Label: plural(n, "supplier lot", "supplier lots")})
		}
		title := "Forward trace of lot " + l.Code
		if !p.Forward {
			title = "Backward trace of lot " + l.Code
		}
		p.layout = ui.layout(w, r, v, title)
		ui.render(w, r, http.StatusOK, "trace", p)
	})
}
