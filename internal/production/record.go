package production

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/forkline/forkline"
)

// AdditionStatus says where an addition is between the reservation in
// production's store and the consumption in the ledger.
type AdditionStatus string

// The addition statuses.
const (
	AdditionPending AdditionStatus = "pending" // reserved; the ledger has not confirmed the consumption yet
	AdditionBooked  AdditionStatus = "booked"  // consumed in the ledger
	AdditionRefused AdditionStatus = "refused" // the ledger refused it (lot held, expired, short); counts for nothing
)

// Addition is material of one lot added to an order.
type Addition struct {
	ID, OrderID, SiteID forkline.ID
	IngredientItemID    forkline.ID // the ingredient it counts towards
	ItemID              forkline.ID // the lot's item: the ingredient's or a substitute's
	Substitute          bool
	LotID               forkline.ID
	LotCode             string
	LocationID          forkline.ID
	Quantity            forkline.Quantity // counted towards the ingredient, in its base unit
	Entered             forkline.Quantity // as the operator entered it
	Step                int               // 1-based; 0 when not given
	Status              AdditionStatus
	EventID             forkline.ID // the ledger's consume event
	Refusal             string      // why the ledger refused it
	IdempotencyKey      string
	At                  time.Time
	ActorID, ActorName  string
	Overrides           []Override
}

// OverrideKind is what a supervisor accepted.
type OverrideKind string

// The override kinds.
const (
	OverrideTolerance OverrideKind = "tolerance" // a cumulative quantity outside the tolerance
	OverrideFEFO      OverrideKind = "fefo"      // a lot that is not the first to expire
)

// Override is a supervisor's recorded decision to accept what a check refused.
type Override struct {
	ID, OrderID, AdditionID forkline.ID
	Kind                    OverrideKind
	Reason                  string
	Detail                  string // what was accepted, in words
	At                      time.Time
	ActorID, ActorName      string
}

// DeviationStatus says whether a deviation still needs action.
type DeviationStatus string

// The deviation statuses.
const (
	DeviationOpen   DeviationStatus = "open"
	DeviationClosed DeviationStatus = "closed"
)

// Deviation is a departure from a limit recorded on an order.
type Deviation struct {
	ID, SiteID, OrderID  forkline.ID
	Kind                 string // "parameter"
	Critical             bool   // the parameter is a CCP: the batch is not released while it is open
	Description          string
	ReadingID            forkline.ID
	Status               DeviationStatus
	RaisedAt             time.Time
	RaisedByID, RaisedBy string
	ClosedAt             time.Time
	ClosureReason        string
	Closure              *Signature
}

// Output is a lot an order produced.
type Output struct {
	ID, OrderID, LotID forkline.ID
	LotCode            string
	LocationID         forkline.ID
	Quantity           forkline.Quantity // in the product's base unit
	IdempotencyKey     string
	At                 time.Time
	ActorID, ActorName string
}

// Signature is an electronic signature (21 CFR 11.50): who signed, when,
// what the signature means, and the hash of the content it is bound to.
type Signature struct {
	ID          forkline.ID
	Entity      string      // "batch_record" or "deviation"
	EntityID    forkline.ID // the order or the deviation
	SignerID    forkline.ID
	SignerName  string
	Meaning     string
	SignedAt    time.Time
	ContentHash string
}

// Meanings a signer states.
const (
	MeaningReleased = "released"
	MeaningReviewed = "reviewed"
)

// ExceptionKind classifies what a batch record reviewer must look at.
type ExceptionKind string

// The exception kinds.
const (
	ExceptionRecipeChanged ExceptionKind = "recipe_changed"
	ExceptionDeviation     ExceptionKind = "deviation"
	ExceptionOverride      ExceptionKind = "override"
	ExceptionTolerance     ExceptionKind = "tolerance"
	ExceptionMissingValue  ExceptionKind = "missing_reading"
	ExceptionRefused       ExceptionKind = "refused_addition"
	ExceptionPending       ExceptionKind = "pending_addition"
)

// Exception is one thing a reviewer must look at (review by exception).
type Exception struct {
	Kind     ExceptionKind
	Critical bool
	Open     bool // still needs action
	Message  string
	At       time.Time
	RefID    forkline.ID
}

// MaterialLine is one ingredient of the batch record: the target and what was added.
type MaterialLine struct {
	Target
	ItemCode, ItemName string
	Added              forkline.Quantity
	Additions          []Addition // booked, in time order
	Status             string     // "ok", "under", "over"
}

// ParameterLine is one process parameter of the batch record with its readings.
type ParameterLine struct {
	Step      int
	Parameter Parameter
	Readings  []Reading
}

// BatchRecord is everything about an order in one view, exceptions first.
type BatchRecord struct {
	Exceptions  []Exception
	Order       Order
	Product     Item
	Line        Line
	Recipe      Formula
	RecipeFresh bool // the recipe version still hashes to what was frozen at release
	Materials   []MaterialLine
	Parameters  []ParameterLine
	Deviations  []Deviation
	Overrides   []Override
	Refused     []Addition
	Outputs     []Output
	Yield       Yield
	History     []StateRecord
	Signatures  []Signature
}

// Facts are what AssembleRecord reads, loaded by the service.
type Facts struct {
	Order      Order
	Product    Item
	Line       Line
	Formula    Formula
	Targets    []Target
	Items      map[forkline.ID]Item
	Additions  []Addition
	Readings   []Reading
	Deviations []Deviation
	Outputs    []Output
	History    []StateRecord
	Signatures []Signature
}

// AssembleRecord builds the batch record of an order, with the exceptions
// first: critical ones, then open ones, then by time.
func AssembleRecord(f Facts) BatchRecord {
	o := f.Order
	r := BatchRecord{Order: o, Product: f.Product, Line: f.Line, Recipe: f.Formula, Deviations: f.Deviations,
		Outputs: f.Outputs, History: f.History, Signatures: f.Signatures, Yield: o.Yield}
	r.RecipeFresh = !o.Frozen() || f.Formula.ContentHash == o.ContentHash
	if !r.RecipeFresh {
		r.Exceptions = append(r.Exceptions, Exception{Kind: ExceptionRecipeChanged, Critical: true, Open: true, RefID: o.VersionID,
			Message: fmt.Sprintf("Recipe %s version %d no longer matches the content frozen when the order was released.", f.Formula.RecipeCode, f.Formula.Number)})
	}
	finished := o.State == Completed || o.State == Closed
	for _, t := range f.Targets {
		it := f.Items[t.ItemID]
		ml := MaterialLine{Target: t, ItemCode: it.Code, ItemName: it.Name, Added: forkline.QuantityFromMicros(0, t.Target.Unit), Status: "ok"}
		for _, a := range f.Additions {
			if a.IngredientItemID == t.ItemID && a.Status == AdditionBooked {
				ml.Additions = append(ml.Additions, a)
				ml.Added = forkline.QuantityFromMicros(ml.Added.Micros()+a.Quantity.Micros(), t.Target.Unit)
			}
		}
		switch {
		case t.Over(ml.Added):
			ml.Status = "over"
		case !t.Within(ml.Added):
			ml.Status = "under"
		}
		if ml.Status == "over" || ml.Status == "under" && finished {
			r.Exceptions = append(r.Exceptions, Exception{Kind: ExceptionTolerance, At: lastAt(ml.Additions, o.CompletedAt), RefID: t.ItemID,
				Message: fmt.Sprintf("%s: %s added, %s the limits %s to %s (target %s ± %s%%).", it.Code, ml.Added, map[string]string{"over": "above", "under": "below"}[ml.Status],
					t.Min, t.Max, t.Target, t.Tolerance)})
		}
		r.Materials = append(r.Materials, ml)
	}
	for _, a := range f.Additions {
		r.Overrides = append(r.Overrides, a.Overrides...)
		if a.Status == AdditionPending {
			r.Exceptions = append(r.Exceptions, Exception{Kind: ExceptionPending, Open: true, At: a.At, RefID: a.ID,
				Message: fmt.Sprintf("Addition of %s from lot %s by %s is not booked in the ledger yet: %s retries it.", a.Entered, a.LotCode, a.ActorName, a.ActorName)})
		}
		if a.Status == AdditionRefused {
			r.Refused = append(r.Refused, a)
			r.Exceptions = append(r.Exceptions, Exception{Kind: ExceptionRefused, At: a.At, RefID: a.ID,
				Message: fmt.Sprintf("Addition of %s from lot %s was refused: %s", a.Entered, a.LotCode, a.Refusal)})
		}
	}
	for _, ov := range r.Overrides {
		r.Exceptions = append(r.Exceptions, Exception{Kind: ExceptionOverride, At: ov.At, RefID: ov.ID,
			Message: fmt.Sprintf("%s override by %s: %s Reason: %s", ov.Kind, ov.ActorName, ov.Detail, ov.Reason)})
	}
	for si, st := range f.Formula.Steps {
		for _, p := range st.Parameters {
			pl := ParameterLine{Step: si + 1, Parameter: p}
			for _, rd := range f.Readings {
				if rd.Step == si+1 && rd.Parameter == p.Name {
					pl.Readings = append(pl.Readings, rd)
				}
			}
			if len(pl.Readings) == 0 && finished {
				r.Exceptions = append(r.Exceptions, Exception{Kind: ExceptionMissingValue, Critical: p.CCP, Open: true, At: o.CompletedAt,
					Message: fmt.Sprintf("%s at step %d was never recorded.", p.Name, si+1)})
			}
			r.Parameters = append(r.Parameters, pl)
		}
	}
	for _, d := range f.Deviations {
		e := Exception{Kind: ExceptionDeviation, Critical: d.Critical, Open: d.Status == DeviationOpen, At: d.RaisedAt, RefID: d.ID}
		if e.Open {
			e.Message = "Open deviation: " + d.Description
		} else {
			e.Message = fmt.Sprintf("Deviation closed by %s: %s Reason: %s", signerName(d.Closure), d.Description, d.ClosureReason)
		}
		r.Exceptions = append(r.Exceptions, e)
	}
	slices.SortStableFunc(r.Exceptions, func(a, b Exception) int {
		if a.Critical != b.Critical {
			return boolFirst(a.Critical)
		}
		if a.Open != b.Open {
			return boolFirst(a.Open)
		}
		return a.At.Compare(b.At)
	})
	return r
}

func boolFirst(a bool) int {
	if a {
		return -1
	}
	return 1
}

func signerName(s *Signature) string {
	if s == nil {
		return "?"
	}
	return s.SignerName
}

// lastAt is the time of the last addition, or def when there is none.
func lastAt(as []Addition, def time.Time) time.Time {
	if len(as) == 0 {
		return def
	}
	t := as[0].At
	for _, a := range as[1:] {
		if a.At.After(t) {
			t = a.At
		}
	}
	return t
}

// OpenCritical returns the critical deviations still open.
func OpenCritical(ds []Deviation) []Deviation {
	var out []Deviation
	for _, d := range ds {
		if d.Critical && d.Status == DeviationOpen {
			out = append(out, d)
		}
	}
	return out
}

// RecordHash returns the hex SHA-256 of a canonical serialisation of a
// batch record: the order and its frozen recipe, every addition, override,
// reading, deviation and output, in a fixed order. The batch release
// signature is bound to it, so a record changed after release is noticed.
// The order's state is left out: closing the order after the release
// changes no fact of the batch.
func RecordHash(r BatchRecord) string {
	h := sha256.New()
	w := hashWriter{h}
	o := r.Order
	w.field("forkline batch record 1")
	w.field(o.ID)
	w.field(o.Number)
	w.field(o.ItemID)
	w.field(o.VersionID)
	w.field(o.ContentHash)
	w.field(o.PlannedQuantity.String())
	w.field(o.LineID)
	w.time(o.StartedAt)
	w.time(o.CompletedAt)
	w.field(o.Yield.Actual.String())
	w.field(o.Yield.Theoretical.String())
	w.field(o.Yield.Percent)
	var adds []Addition
	for _, m := range r.Materials {
		adds = append(adds, m.Additions...)
	}
	adds = append(adds, r.Refused...)
	slices.SortFunc(adds, func(a, b Addition) int { return cmp.Compare(a.ID, b.ID) })
	w.int(len(adds))
	for _, a := range adds {
		w.fields(a.ID, a.IngredientItemID, a.ItemID, a.LotID, a.LotCode, a.Quantity.String(), a.Entered.String(), string(a.Status), a.EventID, a.ActorID)
		w.time(a.At)
	}
	ovs := slices.Clone(r.Overrides)
	slices.SortFunc(ovs, func(a, b Override) int { return cmp.Compare(a.ID, b.ID) })
	w.int(len(ovs))
	for _, ov := range ovs {
		w.fields(ov.ID, ov.AdditionID, string(ov.Kind), ov.Reason, ov.Detail, ov.ActorID)
		w.time(ov.At)
	}
	var rds []Reading
	for _, p := range r.Parameters {
		rds = append(rds, p.Readings...)
	}
	slices.SortFunc(rds, func(a, b Reading) int { return cmp.Compare(a.ID, b.ID) })
	w.int(len(rds))
	for _, rd := range rds {
		w.fields(rd.ID, strconv.Itoa(rd.Step), rd.Parameter, rd.Value.String(), strconv.FormatBool(rd.InLimits), rd.DeviationID, rd.ActorID)
		w.time(rd.At)
	}
	devs := slices.Clone(r.Deviations)
	slices.SortFunc(devs, func(a, b Deviation) int { return cmp.Compare(a.ID, b.ID) })
	w.int(len(devs))
	for _, d := range devs {
		// A deviation's status is left out: closing a minor one after the
		// release is legitimate, and its closing has its own signature.
		w.fields(d.ID, d.ReadingID, d.Description, strconv.FormatBool(d.Critical))
	}
	outs := slices.Clone(r.Outputs)
	slices.SortFunc(outs, func(a, b Output) int { return cmp.Compare(a.ID, b.ID) })
	w.int(len(outs))
	for _, out := range outs {
		w.fields(out.ID, out.LotID, out.LotCode, out.Quantity.String(), out.ActorID)
		w.time(out.At)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DeviationHash returns the hex SHA-256 of what a deviation's closing
// signature covers: the deviation, its reading and the reason for closing.
func DeviationHash(d Deviation, reason string) string {
	h := sha256.New()
	w := hashWriter{h}
	w.fields("forkline deviation 1", d.ID, d.OrderID, d.Kind, strconv.FormatBool(d.Critical), d.Description, d.ReadingID, reason)
	w.time(d.RaisedAt)
	return hex.EncodeToString(h.Sum(nil))
}

type hashWriter struct{ h hash.Hash }

func (w hashWriter) field(s string) {
	io.WriteString(w.h, strconv.Itoa(len(s)))
	io.WriteString(w.h, ":")
	io.WriteString(w.h, s)
	io.WriteString(w.h, ";")
}

func (w hashWriter) fields(ss ...string) {
	for _, s := range ss {
		w.field(s)
	}
}

func (w hashWriter) int(n int) { w.field(strconv.Itoa(n)) }

func (w hashWriter) time(t time.Time) {
	if t.IsZero() {
		w.field("")
		return
	}
	w.field(t.UTC().Format("2006-01-02T15:04:05.000000Z"))
}
