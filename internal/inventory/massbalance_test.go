package inventory_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// mustQuantity parses a quantity written in a test, such as "12.5 kg".
func mustQuantity(s string) forkline.Quantity {
	q, err := forkline.ParseQuantity(s)
	if err != nil {
		panic(fmt.Sprintf("mustQuantity(%q): %v", s, err))
	}
	return q
}

// ledgerEvent is an event as a test writes it: an ID, a kind, a quantity
// ("-3 kg" for an adjustment that takes stock away) and, for a correction,
// the ID of the event it corrects.
func ledgerEvent(id string, kind inventory.EventKind, q string, corrects string) inventory.Event {
	e := inventory.Event{ID: id, Kind: kind, Quantity: mustQuantity(q), CorrectsID: corrects}
	if e.Quantity.Sign() < 0 {
		e.Quantity = forkline.QuantityFromMicros(-e.Quantity.Micros(), e.Quantity.Unit)
	}
	if kind == inventory.Adjust {
		e.Delta = mustQuantity(q).Micros()
	}
	return e
}

func TestComputeMassBalance(t *testing.T) {
	lot := inventory.Lot{ID: "lot", Quantity: mustQuantity("100 kg")}
	type balance struct{ In, Consumed, Shipped, Adjusted, OnHand, Difference string }
	for _, tc := range []struct {
		name   string
		events []inventory.Event
		onHand []string // one balance per location
		want   balance
	}{
		{
			name:   "a received lot that nothing happened to holds all of it",
			events: []inventory.Event{ledgerEvent("r", inventory.Receive, "100 kg", "")},
			onHand: []string{"100 kg"},
			want:   balance{"100 kg", "0 kg", "0 kg", "0 kg", "100 kg", "0 kg"},
		},
		{
			name: "consumption, shipments and waste account for what left, stock at two locations for what stayed",
			events: []inventory.Event{
				ledgerEvent("r", inventory.Receive, "100 kg", ""),
				ledgerEvent("c1", inventory.Consume, "30 kg", ""),
				ledgerEvent("c2", inventory.Consume, "0.25 kg", ""),
				ledgerEvent("s", inventory.Ship, "20 kg", ""),
				ledgerEvent("w", inventory.Adjust, "-5 kg", ""),
				ledgerEvent("m", inventory.Move, "15 kg", ""),
			},
			onHand: []string{"29.75 kg", "15 kg"},
			want:   balance{"100 kg", "30.25 kg", "20 kg", "5 kg", "44.75 kg", "0 kg"},
		},
		{
			name: "a produced lot counts its output as in",
			events: []inventory.Event{
				ledgerEvent("p", inventory.Produce, "60 kg", ""),
				ledgerEvent("s", inventory.Ship, "60 kg", ""),
			},
			want: balance{"60 kg", "0 kg", "60 kg", "0 kg", "0 kg", "0 kg"},
		},
		{
			name: "a count correction up nets against what adjustments took away",
			events: []inventory.Event{
				ledgerEvent("r", inventory.Receive, "100 kg", ""),
				ledgerEvent("a1", inventory.Adjust, "-1 kg", ""),
				ledgerEvent("a2", inventory.Adjust, "3 kg", ""),
			},
			onHand: []string{"102 kg"},
			want:   balance{"100 kg", "0 kg", "0 kg", "-2 kg", "102 kg", "0 kg"},
		},
		{
			name: "moves and status changes move nothing in or out",
			events: []inventory.Event{
				ledgerEvent("r", inventory.Receive, "100 kg", ""),
				ledgerEvent("m", inventory.Move, "40 kg", ""),
				ledgerEvent("h", inventory.StatusChange, "0 kg", ""),
			},
			onHand: []string{"60 kg", "40 kg"},
			want:   balance{"100 kg", "0 kg", "0 kg", "0 kg", "100 kg", "0 kg"},
		},
		{
			name: "a corrected consumption, shipment and adjustment count for nothing",
			events: []inventory.Event{
				ledgerEvent("r", inventory.Receive, "100 kg", ""),
				ledgerEvent("c", inventory.Consume, "30 kg", ""),
				ledgerEvent("s", inventory.Ship, "20 kg", ""),
				ledgerEvent("w", inventory.Adjust, "-5 kg", ""),
				ledgerEvent("a", inventory.Adjust, "2 kg", ""),
				ledgerEvent("xc", inventory.Correct, "30 kg", "c"),
				ledgerEvent("xs", inventory.Correct, "20 kg", "s"),
				ledgerEvent("xw", inventory.Correct, "5 kg", "w"),
				ledgerEvent("xa", inventory.Correct, "2 kg", "a"),
			},
			onHand: []string{"100 kg"},
			want:   balance{"100 kg", "0 kg", "0 kg", "0 kg", "100 kg", "0 kg"},
		},
		{
			name: "a corrected receipt leaves nothing in",
			events: []inventory.Event{
				ledgerEvent("r", inventory.Receive, "100 kg", ""),
				ledgerEvent("xr", inventory.Correct, "100 kg", "r"),
			},
			want: balance{"0 kg", "0 kg", "0 kg", "0 kg", "0 kg", "0 kg"},
		},
		{
			name: "a partly corrected consumption counts what is left of it",
			events: []inventory.Event{
				ledgerEvent("r", inventory.Receive, "100 kg", ""),
				ledgerEvent("c1", inventory.Consume, "10 kg", ""),
				ledgerEvent("c2", inventory.Consume, "5 kg", ""),
				ledgerEvent("xc2", inventory.Correct, "5 kg", "c2"),
			},
			onHand: []string{"90 kg"},
			want:   balance{"100 kg", "10 kg", "0 kg", "0 kg", "90 kg", "0 kg"},
		},
		{
			name: "a correction of an event not among the lot's changes nothing",
			events: []inventory.Event{
				ledgerEvent("r", inventory.Receive, "100 kg", ""),
				ledgerEvent("x", inventory.Correct, "10 kg", "elsewhere"),
			},
			onHand: []string{"100 kg"},
			want:   balance{"100 kg", "0 kg", "0 kg", "0 kg", "100 kg", "0 kg"},
		},
		{
			name: "stock missing from the balances shows as a difference",
			events: []inventory.Event{
				ledgerEvent("r", inventory.Receive, "100 kg", ""),
				ledgerEvent("c", inventory.Consume, "30 kg", ""),
			},
			onHand: []string{"69 kg"},
			want:   balance{"100 kg", "30 kg", "0 kg", "0 kg", "69 kg", "1 kg"},
		},
		{
			name: "stock the ledger never booked shows as a negative difference",
			events: []inventory.Event{
				ledgerEvent("r", inventory.Receive, "100 kg", ""),
				ledgerEvent("c", inventory.Consume, "30 kg", ""),
				ledgerEvent("xc", inventory.Correct, "30 kg", "c"),
			},
			onHand: []string{"100.5 kg"},
			want:   balance{"100 kg", "0 kg", "0 kg", "0 kg", "100.5 kg", "-0.5 kg"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var bs []inventory.Balance
			for i, q := range tc.onHand {
				bs = append(bs, inventory.Balance{LotID: lot.ID, LocationID: fmt.Sprintf("loc-%d", i), Quantity: mustQuantity(q)})
			}
			mb := inventory.ComputeMassBalance(lot, tc.events, bs)
			got := balance{mb.In.String(), mb.Consumed.String(), mb.Shipped.String(), mb.Adjusted.String(), mb.OnHand.String(), mb.Difference.String()}
			if got != tc.want {
				t.Errorf("ComputeMassBalance(%d events, on hand %v) = %+v, want %+v", len(tc.events), tc.onHand, got, tc.want)
			}
		})
	}
}

func TestLotExpiredOn(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name   string
		expiry time.Time
		on     time.Time
		want   bool
	}{
		{"a lot is usable before its expiry day", day(12), day(11), false},
		{"a lot is usable on its expiry day", day(12), day(12), false},
		{"a lot is expired the day after", day(12), day(13), true},
		{"a lot without an expiry date never expires", time.Time{}, day(31), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (inventory.Lot{Expiry: tc.expiry}).ExpiredOn(tc.on); got != tc.want {
				t.Errorf("Lot{Expiry: %s}.ExpiredOn(%s) = %v, want %v", tc.expiry.Format(time.DateOnly), tc.on.Format(time.DateOnly), got, tc.want)
			}
		})
	}
}

func TestStatusUsable(t *testing.T) {
	want := map[inventory.Status]bool{inventory.Released: true}
	for _, s := range inventory.Statuses() {
		t.Run("a "+string(s)+" lot is usable only if released", func(t *testing.T) {
			if got := s.Usable(); got != want[s] {
				t.Errorf("Status(%s).Usable() = %v, want %v", s, got, want[s])
			}
		})
	}
}
