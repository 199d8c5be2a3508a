package simulator

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// LiveLedger books the bakery's material flow while the demo runs, through
// the same ledger services a real plant uses: a delivery when stock runs
// short, a batch of the next product (its inputs consumed first-expired-
// first-out, so every new lot has real genealogy), and a shipment to the
// next customer, one after the other.
type LiveLedger struct {
	h    *historian
	step int
}

// NewLiveLedger loads the master data of the site with code siteCode. ctx
// carries the actor that books (the demo's system actor).
func NewLiveLedger(ctx context.Context, s Services, siteCode string) (*LiveLedger, error) {
	h, err := newHistorian(ctx, s, siteCode)
	if err != nil {
		return nil, err
	}
	return &LiveLedger{h: h}, nil
}

// Step books the next event of the plant's day at time t: the deliveries
// that are due, then a batch of each product in turn, then a shipment to
// each customer in turn. It returns what it booked, for the log.
func (l *LiveLedger) Step(t time.Time) (string, error) {
	n := l.step
	l.step++
	h := l.h
	kinds := 1 + len(products) + len(h.cuss)
	switch k := n % kinds; {
	case k == 0:
		// Deliveries arrive five minutes apart, the last one at t.
		return "deliveries", h.receive(t, t.Add(-time.Duration(len(deliveries)-1)*5*time.Minute))
	case k <= len(products):
		order := fmt.Sprintf("WO-%s-L%d", t.In(h.loc).Format("0102-1504"), n)
		return "batch " + order + " of " + products[k-1].item, h.make(k-1, order, t, t)
	default:
		c := h.cuss[k-1-len(products)]
		code := shipped[n%len(shipped)]
		bol := fmt.Sprintf("BOL-%s-L%d", t.In(h.loc).Format("0102-1504"), n)
		return "shipment " + bol + " of " + code + " to " + c.Code, h.ship(c, code, bol, t, t)
	}
}

// Run books a step every interval until ctx ends. A step the ledger
// refuses (stock short, say) is logged and the next one is tried.
func (l *LiveLedger) Run(ctx context.Context, every time.Duration, now func() time.Time, log *slog.Logger) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		what, err := l.Step(now())
		if err != nil && ctx.Err() == nil && log != nil {
			log.Warn("demo ledger: step refused", "step", what, "err", err)
		}
	}
}
