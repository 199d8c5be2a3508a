package recipe

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

// Service keeps recipes and approves their versions.
type Service struct {
	store  Store
	signer Signer
	ids    *forkline.IDGenerator
	now    func() time.Time
}

// NewService returns a Service.
func NewService(store Store, signer Signer, ids *forkline.IDGenerator, now func() time.Time) *Service {
	return &Service{store: store, signer: signer, ids: ids, now: now}
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func invalid(field, rule, msg string) error {
	return &forkline.Error{Code: forkline.Invalid, Msg: msg, Fields: []forkline.FieldProblem{{Field: field, Rule: rule, Msg: msg}}}
}

func actorFor(ctx context.Context, perm forkline.Permission, site forkline.ID) (forkline.Actor, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return a, err
	}
	return a, a.Require(perm, site)
}

// ErrNotDraft is returned when an approved or obsolete version would be edited.
var ErrNotDraft = &forkline.Error{Code: forkline.Conflict, Msg: "Only a draft is edited: make a new version of the recipe instead."}

// snapshot is what the audit trail keeps of a version.
type snapshot struct {
	Number      int
	Status      Status
	BatchSize   forkline.Quantity
	Ingredients []Ingredient
	Steps       []Step
	ContentHash string
}

func snap(v Version) snapshot {
	return snapshot{Number: v.Number, Status: v.Status, BatchSize: v.BatchSize, Ingredients: v.Ingredients, Steps: v.Steps, ContentHash: v.ContentHash}
}

// items loads the product and every item the content names. Items that do
// not exist are left out, for Validate to report.
func (s *Service) items(ctx context.Context, productID forkline.ID, c Content) (Item, map[forkline.ID]Item, error) {
	product, err := s.store.FindRecipeItem(ctx, productID)
	if err != nil {
		return product, nil, err
	}
	items := map[forkline.ID]Item{}
	for _, id := range c.ItemIDs() {
		if !forkline.ValidID(id) {
			continue
		}
		it, err := s.store.FindRecipeItem(ctx, id)
		if forkline.ErrorCode(err) == forkline.NotFound {
			continue
		} else if err != nil {
			return product, nil, err
		}
		items[id] = it
	}
	return product, items, nil
}

// CreateInput makes a recipe and its first version, a draft.
type CreateInput struct {
	SiteID, ItemID forkline.ID
	Code, Name     string
	Content        Content
	Reason         string
}

// Create adds a recipe with version 1 as a draft.
func (s *Service) Create(ctx context.Context, in CreateInput) (Recipe, error) {
	if _, err := actorFor(ctx, PermWrite, in.SiteID); err != nil {
		return Recipe{}, err
	}
	var p forkline.Problems
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	p.Required("code", in.Code)
	p.MaxLen("code", in.Code, maxCode)
	p.Required("name", in.Name)
	p.MaxLen("name", in.Name, maxName)
	if !forkline.ValidID(in.ItemID) {
		return Recipe{}, invalid("itemId", "required", "itemId must be the ID of the item the recipe makes")
	}
	product, items, err := s.items(ctx, in.ItemID, in.Content)
	if forkline.ErrorCode(err) == forkline.NotFound {
		return Recipe{}, invalid("itemId", "reference", "itemId is not a known item")
	} else if err != nil {
		return Recipe{}, err
	}
	if product.SiteID != in.SiteID || !product.Active {
		p.Add("itemId", "reference", fmt.Sprintf("item %s is not an active item of this site", product.Code))
	}
	if err := in.Content.Validate(product, items); err != nil {
		p.Merge("", forkline.ErrorFields(err))
	}
	if err := p.Err("The recipe is not valid."); err != nil {
		return Recipe{}, err
	}
	now := s.stamp()
	r := Recipe{ID: s.ids.New(), SiteID: in.SiteID, ItemID: product.ID, Code: in.Code, Name: in.Name, CreatedAt: now}
	v := Version{ID: s.ids.New(), RecipeID: r.ID, SiteID: r.SiteID, ItemID: r.ItemID, Number: 1, Status: Draft,
		Content: in.Content.Clone(), Revision: 1, CreatedAt: now, UpdatedAt: now}
	v.ContentHash = ContentHash(v)
	chs := []audit.Change{
		{Action: audit.Create, Entity: "recipe", EntityID: r.ID, SiteID: r.SiteID, Reason: in.Reason,
			After: map[string]string{"code": r.Code, "name": r.Name, "item": product.Code}},
		{Action: audit.Create, Entity: "recipe_version", EntityID: v.ID, SiteID: r.SiteID, Reason: in.Reason, After: snap(v)},
	}
	if err := s.store.CreateRecipe(ctx, r, v, chs); err != nil {
		return Recipe{}, err
	}
	r.Versions = []Version{v}
	return r, nil
}

// Recipe returns a recipe with its versions.
func (s *Service) Recipe(ctx context.Context, id forkline.ID) (Recipe, error) {
	if !forkline.ValidID(id) {
		return Recipe{}, forkline.ErrNotFound
	}
	r, err := s.store.FindRecipe(ctx, id)
	if err != nil {
		return r, err
	}
	if _, err := actorFor(ctx, PermRead, r.SiteID); err != nil {
		return Recipe{}, err
	}
	return r, nil
}

// Recipes lists recipes on the sites the caller may read.
func (s *Service) Recipes(ctx context.Context, f Filter) ([]Recipe, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Kind != forkline.ActorSystem {
		allowed := a.Sites(PermRead)
		if f.SiteIDs == nil {
			f.SiteIDs = allowed
		}
		for _, id := range f.SiteIDs {
			if !slices.Contains(allowed, id) {
				return nil, forkline.ErrForbidden
			}
		}
		if len(f.SiteIDs) == 0 {
			return nil, forkline.ErrForbidden
		}
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	return s.store.FindRecipes(ctx, f)
}

// Version returns one version with its content and signature.
func (s *Service) Version(ctx context.Context, id forkline.ID) (Version, error) {
	v, _, err := s.versionFor(ctx, PermRead, id)
	return v, err
}

func (s *Service) versionFor(ctx context.Context, perm forkline.Permission, id forkline.ID) (Version, forkline.Actor, error) {
	if !forkline.ValidID(id) {
		return Version{}, forkline.Actor{}, invalid("versionId", "required", "versionId must be the ID of a recipe version")
	}
	v, err := s.store.FindVersion(ctx, id)
	if err != nil {
		return v, forkline.Actor{}, err
	}
	a, err := actorFor(ctx, perm, v.SiteID)
	if err != nil {
		return Version{}, a, err
	}
	return v, a, nil
}

// Detail is a version with everything a reviewer needs before signing.
type Detail struct {
	Version      Version
	Recipe       Recipe
	Product      Item
	Items        map[forkline.ID]Item
	Allergens    []string // rolled up from ingredients and substitutes
	Undeclared   []string // rolled-up allergens the product does not declare
	Verification Verification
}

// Detail returns a version with its product, items, allergen roll-up and
// signature verification.
func (s *Service) Detail(ctx context.Context, id forkline.ID) (Detail, error) {
	v, _, err := s.versionFor(ctx, PermRead, id)
	if err != nil {
		return Detail{}, err
	}
	r, err := s.store.FindRecipe(ctx, v.RecipeID)
	if err != nil {
		return Detail{}, err
	}
	product, items, err := s.items(ctx, v.ItemID, v.Content)
	if err != nil {
		return Detail{}, err
	}
	all := Allergens(v.Content, items)
	return Detail{Version: v, Recipe: r, Product: product, Items: items, Allergens: all,
		Undeclared: Undeclared(product, all), Verification: Verify(v)}, nil
}

// DraftInput replaces the content of a draft.
type DraftInput struct {
	VersionID forkline.ID
	Revision  int // the revision the author edited
	Content   Content
	Reason    string
}

// SaveDraft replaces a draft's content. An approved or obsolete version is
// never edited (ErrNotDraft).
func (s *Service) SaveDraft(ctx context.Context, in DraftInput) (Version, error) {
	v, _, err := s.versionFor(ctx, PermWrite, in.VersionID)
	if err != nil {
		return Version{}, err
	}
	if v.Status != Draft {
		return Version{}, ErrNotDraft
	}
	if in.Revision != v.Revision {
		return Version{}, forkline.ErrStaleVersion
	}
	product, items, err := s.items(ctx, v.ItemID, in.Content)
	if err != nil {
		return Version{}, err
	}
	if err := in.Content.Validate(product, items); err != nil {
		return Version{}, err
	}
	before := v
	v.Content = in.Content.Clone()
	v.Revision++
	v.UpdatedAt = s.stamp()
	v.ContentHash = ContentHash(v)
	ch := audit.Change{Action: audit.Update, Entity: "recipe_version", EntityID: v.ID, SiteID: v.SiteID, Reason: in.Reason, Before: snap(before), After: snap(v)}
	if err := s.store.SaveDraft(ctx, v, in.Revision, ch); err != nil {
		return Version{}, err
	}
	return v, nil
}

// NewVersion starts the next version of a recipe as a draft copy of the
// approved one. Conflict when the recipe has no approved version (edit the
// draft) or already has a draft.
func (s *Service) NewVersion(ctx context.Context, recipeID forkline.ID, reason string) (Version, error) {
	if !forkline.ValidID(recipeID) {
		return Version{}, invalid("recipeId", "required", "recipeId must be the ID of a recipe")
	}
	r, err := s.store.FindRecipe(ctx, recipeID)
	if err != nil {
		return Version{}, err
	}
	if _, err := actorFor(ctx, PermWrite, r.SiteID); err != nil {
		return Version{}, err
	}
	for _, v := range r.Versions {
		if v.Status == Draft {
			return Version{}, forkline.Errorf(forkline.Conflict, "Recipe %s already has a draft, version %d: edit that one.", r.Code, v.Number)
		}
	}
	cur, ok := r.Current()
	if !ok {
		return Version{}, forkline.Errorf(forkline.Conflict, "Recipe %s has no approved version to copy.", r.Code)
	}
	last := 0
	for _, v := range r.Versions {
		last = max(last, v.Number)
	}
	now := s.stamp()
	v := Version{ID: s.ids.New(), RecipeID: r.ID, SiteID: r.SiteID, ItemID: r.ItemID, Number: last + 1, Status: Draft,
		Content: cur.Content.Clone(), Revision: 1, CreatedAt: now, UpdatedAt: now}
	v.ContentHash = ContentHash(v)
	ch := audit.Change{Action: audit.Create, Entity: "recipe_version", EntityID: v.ID, SiteID: v.SiteID,
		Reason: strings.TrimSpace(reason + fmt.Sprintf(" (copy of version %d)", cur.Number)), After: snap(v)}
	if err := s.store.CreateVersion(ctx, v, ch); err != nil {
		return Version{}, err
	}
	return v, nil
}

// ApproveInput approves a draft with an electronic signature.
type ApproveInput struct {
	VersionID forkline.ID
	Revision  int    // the revision the signer reviewed
	Password  string // the signer re-enters it
	Meaning   string // what the signature means, e.g. MeaningApproved
}

// ErrUndeclaredAllergens is the rule approval enforces; the error Approve
// returns names the allergens and wraps it, for errors.Is.
var ErrUndeclaredAllergens = &forkline.Error{Code: forkline.Invalid, Msg: "The finished item does not declare every allergen of its ingredients."}

// Approve signs a draft and makes it the approved version; the version
// approved until now becomes obsolete. The signer re-enters the password
// and states the meaning; the signature is bound to the content hash.
// A user signs for themselves; the system actor (command line, demo
// seeder) signs as the person the Signer re-authenticates.
func (s *Service) Approve(ctx context.Context, in ApproveInput) (Version, error) {
	v, a, err := s.versionFor(ctx, PermApprove, in.VersionID)
	if err != nil {
		return Version{}, err
	}
	if v.Status != Draft {
		return Version{}, forkline.Errorf(forkline.Conflict, "Version %d is %s: only a draft is approved.", v.Number, v.Status)
	}
	if in.Revision != v.Revision {
		return Version{}, &forkline.Error{Code: forkline.Conflict, Msg: "The draft was changed since you reviewed it; review it again before signing."}
	}
	meaning := strings.TrimSpace(in.Meaning)
	if meaning == "" {
		return Version{}, invalid("meaning", "required", "state the meaning of your signature, e.g. \"approved\"")
	}
	if len([]rune(meaning)) > maxMeaning {
		return Version{}, invalid("meaning", "max_length", fmt.Sprintf("meaning must be at most %d characters", maxMeaning))
	}
	product, items, err := s.items(ctx, v.ItemID, v.Content)
	if err != nil {
		return Version{}, err
	}
	if err := v.Content.Validate(product, items); err != nil {
		return Version{}, err
	}
	if missing := Undeclared(product, Allergens(v.Content, items)); len(missing) > 0 {
		msg := fmt.Sprintf("%s does not declare %s, which its ingredients contain: add them to the item's allergens before approving.",
			product.Code, strings.Join(missing, ", "))
		return Version{}, &forkline.Error{Code: forkline.Invalid, Msg: msg,
			Fields: []forkline.FieldProblem{{Field: "allergens", Rule: "declared", Msg: "undeclared: " + strings.Join(missing, ", ")}}, Err: ErrUndeclaredAllergens}
	}
	signer, err := s.sign(ctx, a, in.Password)
	if err != nil {
		return Version{}, err
	}
	r, err := s.store.FindRecipe(ctx, v.RecipeID)
	if err != nil {
		return Version{}, err
	}
	prev, hasPrev := r.Current()
	before := v
	now := s.stamp()
	v.Status, v.UpdatedAt = Approved, now
	v.ContentHash = ContentHash(v)
	v.Signature = &Signature{ID: s.ids.New(), SignerID: signer.ID, SignerName: signer.Name, Meaning: meaning, SignedAt: now, ContentHash: v.ContentHash}
	ap := Approval{Version: v, PrevRevision: in.Revision}
	ap.Audit = append(ap.Audit, audit.Change{Action: "approve", Entity: "recipe_version", EntityID: v.ID, SiteID: v.SiteID,
		Reason: fmt.Sprintf("signed by %s, meaning %q", signer.Name, meaning), Before: snap(before), After: snap(v)})
	if hasPrev {
		ap.ObsoleteID = prev.ID
		ap.Audit = append(ap.Audit, audit.Change{Action: "obsolete", Entity: "recipe_version", EntityID: prev.ID, SiteID: v.SiteID,
			Reason: fmt.Sprintf("replaced by version %d", v.Number),
			Before: map[string]any{"Number": prev.Number, "Status": prev.Status}, After: map[string]any{"Number": prev.Number, "Status": Obsolete}})
	}
	if err := s.store.ApproveVersion(ctx, ap); err != nil {
		return Version{}, err
	}
	return v, nil
}

// sign re-authenticates the signer. A user signs only for themselves; API
// tokens do not sign: an electronic signature belongs to one person.
func (s *Service) sign(ctx context.Context, a forkline.Actor, password string) (forkline.Actor, error) {
	if password == "" {
		return forkline.Actor{}, invalid("password", "required", "re-enter your password to sign")
	}
	if a.Kind == forkline.ActorToken {
		return forkline.Actor{}, forkline.Errorf(forkline.Forbidden, "An API token cannot sign: a signature belongs to a person.")
	}
	signer, err := s.signer.Reauthenticate(ctx, password)
	if err != nil {
		return forkline.Actor{}, err
	}
	if signer.Kind != forkline.ActorUser {
		return forkline.Actor{}, forkline.Errorf(forkline.Forbidden, "Only a person can sign.")
	}
	if a.Kind == forkline.ActorUser && signer.ID != a.ID {
		return forkline.Actor{}, forkline.Errorf(forkline.Forbidden, "You can sign only for yourself.")
	}
	return signer, nil
}

// Verify checks a version's content against its signature.
func (s *Service) Verify(ctx context.Context, id forkline.ID) (Verification, error) {
	v, _, err := s.versionFor(ctx, PermRead, id)
	if err != nil {
		return Verification{}, err
	}
	return Verify(v), nil
}

// Scale returns a version's ingredients for a batch quantity of the
// recipe's item.
func (s *Service) Scale(ctx context.Context, id forkline.ID, batch forkline.Quantity) ([]Scaled, error) {
	v, _, err := s.versionFor(ctx, PermRead, id)
	if err != nil {
		return nil, err
	}
	product, err := s.store.FindRecipeItem(ctx, v.ItemID)
	if err != nil {
		return nil, err
	}
	return Scale(v.Content, batch, product.PackSizes)
}
