package production

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
)

// The permissions production checks. They carry the same names in
// forkline's access matrix (actor.go), which decides which role holds them.
const (
	PermRead     = forkline.PermProductionRead
	PermPlan     = forkline.PermProductionPlan
	PermExecute  = forkline.PermProductionExecute
	PermOverride = forkline.PermProductionOverride
	PermRelease  = forkline.PermBatchRelease
	PermDeviate  = forkline.PermDeviationClose
)

// State is where an order is in its life.
type State string

// The order states.
const (
	Planned    State = "planned"     // created, may still change
	Released   State = "released"    // on the line's dispatch list; the recipe version is frozen
	InProgress State = "in_progress" // running on the line
	Completed  State = "completed"   // finished; yield known; awaiting batch release and closing
	Closed     State = "closed"      // done; nothing changes any more
	OnHold     State = "on_hold"     // stopped by a supervisor; goes back to where it was
	Cancelled  State = "cancelled"   // will not be made
)

// States lists every order state in life order.
func States() []State {
	return []State{Planned, Released, InProgress, Completed, Closed, OnHold, Cancelled}
}

// Transition is one allowed move of an order, with the permission it needs.
type Transition struct {
	From, To State
	Perm     forkline.Permission
}

// transitions is the table every state change obeys. From on_hold an order
// goes back only to the state it was held from (Order.HeldFrom).
var transitions = []Transition{
	{Planned, Released, PermPlan},
	{Planned, Cancelled, PermPlan},
	{Released, InProgress, PermExecute},
	{Released, OnHold, PermPlan},
	{Released, Cancelled, PermPlan},
	{InProgress, Completed, PermExecute},
	{InProgress, OnHold, PermPlan},
	{OnHold, Released, PermPlan},
	{OnHold, InProgress, PermExecute},
	{OnHold, Cancelled, PermPlan},
	{Completed, Closed, PermPlan},
}

// Transitions returns the transition table.
func Transitions() []Transition { return slices.Clone(transitions) }

// CheckTransition returns the transition o may make to state to, or a
// Conflict error that says why not.
func CheckTransition(o Order, to State) (Transition, error) {
	if !slices.Contains(States(), to) {
		return Transition{}, forkline.Errorf(forkline.Invalid, "%q is not an order state (use one of %s)", to, stateList(States()))
	}
	i := slices.IndexFunc(transitions, func(t Transition) bool { return t.From == o.State && t.To == to })
	if i < 0 {
		var next []State
		for _, t := range transitions {
			if t.From == o.State && (o.State != OnHold || t.To == o.HeldFrom || t.To == Cancelled) {
				next = append(next, t.To)
			}
		}
		if len(next) == 0 {
			return Transition{}, forkline.Errorf(forkline.Conflict, "Order %s is %s: it does not change any more.", o.Number, o.State)
		}
		return Transition{}, forkline.Errorf(forkline.Conflict, "Order %s is %s: it can go to %s, not to %s.", o.Number, o.State, stateList(next), to)
	}
	if o.State == OnHold && to != Cancelled && to != o.HeldFrom {
		return Transition{}, forkline.Errorf(forkline.Conflict, "Order %s is on_hold, held while %s: it goes back to %s, or is cancelled.", o.Number, o.HeldFrom, o.HeldFrom)
	}
	return transitions[i], nil
}

func stateList(ss []State) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, " or ")
}

// Order is a production order.
type Order struct {
	ID, SiteID      forkline.ID
	Number          string // unique on the site; what people see
	ItemID          forkline.ID
	RecipeID        forkline.ID // chosen at planning, or at release when the item has one approved recipe
	VersionID       forkline.ID // frozen at release
	ContentHash     string      // frozen at release: the version's content hash
	Allergens       []string    // frozen at release: what the product contains, sorted
	PlannedQuantity forkline.Quantity
	LineID          forkline.ID
	PlannedStart    time.Time
	PlannedEnd      time.Time
	ERPRef          string
	State           State
	HeldFrom        State     // on_hold: where the order goes back to
	StartedAt       time.Time // first start
	StoppedAt       time.Time // last time it left in_progress
	CompletedAt     time.Time
	Yield           Yield      // at completion
	BatchRelease    *Signature // quality's release of the batch record
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int // moves on with every change to the order or its record
}

// Frozen reports whether the order's recipe version is frozen (it was released).
func (o Order) Frozen() bool { return o.VersionID != "" }

// Dispatch returns the released orders of a line in the sequence the line
// runs them: by planned start, then number.
func Dispatch(orders []Order, line forkline.ID) []Order {
	var out []Order
	for _, o := range orders {
		if o.LineID == line && o.State == Released {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b Order) int {
		if c := a.PlannedStart.Compare(b.PlannedStart); c != 0 {
			return c
		}
		return strings.Compare(a.Number, b.Number)
	})
	return out
}

// ChangeoverRecord is a completed cleaning or changeover of a line.
type ChangeoverRecord struct {
	ID, SiteID, LineID forkline.ID
	Kind               string // "cleaning" or "changeover"
	Note               string
	CompletedAt        time.Time
	RecordedAt         time.Time
	ActorID, ActorName string
}

// The changeover kinds.
const (
	Cleaning   = "cleaning"
	Changeover = "changeover"
)

// LineRun is what a line is doing and did last, for the start checks.
type LineRun struct {
	LineID             forkline.ID
	RunningOrderID     forkline.ID // "" when the line is free
	RunningOrderNumber string
	LastOrderID        forkline.ID // the order that started last on the line
	LastOrderNumber    string
	LastAllergens      []string
	LastStoppedAt      time.Time         // when it left in_progress; zero while it runs
	LastChangeover     *ChangeoverRecord // the latest completed changeover of the line
}

// AllergensToClean returns the allergens the previous order on the line
// contained that o does not, when no changeover was completed after that
// order stopped: the cleaning o needs before it starts (21 CFR 117.135(c)(2)).
func AllergensToClean(run LineRun, o Order) []string {
	if run.LastOrderID == "" || run.LastOrderID == o.ID {
		return nil
	}
	var out []string
	for _, a := range run.LastAllergens {
		if !slices.Contains(o.Allergens, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil
	}
	if c := run.LastChangeover; c != nil && !run.LastStoppedAt.IsZero() && c.CompletedAt.After(run.LastStoppedAt) {
		return nil
	}
	slices.Sort(out)
	return out
}

// CheckStart checks that o may run on its line now: the line is free and,
// if needed, clean.
func CheckStart(o Order, run LineRun, lineCode string) error {
	if run.RunningOrderID != "" && run.RunningOrderID != o.ID {
		return forkline.Errorf(forkline.Conflict, "Line %s is running order %s: complete or hold it before starting %s.", lineCode, run.RunningOrderNumber, o.Number)
	}
	if dirty := AllergensToClean(run, o); len(dirty) > 0 {
		return &forkline.Error{Code: forkline.Conflict,
			Msg: fmt.Sprintf("Clean line %s first: the last order, %s, contained %s, which %s does not. Record the completed changeover, then start.",
				lineCode, run.LastOrderNumber, strings.Join(dirty, ", "), o.Number),
			Fields: []forkline.FieldProblem{{Field: "lineId", Rule: "changeover", Msg: "changeover required: " + strings.Join(dirty, ", ")}}}
	}
	return nil
}

// StateRecord is one move in an order's history.
type StateRecord struct {
	ID, OrderID        forkline.ID
	From, To           State
	At                 time.Time
	ActorID, ActorName string
	Reason             string
}
