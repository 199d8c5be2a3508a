package httpapi

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// idempotencyKey reads the Idempotency-Key header: printable ASCII, at most 200 characters.
func idempotencyKey(r *http.Request) (string, error) {
	k := r.Header.Get("Idempotency-Key")
	if len(k) > 200 || strings.IndexFunc(k, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		return "", &forkline.Error{Code: forkline.Invalid, Msg: "The Idempotency-Key header is not valid.",
			Fields: []forkline.FieldProblem{{Field: "Idempotency-Key", Rule: "format", Msg: "Idempotency-Key must be 1-200 printable ASCII characters, e.g. a UUID"}}}
	}
	return k, nil
}

// command runs one ledger command: decode the body into W, build the
// service input (with the Idempotency-Key), book it, answer 201 with the
// result, or 200 with the first result when the key was seen before.
func command[W any](s *Server, build func(r *http.Request, w W, key string) (func(context.Context) (inventory.Result, error), error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in W
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		key, err := idempotencyKey(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		run, err := build(r, in, key)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		res, err := run(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		status := http.StatusCreated
		if res.Replayed {
			w.Header().Set("Idempotent-Replayed", "true")
			status = http.StatusOK
		}
		encode(w, status, resultToJSON(res))
	})
}

func (s *Server) handleReceive() http.Handler {
	return command(s, func(r *http.Request, in receiveJSON, key string) (func(context.Context) (inventory.Result, error), error) {
		var p forkline.Problems
		ri := inventory.ReceiveInput{SiteID: in.SiteID, ItemID: in.ItemID, SupplierID: in.SupplierID, SupplierLot: in.SupplierLot,
			TLC: in.TLC, TLCSource: in.TLCSource, TLCSourceRef: in.TLCSourceRef, Quantity: quantityField(&p, "quantity", in.Quantity),
			LocationID: in.LocationID, DocType: in.DocType, DocNumber: in.DocNumber, ReceivedAt: timeField(&p, "receivedAt", in.ReceivedAt),
			Expiry: dateField(&p, "expiry", in.Expiry), ProducedOn: dateField(&p, "producedOn", in.ProducedOn), Temperature: in.Temperature,
			OverrideReason: in.OverrideReason, IdempotencyKey: key}
		return func(ctx context.Context) (inventory.Result, error) { return s.cfg.Inventory.Receive(ctx, ri) }, p.Err("The receipt is not valid.")
	})
}

func (s *Server) handleProduce() http.Handler {
	return command(s, func(r *http.Request, in produceJSON, key string) (func(context.Context) (inventory.Result, error), error) {
		var p forkline.Problems
		pi := inventory.ProduceInput{SiteID: in.SiteID, ItemID: in.ItemID, LocationID: in.LocationID, Quantity: quantityField(&p, "quantity", in.Quantity),
			OrderRef: in.OrderRef, LineID: in.LineID, ProducedAt: timeField(&p, "producedAt", in.ProducedAt), Status: inventory.Status(in.Status), IdempotencyKey: key}
		return func(ctx context.Context) (inventory.Result, error) { return s.cfg.Inventory.Produce(ctx, pi) }, p.Err("The output is not valid.")
	})
}

func (s *Server) handleMove() http.Handler {
	return command(s, func(r *http.Request, in moveJSON, key string) (func(context.Context) (inventory.Result, error), error) {
		var p forkline.Problems
		mi := inventory.MoveInput{LotID: r.PathValue("id"), FromID: in.FromID, ToID: in.ToID, Quantity: quantityField(&p, "quantity", in.Quantity),
			Note: in.Note, EventTime: timeField(&p, "eventTime", in.EventTime), IdempotencyKey: key}
		return func(ctx context.Context) (inventory.Result, error) { return s.cfg.Inventory.Move(ctx, mi) }, p.Err("The move is not valid.")
	})
}

func (s *Server) handleConsume() http.Handler {
	return command(s, func(r *http.Request, in consumeJSON, key string) (func(context.Context) (inventory.Result, error), error) {
		var p forkline.Problems
		ci := inventory.ConsumeInput{LotID: r.PathValue("id"), LocationID: in.LocationID, Quantity: quantityField(&p, "quantity", in.Quantity),
			OrderRef: in.OrderRef, LineID: in.LineID, EventTime: timeField(&p, "eventTime", in.EventTime), IdempotencyKey: key}
		return func(ctx context.Context) (inventory.Result, error) { return s.cfg.Inventory.Consume(ctx, ci) }, p.Err("The consumption is not valid.")
	})
}

func (s *Server) handleShip() http.Handler {
	return command(s, func(r *http.Request, in shipJSON, key string) (func(context.Context) (inventory.Result, error), error) {
		var p forkline.Problems
		si := inventory.ShipInput{LotID: r.PathValue("id"), LocationID: in.LocationID, Quantity: quantityField(&p, "quantity", in.Quantity),
			CustomerID: in.CustomerID, ShipToID: in.ShipToID, DocType: in.DocType, DocNumber: in.DocNumber,
			ShippedAt: timeField(&p, "shippedAt", in.ShippedAt), IdempotencyKey: key}
		return func(ctx context.Context) (inventory.Result, error) { return s.cfg.Inventory.Ship(ctx, si) }, p.Err("The shipment is not valid.")
	})
}

func (s *Server) handleAdjust() http.Handler {
	return command(s, func(r *http.Request, in adjustJSON, key string) (func(context.Context) (inventory.Result, error), error) {
		var p forkline.Problems
		ai := inventory.AdjustInput{LotID: r.PathValue("id"), LocationID: in.LocationID, Change: quantityField(&p, "change", in.Change),
			Reason: inventory.AdjustReason(in.Reason), Note: in.Note, EventTime: timeField(&p, "eventTime", in.EventTime), IdempotencyKey: key}
		return func(ctx context.Context) (inventory.Result, error) { return s.cfg.Inventory.Adjust(ctx, ai) }, p.Err("The adjustment is not valid.")
	})
}

func (s *Server) handleStatus() http.Handler {
	return command(s, func(r *http.Request, in statusJSON, key string) (func(context.Context) (inventory.Result, error), error) {
		si := inventory.StatusInput{LotID: r.PathValue("id"), To: inventory.Status(in.Status), Reason: in.Reason, IdempotencyKey: key}
		return func(ctx context.Context) (inventory.Result, error) { return s.cfg.Inventory.ChangeStatus(ctx, si) }, nil
	})
}

func (s *Server) handleCorrect() http.Handler {
	return command(s, func(r *http.Request, in correctJSON, key string) (func(context.Context) (inventory.Result, error), error) {
		ci := inventory.CorrectInput{EventID: r.PathValue("id"), Reason: in.Reason, IdempotencyKey: key}
		return func(ctx context.Context) (inventory.Result, error) { return s.cfg.Inventory.Correct(ctx, ci) }, nil
	})
}

func (s *Server) handleLots() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var p forkline.Problems
		f := inventory.LotFilter{ItemID: q.Get("item"), Search: q.Get("q"), SupplierID: q.Get("supplier"), SupplierLot: q.Get("supplierLot"),
			OrderRef: q.Get("order"), OnHandOnly: q.Get("onHand") == "true", AfterID: q.Get("cursor"), Limit: 50}
		if sites := q["site"]; len(sites) > 0 {
			f.SiteIDs = sites
		}
		for _, st := range q["status"] {
			f.Statuses = append(f.Statuses, inventory.Status(st))
		}
		if l := q.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 1 || n > 500 {
				p.Add("limit", "range", "limit must be a whole number from 1 to 500")
			}
			f.Limit = n
		}
		if err := p.Err("The query is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		limit := f.Limit
		f.Limit++
		lots, err := s.cfg.Inventory.Lots(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page := pageJSON[lotJSON]{Data: []lotJSON{}}
		if len(lots) > limit {
			lots = lots[:limit]
			page.NextCursor = lots[len(lots)-1].ID
		}
		for _, l := range lots {
			lj := lotToJSON(l.Lot)
			lj.ItemCode, lj.ItemName, lj.OnHand = l.ItemCode, l.ItemName, l.OnHand.String()
			page.Data = append(page.Data, lj)
		}
		encode(w, http.StatusOK, page)
	})
}

func (s *Server) handleLot() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := s.cfg.Inventory.Detail(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := lotDetailJSON{Lot: lotToJSON(d.Lot), Balances: []balanceJSON{}, Events: []eventJSON{}}
		out.Lot.ItemCode, out.Lot.ItemName = d.Item.Code, d.Item.Name
		for _, b := range d.Balances {
			out.Balances = append(out.Balances, balanceJSON{LocationID: b.LocationID, Quantity: b.Quantity.String()})
		}
		for _, e := range d.Events {
			out.Events = append(out.Events, eventToJSON(e))
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) handleTrace() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dir := inventory.Direction(r.URL.Query().Get("direction"))
		if dir == "" {
			dir = inventory.Backward
		}
		t, err := s.cfg.Inventory.Trace(r.Context(), r.PathValue("id"), dir)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, traceToJSON(t))
	})
}

func (s *Server) handleMassBalance() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := s.cfg.Inventory.MassBalance(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, massBalanceToJSON(m))
	})
}

func (s *Server) handleFEFO() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var p forkline.Problems
		in := inventory.FEFOInput{SiteID: q.Get("site"), ItemID: q.Get("item"), Quantity: quantityField(&p, "quantity", q.Get("quantity")), CustomerID: q.Get("customer")}
		if err := p.Err("The query is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		sugg, short, err := s.cfg.Inventory.FEFO(r.Context(), in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := fefoJSON{Suggestions: []suggestionJSON{}, Short: short.String()}
		for _, sg := range sugg {
			out.Suggestions = append(out.Suggestions, suggestionJSON{Lot: lotToJSON(sg.Lot), LocationID: sg.LocationID, LocationCode: sg.LocationCode,
				OnHand: sg.OnHand.String(), Take: sg.Take.String()})
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) handleRecallStart() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in recallInputJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		var p forkline.Problems
		ri := inventory.RecallInput{SiteID: in.SiteID, Kind: inventory.RecallKind(in.Kind), LotIDs: in.LotIDs, SupplierID: in.SupplierID, SupplierLot: in.SupplierLot,
			ItemID: in.ItemID, LineID: in.LineID, From: timeField(&p, "from", in.From), To: timeField(&p, "to", in.To), Hold: in.Hold, Note: in.Note}
		if err := p.Err("The recall is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		rc, err := s.cfg.Inventory.StartRecall(r.Context(), ri)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/recalls/"+rc.ID)
		encode(w, http.StatusCreated, recallToJSON(rc, true))
	})
}

func (s *Server) handleRecalls() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs, err := s.cfg.Inventory.Recalls(r.Context(), r.URL.Query().Get("site"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := []recallJSON{}
		for _, rc := range rs {
			out = append(out, recallToJSON(rc, false))
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) handleRecall() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc, err := s.cfg.Inventory.FindRecall(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, recallToJSON(rc, true))
	})
}

// handleRecallCSV writes a recall's scope as CSV: one row per affected lot
// and place (on hand at a location, or shipped to a customer).
func (s *Server) handleRecallCSV() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc, err := s.cfg.Inventory.FindRecall(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="recall-%s.csv"`, rc.ID))
		if err := WriteRecallCSV(w, rc); err != nil {
			s.cfg.Logger.ErrorContext(r.Context(), "write recall csv", "err", err)
		}
	})
}

// WriteRecallCSV writes the rows of a recall's scope.
func WriteRecallCSV(w io.Writer, rc inventory.Recall) error {
	cw := csv.NewWriter(w)
	nodes := map[forkline.ID]inventory.TraceNode{}
	for _, n := range rc.Scope.Nodes {
		nodes[n.Lot.ID] = n
	}
	_ = cw.Write([]string{"recall", rc.ID, string(rc.Kind), rc.Criteria, rc.StartedAt.Format("2006-01-02T15:04:05Z07:00"), fmt.Sprintf("%.1f%% accounted", rc.Accounted)})
	_ = cw.Write([]string{"lot_code", "tlc", "item_code", "item_name", "status", "depth", "where", "location_or_customer", "ship_to", "document", "date", "quantity", "unit"})
	for _, o := range rc.Scope.OnHand {
		n := nodes[o.LotID]
		_ = cw.Write([]string{n.Lot.Code, n.Lot.TLC, n.ItemCode, n.ItemName, string(n.Lot.Status), strconv.Itoa(n.Depth), "on hand", o.LocationCode, "", "", "",
			o.Quantity.Decimal(), string(o.Quantity.Unit)})
	}
	for _, sh := range rc.Scope.Shipments {
		n := nodes[sh.LotID]
		_ = cw.Write([]string{n.Lot.Code, n.Lot.TLC, n.ItemCode, n.ItemName, string(n.Lot.Status), strconv.Itoa(n.Depth), "shipped", sh.CustomerName, sh.ShipToName,
			strings.TrimSpace(sh.DocType + " " + sh.DocNumber), sh.ShippedAt.Format("2006-01-02"), sh.Quantity.Decimal(), string(sh.Quantity.Unit)})
	}
	cw.Flush()
	return cw.Error()
}
