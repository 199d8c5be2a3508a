package recipe

import (
	"context"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// Filter selects recipes for a list, by code.
type Filter struct {
	SiteIDs []forkline.ID // nil: every site; empty: none
	ItemID  forkline.ID
	Search  string // case-insensitive part of code or name
	Limit   int
}

// Approval is what the store books when a draft is approved.
type Approval struct {
	Version      Version // the draft, with Status Approved, its ContentHash and Signature
	PrevRevision int     // the draft's revision the signer saw
	ObsoleteID   forkline.ID
	Audit        []audit.Change
}

// Store is what the recipe service needs. Every method is one transaction;
// reads return NotFound for a missing record.
type Store interface {
	// FindRecipeItem returns the facts recipe needs of an item.
	FindRecipeItem(ctx context.Context, id forkline.ID) (Item, error)

	// CreateRecipe adds a recipe with its first version (a draft) and their
	// audit entries. Conflict (ErrDuplicate) when the code is taken on the site.
	CreateRecipe(ctx context.Context, r Recipe, v Version, chs []audit.Change) error
	// FindRecipe returns a recipe with all its versions, by number.
	FindRecipe(ctx context.Context, id forkline.ID) (Recipe, error)
	// FindRecipes returns recipes matching f, by code, without versions'
	// content but with each version's number and status.
	FindRecipes(ctx context.Context, f Filter) ([]Recipe, error)
	// FindVersion returns one version with its content and signature.
	FindVersion(ctx context.Context, id forkline.ID) (Version, error)

	// SaveDraft replaces the content of a draft whose revision is
	// prevRevision. Conflict when it is no longer a draft or its revision moved on.
	SaveDraft(ctx context.Context, v Version, prevRevision int, ch audit.Change) error
	// CreateVersion adds a new draft version. Conflict when the recipe has a
	// draft already or the number is taken.
	CreateVersion(ctx context.Context, v Version, ch audit.Change) error
	// ApproveVersion makes a draft approved with its signature, and the
	// version ObsoleteID (the one approved until now, or "") obsolete.
	// Conflict when the draft moved on or another version was approved meanwhile.
	ApproveVersion(ctx context.Context, a Approval) error
}
