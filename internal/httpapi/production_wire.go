package httpapi

import (
	"fmt"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
)

// Wire types of recipes, production orders and their execution. As in the
// ledger, quantities are strings with their unit ("12.5 kg"), and so are
// exact decimals such as tolerances and process values ("72.5"): no JSON
// number ever rounds them.

// quantityJSON writes a quantity, or "" for none (zero of no unit).
func quantityJSON(q forkline.Quantity) string {
	if q.Unit == "" && q.IsZero() {
		return ""
	}
	return q.String()
}

// timePtr returns nil for the zero time, so that the field is left out.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// decimalField parses an optional exact decimal such as "72.5"; "" is zero.
func decimalField(p *forkline.Problems, field, s string) int64 {
	if s == "" {
		return 0
	}
	v, err := forkline.ParseDecimal(s)
	if err != nil {
		p.Add(field, "decimal", field+" must be a decimal number such as 72.5: "+forkline.ErrorMessage(err))
	}
	return v
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// itemRefJSON is an item as recipes and batch records show it.
type itemRefJSON struct {
	ID        string   `json:"id"`
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	BaseUnit  string   `json:"baseUnit"`
	Allergens []string `json:"allergens"`
}

func recipeItemToJSON(it recipe.Item) itemRefJSON {
	return itemRefJSON{ID: it.ID, Code: it.Code, Name: it.Name, BaseUnit: string(it.BaseUnit), Allergens: orEmpty(it.Allergens)}
}

func productionItemToJSON(it production.Item) itemRefJSON {
	return itemRefJSON{ID: it.ID, Code: it.Code, Name: it.Name, BaseUnit: string(it.BaseUnit), Allergens: orEmpty(it.Allergens)}
}

// signatureJSON is an electronic signature (21 CFR 11.50): who signed,
// when, what it means, and the hash of the content it is bound to.
type signatureJSON struct {
	ID          string    `json:"id"`
	Entity      string    `json:"entity,omitempty"` // batch_record or deviation; empty for a recipe approval
	EntityID    string    `json:"entityId,omitempty"`
	SignerID    string    `json:"signerId"`
	SignerName  string    `json:"signerName"`
	Meaning     string    `json:"meaning"`
	SignedAt    time.Time `json:"signedAt"`
	ContentHash string    `json:"contentHash"`
}

func recipeSignatureToJSON(s *recipe.Signature) *signatureJSON {
	if s == nil {
		return nil
	}
	return &signatureJSON{ID: s.ID, SignerID: s.SignerID, SignerName: s.SignerName, Meaning: s.Meaning, SignedAt: s.SignedAt, ContentHash: s.ContentHash}
}

func productionSignatureToJSON(s production.Signature) signatureJSON {
	return signatureJSON{ID: s.ID, Entity: s.Entity, EntityID: s.EntityID, SignerID: s.SignerID, SignerName: s.SignerName, Meaning: s.Meaning,
		SignedAt: s.SignedAt, ContentHash: s.ContentHash}
}

// Recipes.

type parameterJSON struct {
	Name   string `json:"name"`
	Unit   string `json:"unit"` // free text: °C, min, pH
	Target string `json:"target"`
	Min    string `json:"min"`
	Max    string `json:"max"`
	CCP    bool   `json:"ccp"` // a critical control point: min and max are its critical limits
}

type stepJSON struct {
	Instruction string          `json:"instruction"`
	Parameters  []parameterJSON `json:"parameters"`
	Additions   []string        `json:"additions"` // item IDs of the ingredients added in this step
}

type ingredientJSON struct {
	ItemID      string   `json:"itemId"`
	Quantity    string   `json:"quantity"`    // per batch, e.g. "60 kg"
	Tolerance   string   `json:"tolerance"`   // plus or minus percent, e.g. "2"; "" or "0" is exact
	Substitutes []string `json:"substitutes"` // item IDs that may be added instead, by preference
}

// contentJSON is what a version holds and a signature covers.
type contentJSON struct {
	BatchSize   string           `json:"batchSize"` // what one batch makes, e.g. "100 kg"
	Ingredients []ingredientJSON `json:"ingredients"`
	Steps       []stepJSON       `json:"steps"`
}

func contentToJSON(c recipe.Content) contentJSON {
	out := contentJSON{BatchSize: quantityJSON(c.BatchSize), Ingredients: []ingredientJSON{}, Steps: []stepJSON{}}
	for _, in := range c.Ingredients {
		out.Ingredients = append(out.Ingredients, ingredientJSON{ItemID: in.ItemID, Quantity: quantityJSON(in.Quantity),
			Tolerance: in.Tolerance.String(), Substitutes: orEmpty(in.Substitutes)})
	}
	for _, st := range c.Steps {
		sj := stepJSON{Instruction: st.Instruction, Parameters: []parameterJSON{}, Additions: orEmpty(st.Additions)}
		for _, pm := range st.Parameters {
			sj.Parameters = append(sj.Parameters, parameterJSON{Name: pm.Name, Unit: pm.Unit, Target: pm.Target.String(), Min: pm.Min.String(),
				Max: pm.Max.String(), CCP: pm.CCP})
		}
		out.Steps = append(out.Steps, sj)
	}
	return out
}

// content converts the wire content, naming each field that does not parse.
func (c contentJSON) content(p *forkline.Problems) recipe.Content {
	out := recipe.Content{BatchSize: quantityField(p, "batchSize", c.BatchSize)}
	for i, in := range c.Ingredients {
		out.Ingredients = append(out.Ingredients, recipe.Ingredient{ItemID: in.ItemID,
			Quantity:    quantityField(p, fieldIndex("ingredients", i, "quantity"), in.Quantity),
			Tolerance:   recipe.Decimal(decimalField(p, fieldIndex("ingredients", i, "tolerance"), in.Tolerance)),
			Substitutes: in.Substitutes})
	}
	for i, st := range c.Steps {
		s := recipe.Step{Instruction: st.Instruction, Additions: st.Additions}
		for k, pm := range st.Parameters {
			f := fmt.Sprintf("steps[%d].parameters[%d].", i, k)
			s.Parameters = append(s.Parameters, recipe.Parameter{Name: pm.Name, Unit: pm.Unit, CCP: pm.CCP,
				Target: recipe.Decimal(decimalField(p, f+"target", pm.Target)),
				Min:    recipe.Decimal(decimalField(p, f+"min", pm.Min)),
				Max:    recipe.Decimal(decimalField(p, f+"max", pm.Max))})
		}
		out.Steps = append(out.Steps, s)
	}
	return out
}

type versionJSON struct {
	ID       string `json:"id"`
	RecipeID string `json:"recipeId"`
	SiteID   string `json:"siteId"`
	ItemID   string `json:"itemId"`
	Number   int    `json:"number"`
	Status   string `json:"status"` // draft, approved, obsolete
	contentJSON
	ContentHash string         `json:"contentHash"`
	Signature   *signatureJSON `json:"signature"` // the approval; null for a draft
	Revision    int            `json:"revision"`  // send it back to save or approve: it guards concurrent edits
	CreatedAt   time.Time      `json:"createdAt"`
	UpdatedAt   time.Time      `json:"updatedAt"`
}

func versionToJSON(v recipe.Version) versionJSON {
	return versionJSON{ID: v.ID, RecipeID: v.RecipeID, SiteID: v.SiteID, ItemID: v.ItemID, Number: v.Number, Status: string(v.Status),
		contentJSON: contentToJSON(v.Content), ContentHash: v.ContentHash, Signature: recipeSignatureToJSON(v.Signature), Revision: v.Revision,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

type versionRefJSON struct {
	ID     string `json:"id"`
	Number int    `json:"number"`
	Status string `json:"status"`
}

// recipeJSON is a recipe in a list: its versions by number and status.
type recipeJSON struct {
	ID        string           `json:"id"`
	SiteID    string           `json:"siteId"`
	ItemID    string           `json:"itemId"`
	Code      string           `json:"code"`
	Name      string           `json:"name"`
	CreatedAt time.Time        `json:"createdAt"`
	Versions  []versionRefJSON `json:"versions"`
}

func recipeToJSON(r recipe.Recipe) recipeJSON {
	out := recipeJSON{ID: r.ID, SiteID: r.SiteID, ItemID: r.ItemID, Code: r.Code, Name: r.Name, CreatedAt: r.CreatedAt, Versions: []versionRefJSON{}}
	for _, v := range r.Versions {
		out.Versions = append(out.Versions, versionRefJSON{ID: v.ID, Number: v.Number, Status: string(v.Status)})
	}
	return out
}

// recipeDetailJSON is a recipe with the content of every version.
type recipeDetailJSON struct {
	ID        string        `json:"id"`
	SiteID    string        `json:"siteId"`
	ItemID    string        `json:"itemId"`
	Code      string        `json:"code"`
	Name      string        `json:"name"`
	CreatedAt time.Time     `json:"createdAt"`
	Versions  []versionJSON `json:"versions"`
}

func recipeDetailToJSON(r recipe.Recipe) recipeDetailJSON {
	out := recipeDetailJSON{ID: r.ID, SiteID: r.SiteID, ItemID: r.ItemID, Code: r.Code, Name: r.Name, CreatedAt: r.CreatedAt, Versions: []versionJSON{}}
	for _, v := range r.Versions {
		out.Versions = append(out.Versions, versionToJSON(v))
	}
	return out
}

type newRecipeJSON struct {
	SiteID string `json:"siteId"`
	ItemID string `json:"itemId"` // the item the recipe makes
	Code   string `json:"code"`
	Name   string `json:"name"`
	contentJSON
	Reason string `json:"reason"`
}

type draftJSON struct {
	Revision int `json:"revision"` // the revision you edited
	contentJSON
	Reason string `json:"reason"`
}

type newVersionJSON struct {
	Reason string `json:"reason"`
}

// approveJSON is an electronic signature: the signer re-enters the password
// and states what the signature means.
type approveJSON struct {
	Revision int    `json:"revision"` // the revision you reviewed
	Password string `json:"password"`
	Meaning  string `json:"meaning"` // e.g. "approved"
}

type verificationJSON struct {
	VersionID    string `json:"versionId"`
	Signed       bool   `json:"signed"`
	Intact       bool   `json:"intact"` // the content hashes to what was signed and stored
	ComputedHash string `json:"computedHash"`
	SignedHash   string `json:"signedHash"`
	StoredHash   string `json:"storedHash"`
	Problem      string `json:"problem,omitempty"`
}

func verificationToJSON(v recipe.Verification) verificationJSON {
	return verificationJSON{VersionID: v.VersionID, Signed: v.Signed, Intact: v.Intact, ComputedHash: v.ComputedHash, SignedHash: v.SignedHash,
		StoredHash: v.StoredHash, Problem: v.Problem}
}

type recipeRefJSON struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// versionDetailJSON is what a reviewer needs before signing.
type versionDetailJSON struct {
	Version      versionJSON      `json:"version"`
	Recipe       recipeRefJSON    `json:"recipe"`
	Product      itemRefJSON      `json:"product"`
	Items        []itemRefJSON    `json:"items"`      // every ingredient and substitute, in recipe order
	Allergens    []string         `json:"allergens"`  // rolled up from ingredients and substitutes
	Undeclared   []string         `json:"undeclared"` // rolled-up allergens the product does not declare: approval is refused while any remain
	Verification verificationJSON `json:"verification"`
}

func versionDetailToJSON(d recipe.Detail) versionDetailJSON {
	out := versionDetailJSON{Version: versionToJSON(d.Version), Recipe: recipeRefJSON{ID: d.Recipe.ID, Code: d.Recipe.Code, Name: d.Recipe.Name},
		Product: recipeItemToJSON(d.Product), Items: []itemRefJSON{}, Allergens: orEmpty(d.Allergens), Undeclared: orEmpty(d.Undeclared),
		Verification: verificationToJSON(d.Verification)}
	for _, id := range d.Version.ItemIDs() {
		if it, ok := d.Items[id]; ok {
			out.Items = append(out.Items, recipeItemToJSON(it))
		}
	}
	return out
}

type scaledIngredientJSON struct {
	ItemID      string   `json:"itemId"`
	Target      string   `json:"target"`
	Min         string   `json:"min"` // rounded up: never below the exact limit
	Max         string   `json:"max"` // rounded down: never above the exact limit
	Substitutes []string `json:"substitutes"`
	Exact       bool     `json:"exact"` // the target needed no rounding
}

type scaledJSON struct {
	VersionID   string                 `json:"versionId"`
	Batch       string                 `json:"batch"`
	Ingredients []scaledIngredientJSON `json:"ingredients"`
}

// Production orders.

type yieldJSON struct {
	Actual      string `json:"actual"`
	Theoretical string `json:"theoretical"`
	Percent     string `json:"percent"` // one decimal; "" when nothing was consumed
}

func yieldToJSON(y production.Yield) yieldJSON {
	return yieldJSON{Actual: quantityJSON(y.Actual), Theoretical: quantityJSON(y.Theoretical), Percent: y.Percent}
}

type orderJSON struct {
	ID              string         `json:"id"`
	SiteID          string         `json:"siteId"`
	Number          string         `json:"number"`
	ItemID          string         `json:"itemId"`
	ItemCode        string         `json:"itemCode"`
	ItemName        string         `json:"itemName"`
	RecipeID        string         `json:"recipeId,omitempty"`
	VersionID       string         `json:"versionId,omitempty"`   // frozen at release
	ContentHash     string         `json:"contentHash,omitempty"` // of the version, frozen at release
	Allergens       []string       `json:"allergens"`             // what the product contains, frozen at release
	PlannedQuantity string         `json:"plannedQuantity"`
	LineID          string         `json:"lineId"`
	LineCode        string         `json:"lineCode"`
	PlannedStart    time.Time      `json:"plannedStart"`
	PlannedEnd      time.Time      `json:"plannedEnd"`
	ERPRef          string         `json:"erpRef,omitempty"`
	State           string         `json:"state"`
	HeldFrom        string         `json:"heldFrom,omitempty"`
	StartedAt       *time.Time     `json:"startedAt,omitempty"`
	StoppedAt       *time.Time     `json:"stoppedAt,omitempty"`
	CompletedAt     *time.Time     `json:"completedAt,omitempty"`
	Yield           *yieldJSON     `json:"yield,omitempty"` // at completion
	BatchRelease    *signatureJSON `json:"batchRelease,omitempty"`
	CreatedAt       time.Time      `json:"createdAt"`
	UpdatedAt       time.Time      `json:"updatedAt"`
	Version         int            `json:"version"`
}

// orderToJSON converts an order; items and lines give the codes and names.
func orderToJSON(o production.Order, item plant.Item, line plant.Line) orderJSON {
	out := orderJSON{ID: o.ID, SiteID: o.SiteID, Number: o.Number, ItemID: o.ItemID, ItemCode: item.Code, ItemName: item.Name, RecipeID: o.RecipeID,
		VersionID: o.VersionID, ContentHash: o.ContentHash, Allergens: orEmpty(o.Allergens), PlannedQuantity: quantityJSON(o.PlannedQuantity),
		LineID: o.LineID, LineCode: line.Code, PlannedStart: o.PlannedStart, PlannedEnd: o.PlannedEnd, ERPRef: o.ERPRef, State: string(o.State),
		HeldFrom: string(o.HeldFrom), StartedAt: timePtr(o.StartedAt), StoppedAt: timePtr(o.StoppedAt), CompletedAt: timePtr(o.CompletedAt),
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Version: o.Version}
	if o.State == production.Completed || o.State == production.Closed {
		y := yieldToJSON(o.Yield)
		out.Yield = &y
	}
	if o.BatchRelease != nil {
		sig := productionSignatureToJSON(*o.BatchRelease)
		out.BatchRelease = &sig
	}
	return out
}

// orderInJSON plans an order. The item and the line are given by ID or by
// code on the site, as an ERP knows them.
type orderInJSON struct {
	SiteID          string `json:"siteId"`
	Number          string `json:"number"`
	ItemID          string `json:"itemId"`
	ItemCode        string `json:"itemCode"`
	RecipeID        string `json:"recipeId"` // optional: else the item's one approved recipe, at release
	LineID          string `json:"lineId"`
	LineCode        string `json:"lineCode"`
	PlannedQuantity string `json:"plannedQuantity"` // e.g. "1200 ea"
	PlannedStart    string `json:"plannedStart"`    // RFC 3339
	PlannedEnd      string `json:"plannedEnd"`
	ERPRef          string `json:"erpRef"`
	Reason          string `json:"reason"`
}

// importOrdersJSON is many orders for one site, imported all or nothing.
type importOrdersJSON struct {
	SiteID string        `json:"siteId"`
	Reason string        `json:"reason"`
	Orders []orderInJSON `json:"orders"`
}

type importedJSON struct {
	ScheduleID string      `json:"scheduleId,omitempty"` // the B2MML schedule's ID
	Imported   int         `json:"imported"`
	Orders     []orderJSON `json:"orders"`
}

type stateJSON struct {
	To     string `json:"to"`     // released, in_progress, completed, closed, on_hold, cancelled
	Reason string `json:"reason"` // required to hold, resume and cancel
}

type changeoverInJSON struct {
	Kind        string `json:"kind"` // cleaning (default) or changeover
	Note        string `json:"note"`
	CompletedAt string `json:"completedAt"` // RFC 3339; empty means now
}

type changeoverJSON struct {
	ID          string    `json:"id"`
	SiteID      string    `json:"siteId"`
	LineID      string    `json:"lineId"`
	Kind        string    `json:"kind"`
	Note        string    `json:"note,omitempty"`
	CompletedAt time.Time `json:"completedAt"`
	RecordedAt  time.Time `json:"recordedAt"`
	ActorName   string    `json:"actorName"`
}

func changeoverToJSON(c production.ChangeoverRecord) changeoverJSON {
	return changeoverJSON{ID: c.ID, SiteID: c.SiteID, LineID: c.LineID, Kind: c.Kind, Note: c.Note, CompletedAt: c.CompletedAt,
		RecordedAt: c.RecordedAt, ActorName: c.ActorName}
}

type overrideInJSON struct {
	Reason string `json:"reason"` // a supervisor's reason to accept a quantity outside tolerance or a lot out of FEFO order
}

// materialInJSON is a scanned lot added to an order. The lot is named by
// one of lotId, lotCode (Forkline's code, as on its labels) or barcode (a
// GS1 barcode whose batch/lot (10) is the lot code or, with its GTIN, the
// supplier's lot).
type materialInJSON struct {
	LotID      string          `json:"lotId"`
	LotCode    string          `json:"lotCode"`
	Barcode    string          `json:"barcode"`
	LocationID string          `json:"locationId"` // where the lot is taken from; may be left out when the lot is in one place
	Quantity   string          `json:"quantity"`   // as weighed, e.g. "25.2 kg" or "1 case"
	Step       int             `json:"step"`       // 1-based; 0 when not given
	Override   *overrideInJSON `json:"override"`
}

type overrideJSON struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"` // tolerance or fefo
	Reason    string    `json:"reason"`
	Detail    string    `json:"detail"`
	At        time.Time `json:"at"`
	ActorName string    `json:"actorName"`
}

func overrideToJSON(o production.Override) overrideJSON {
	return overrideJSON{ID: o.ID, Kind: string(o.Kind), Reason: o.Reason, Detail: o.Detail, At: o.At, ActorName: o.ActorName}
}

type additionJSON struct {
	ID               string         `json:"id"`
	OrderID          string         `json:"orderId"`
	IngredientItemID string         `json:"ingredientItemId"`
	ItemID           string         `json:"itemId"` // the lot's item: the ingredient's or a substitute's
	Substitute       bool           `json:"substitute"`
	LotID            string         `json:"lotId"`
	LotCode          string         `json:"lotCode"`
	LocationID       string         `json:"locationId"`
	Quantity         string         `json:"quantity"` // counted towards the ingredient, in its base unit
	Entered          string         `json:"entered"`  // as entered
	Step             int            `json:"step,omitempty"`
	Status           string         `json:"status"` // pending, booked, refused
	EventID          string         `json:"eventId,omitempty"`
	Refusal          string         `json:"refusal,omitempty"`
	At               time.Time      `json:"at"`
	ActorName        string         `json:"actorName"`
	Overrides        []overrideJSON `json:"overrides"`
}

func additionToJSON(a production.Addition) additionJSON {
	out := additionJSON{ID: a.ID, OrderID: a.OrderID, IngredientItemID: a.IngredientItemID, ItemID: a.ItemID, Substitute: a.Substitute,
		LotID: a.LotID, LotCode: a.LotCode, LocationID: a.LocationID, Quantity: quantityJSON(a.Quantity), Entered: quantityJSON(a.Entered),
		Step: a.Step, Status: string(a.Status), EventID: a.EventID, Refusal: a.Refusal, At: a.At, ActorName: a.ActorName, Overrides: []overrideJSON{}}
	for _, o := range a.Overrides {
		out.Overrides = append(out.Overrides, overrideToJSON(o))
	}
	return out
}

type parameterInJSON struct {
	Step  int    `json:"step"`  // 1-based
	Name  string `json:"name"`  // the parameter's name in the recipe step
	Value string `json:"value"` // e.g. "96.5"
	Note  string `json:"note"`
}

type readingJSON struct {
	ID          string    `json:"id"`
	Step        int       `json:"step"`
	Parameter   string    `json:"parameter"`
	Unit        string    `json:"unit"`
	Value       string    `json:"value"`
	Target      string    `json:"target"`
	Min         string    `json:"min"`
	Max         string    `json:"max"`
	CCP         bool      `json:"ccp"`
	InLimits    bool      `json:"inLimits"`
	DeviationID string    `json:"deviationId,omitempty"`
	Note        string    `json:"note,omitempty"`
	At          time.Time `json:"at"`
	ActorName   string    `json:"actorName"`
}

func readingToJSON(r production.Reading) readingJSON {
	return readingJSON{ID: r.ID, Step: r.Step, Parameter: r.Parameter, Unit: r.Unit, Value: r.Value.String(), Target: r.Target.String(),
		Min: r.Min.String(), Max: r.Max.String(), CCP: r.CCP, InLimits: r.InLimits, DeviationID: r.DeviationID, Note: r.Note, At: r.At, ActorName: r.ActorName}
}

type deviationJSON struct {
	ID            string         `json:"id"`
	SiteID        string         `json:"siteId"`
	OrderID       string         `json:"orderId"`
	Kind          string         `json:"kind"`
	Critical      bool           `json:"critical"` // a CCP: the batch is not released while it is open
	Description   string         `json:"description"`
	ReadingID     string         `json:"readingId,omitempty"`
	Status        string         `json:"status"` // open, closed
	RaisedAt      time.Time      `json:"raisedAt"`
	RaisedBy      string         `json:"raisedBy"`
	ClosedAt      *time.Time     `json:"closedAt,omitempty"`
	ClosureReason string         `json:"closureReason,omitempty"`
	Closure       *signatureJSON `json:"closure,omitempty"`
}

func deviationToJSON(d production.Deviation) deviationJSON {
	out := deviationJSON{ID: d.ID, SiteID: d.SiteID, OrderID: d.OrderID, Kind: d.Kind, Critical: d.Critical, Description: d.Description,
		ReadingID: d.ReadingID, Status: string(d.Status), RaisedAt: d.RaisedAt, RaisedBy: d.RaisedBy, ClosedAt: timePtr(d.ClosedAt), ClosureReason: d.ClosureReason}
	if d.Closure != nil {
		sig := productionSignatureToJSON(*d.Closure)
		out.Closure = &sig
	}
	return out
}

// readingResultJSON is a recorded value and the deviation it raised, if any.
type readingResultJSON struct {
	Reading   readingJSON    `json:"reading"`
	Deviation *deviationJSON `json:"deviation"` // null when the value is within its limits
}

type outputInJSON struct {
	Quantity   string `json:"quantity"`   // e.g. "480 kg" or "40 case"
	LocationID string `json:"locationId"` // where the lot is put
}

type outputJSON struct {
	ID         string    `json:"id"`
	OrderID    string    `json:"orderId"`
	LotID      string    `json:"lotId"`
	LotCode    string    `json:"lotCode"`
	LocationID string    `json:"locationId"`
	Quantity   string    `json:"quantity"` // in the product's base unit
	At         time.Time `json:"at"`
	ActorName  string    `json:"actorName"`
}

func outputToJSON(o production.Output) outputJSON {
	return outputJSON{ID: o.ID, OrderID: o.OrderID, LotID: o.LotID, LotCode: o.LotCode, LocationID: o.LocationID, Quantity: quantityJSON(o.Quantity),
		At: o.At, ActorName: o.ActorName}
}

// closeDeviationJSON closes a deviation with an electronic signature.
type closeDeviationJSON struct {
	Password string `json:"password"`
	Reason   string `json:"reason"`  // what was found and what was done
	Meaning  string `json:"meaning"` // "reviewed" when left out
}

// releaseJSON releases a batch with an electronic signature.
type releaseJSON struct {
	Password string `json:"password"`
	Meaning  string `json:"meaning"` // e.g. "released"
}

type releaseCheckJSON struct {
	Intact bool `json:"intact"` // the batch record still hashes to what was signed
}

type exceptionJSON struct {
	Kind     string     `json:"kind"` // recipe_changed, deviation, override, tolerance, missing_reading, refused_addition, pending_addition
	Critical bool       `json:"critical"`
	Open     bool       `json:"open"` // still needs action
	Message  string     `json:"message"`
	At       *time.Time `json:"at,omitempty"`
	RefID    string     `json:"refId,omitempty"`
}

type materialLineJSON struct {
	ItemID      string         `json:"itemId"`
	ItemCode    string         `json:"itemCode"`
	ItemName    string         `json:"itemName"`
	Target      string         `json:"target"`
	Min         string         `json:"min"`
	Max         string         `json:"max"`
	Tolerance   string         `json:"tolerance"`
	Substitutes []string       `json:"substitutes"`
	Added       string         `json:"added"`
	Status      string         `json:"status"` // ok, under, over
	Additions   []additionJSON `json:"additions"`
}

type parameterLineJSON struct {
	Step      int           `json:"step"`
	Parameter parameterJSON `json:"parameter"`
	Readings  []readingJSON `json:"readings"`
}

type stateRecordJSON struct {
	From      string    `json:"from"`
	To        string    `json:"to"`
	At        time.Time `json:"at"`
	ActorName string    `json:"actorName"`
	Reason    string    `json:"reason,omitempty"`
}

type formulaJSON struct {
	RecipeID    string   `json:"recipeId"`
	VersionID   string   `json:"versionId"`
	RecipeCode  string   `json:"recipeCode"`
	Number      int      `json:"number"`
	Status      string   `json:"status"`
	BatchSize   string   `json:"batchSize"`
	Allergens   []string `json:"allergens"`
	ContentHash string   `json:"contentHash"` // recomputed now
	SignedHash  string   `json:"signedHash"`
}

type lineRefJSON struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// batchRecordJSON is everything about an order, the exceptions first:
// review by exception.
type batchRecordJSON struct {
	Exceptions  []exceptionJSON     `json:"exceptions"` // critical first, then open ones, then by time
	Order       orderJSON           `json:"order"`
	Product     itemRefJSON         `json:"product"`
	Line        lineRefJSON         `json:"line"`
	Recipe      *formulaJSON        `json:"recipe"` // null before release
	RecipeFresh bool                `json:"recipeFresh"`
	Materials   []materialLineJSON  `json:"materials"`
	Parameters  []parameterLineJSON `json:"parameters"`
	Deviations  []deviationJSON     `json:"deviations"`
	Overrides   []overrideJSON      `json:"overrides"`
	Refused     []additionJSON      `json:"refused"`
	Outputs     []outputJSON        `json:"outputs"`
	Yield       yieldJSON           `json:"yield"`
	History     []stateRecordJSON   `json:"history"`
	Signatures  []signatureJSON     `json:"signatures"`
}

func batchRecordToJSON(r production.BatchRecord, item plant.Item, line plant.Line) batchRecordJSON {
	out := batchRecordJSON{Exceptions: []exceptionJSON{}, Order: orderToJSON(r.Order, item, line), Product: productionItemToJSON(r.Product),
		Line: lineRefJSON{ID: r.Line.ID, Code: r.Line.Code, Name: r.Line.Name}, RecipeFresh: r.RecipeFresh, Materials: []materialLineJSON{},
		Parameters: []parameterLineJSON{}, Deviations: []deviationJSON{}, Overrides: []overrideJSON{}, Refused: []additionJSON{},
		Outputs: []outputJSON{}, Yield: yieldToJSON(r.Yield), History: []stateRecordJSON{}, Signatures: []signatureJSON{}}
	for _, e := range r.Exceptions {
		out.Exceptions = append(out.Exceptions, exceptionJSON{Kind: string(e.Kind), Critical: e.Critical, Open: e.Open, Message: e.Message,
			At: timePtr(e.At), RefID: e.RefID})
	}
	if r.Order.Frozen() {
		f := r.Recipe
		out.Recipe = &formulaJSON{RecipeID: f.RecipeID, VersionID: f.VersionID, RecipeCode: f.RecipeCode, Number: f.Number, Status: f.Status,
			BatchSize: quantityJSON(f.BatchSize), Allergens: orEmpty(f.Allergens), ContentHash: f.ContentHash, SignedHash: f.SignedHash}
	}
	for _, m := range r.Materials {
		ml := materialLineJSON{ItemID: m.ItemID, ItemCode: m.ItemCode, ItemName: m.ItemName, Target: quantityJSON(m.Target.Target),
			Min: quantityJSON(m.Min), Max: quantityJSON(m.Max), Tolerance: m.Tolerance.String(), Substitutes: orEmpty(m.Substitutes),
			Added: quantityJSON(m.Added), Status: m.Status, Additions: []additionJSON{}}
		for _, a := range m.Additions {
			ml.Additions = append(ml.Additions, additionToJSON(a))
		}
		out.Materials = append(out.Materials, ml)
	}
	for _, pl := range r.Parameters {
		pm := pl.Parameter
		pj := parameterLineJSON{Step: pl.Step, Parameter: parameterJSON{Name: pm.Name, Unit: pm.Unit, Target: pm.Target.String(), Min: pm.Min.String(),
			Max: pm.Max.String(), CCP: pm.CCP}, Readings: []readingJSON{}}
		for _, rd := range pl.Readings {
			pj.Readings = append(pj.Readings, readingToJSON(rd))
		}
		out.Parameters = append(out.Parameters, pj)
	}
	for _, d := range r.Deviations {
		out.Deviations = append(out.Deviations, deviationToJSON(d))
	}
	for _, o := range r.Overrides {
		out.Overrides = append(out.Overrides, overrideToJSON(o))
	}
	for _, a := range r.Refused {
		out.Refused = append(out.Refused, additionToJSON(a))
	}
	for _, o := range r.Outputs {
		out.Outputs = append(out.Outputs, outputToJSON(o))
	}
	for _, h := range r.History {
		out.History = append(out.History, stateRecordJSON{From: string(h.From), To: string(h.To), At: h.At, ActorName: h.ActorName, Reason: h.Reason})
	}
	for _, sg := range r.Signatures {
		out.Signatures = append(out.Signatures, productionSignatureToJSON(sg))
	}
	return out
}
