package production

import (
	"context"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// Signer re-authenticates the person about to sign: they re-enter their
// password (21 CFR 11.200(a)(1)(i)). It returns that person as an actor, or
// Unauthorized for a wrong password.
type Signer interface {
	Reauthenticate(ctx context.Context, password string) (forkline.Actor, error)
}

// Ledger is what production asks of the material ledger. Consume and
// Produce book through the ledger's own rules: a lot that is held, in
// quarantine, rejected, expired or short is refused there. A key used again
// for the same input returns the first result and books nothing twice.
type Ledger interface {
	// Lot returns a lot. NotFound when there is none.
	Lot(ctx context.Context, id forkline.ID) (Lot, error)
	// FirstToExpire returns the usable lot of item that FEFO would take
	// first for quantity q at the site, and false when there is none.
	FirstToExpire(ctx context.Context, site, item forkline.ID, q forkline.Quantity) (Lot, bool, error)
	// Consume books a consumption of a lot into an order.
	Consume(ctx context.Context, in ConsumeInput) (Consumption, error)
	// Produce books an output lot of an order.
	Produce(ctx context.Context, in ProduceInput) (Produced, error)
	// ReleaseLot releases a lot the batch made; a lot released already is no error.
	ReleaseLot(ctx context.Context, lot forkline.ID, reason string) error
}

// ConsumeInput is a consumption the ledger books for an addition.
type ConsumeInput struct {
	LotID, LocationID forkline.ID
	Quantity          forkline.Quantity // as entered
	OrderRef          string            // the order number: genealogy links by it
	LineID            forkline.ID
	IdempotencyKey    string
}

// Consumption is what the ledger booked.
type Consumption struct {
	EventID forkline.ID
	LotCode string
}

// ProduceInput is an output lot the ledger books for an order.
type ProduceInput struct {
	SiteID, ItemID, LocationID forkline.ID
	Quantity                   forkline.Quantity
	OrderRef                   string
	LineID                     forkline.ID
	Quarantine                 bool // the lot waits for the batch release
	IdempotencyKey             string
}

// Produced is the lot the ledger made.
type Produced struct {
	LotID   forkline.ID
	LotCode string
	Expiry  time.Time
}

// OrderFilter selects orders.
type OrderFilter struct {
	SiteIDs []forkline.ID // nil: every site; empty: none
	LineID  forkline.ID
	ItemID  forkline.ID
	States  []State
	// RanFrom and RanTo, when set, select the orders that ran on their line
	// in [RanFrom, RanTo): started before RanTo, not completed by RanFrom.
	RanFrom, RanTo time.Time
	Limit          int
}

// StateChange is one move of an order as the store books it.
type StateChange struct {
	Order       Order // as it becomes
	From        State
	PrevVersion int
	Occupy      bool        // the order starts running on its line
	LastOrderID forkline.ID // with Occupy: the order the service saw last on the line, "" for none
	Free        bool        // the order stops running on its line
	Record      StateRecord
	Audit       audit.Change
}

// Reservation is an addition as production reserves it before the ledger books it.
type Reservation struct {
	Addition Addition // Status pending, with its overrides
	Max      forkline.Quantity
	NoLimit  bool // a supervisor accepted a quantity outside tolerance
	Audit    audit.Change
}

// Store is what the production service needs. Every method is one
// transaction; reads return NotFound for a missing record. Writes to an
// order's record move the order's Version on.
type Store interface {
	FindProductionItem(ctx context.Context, id forkline.ID) (Item, error)
	FindProductionLine(ctx context.Context, id forkline.ID) (Line, error)
	// FindFormula returns a recipe version, its content hash recomputed now.
	FindFormula(ctx context.Context, version forkline.ID) (Formula, error)
	// FindApprovedFormulas returns the approved versions of the recipes of item on site.
	FindApprovedFormulas(ctx context.Context, site, item forkline.ID) ([]Formula, error)

	// CreateOrders adds orders, each with its audit change, in one
	// transaction: all or none. When an order's number is taken on its site
	// it returns that order's index and an error that is ErrDuplicate.
	CreateOrders(ctx context.Context, os []Order, chs []audit.Change) (int, error)
	FindOrder(ctx context.Context, id forkline.ID) (Order, error)
	FindOrderByNumber(ctx context.Context, site forkline.ID, number string) (Order, error)
	FindOrders(ctx context.Context, f OrderFilter) ([]Order, error)
	// ChangeState books a move guarded by the order's state and version, and
	// for Occupy by the line being free and its last order unchanged.
	// Conflict when a guard fails.
	ChangeState(ctx context.Context, sc StateChange) error
	FindHistory(ctx context.Context, order forkline.ID) ([]StateRecord, error)

	FindLineRun(ctx context.Context, line forkline.ID) (LineRun, error)
	// RecordChangeover adds a changeover record. Conflict while an order runs on the line.
	RecordChangeover(ctx context.Context, c ChangeoverRecord, ch audit.Change) error

	// ReserveAddition adds a pending addition with its overrides, guarded by
	// the order being in progress and, unless NoLimit, by the cumulative
	// quantity of the ingredient staying within Max, under a lock on the
	// order. Conflict when a guard fails, ErrDuplicate when the order has an
	// addition with the same idempotency key.
	ReserveAddition(ctx context.Context, r Reservation) error
	// ConfirmAddition marks a pending addition booked with the ledger's event.
	ConfirmAddition(ctx context.Context, a Addition, ch audit.Change) error
	// RefuseAddition marks a pending addition refused with the ledger's reason.
	RefuseAddition(ctx context.Context, a Addition, ch audit.Change) error
	FindAdditions(ctx context.Context, order forkline.ID) ([]Addition, error)
	FindAdditionByKey(ctx context.Context, order forkline.ID, key string) (Addition, error)

	// RecordReading adds a reading and the deviation it raises, if any,
	// guarded by the order being in progress.
	RecordReading(ctx context.Context, r Reading, d *Deviation, chs []audit.Change) error
	FindReadings(ctx context.Context, order forkline.ID) ([]Reading, error)
	FindDeviation(ctx context.Context, id forkline.ID) (Deviation, error)
	FindDeviations(ctx context.Context, order forkline.ID) ([]Deviation, error)
	// CloseDeviation closes an open deviation with its signature. Conflict when it is closed already.
	CloseDeviation(ctx context.Context, d Deviation, ch audit.Change) error

	// RecordOutput adds an output lot. It is not guarded by the order's
	// state: the ledger has made the lot by then, and the record must show
	// it. ErrDuplicate when the order has an output with the same idempotency key.
	RecordOutput(ctx context.Context, o Output, ch audit.Change) error
	FindOutputs(ctx context.Context, order forkline.ID) ([]Output, error)

	// RecordBatchRelease signs an order's batch record, guarded by the order
	// being completed or closed, at prevVersion, not released yet, and with
	// no open critical deviation. Conflict when a guard fails.
	RecordBatchRelease(ctx context.Context, order forkline.ID, prevVersion int, sig Signature, ch audit.Change) error
	// FindSignatures returns the signatures on an order's record: its batch
	// release and the closing of its deviations, by time.
	FindSignatures(ctx context.Context, order forkline.ID) ([]Signature, error)
}
