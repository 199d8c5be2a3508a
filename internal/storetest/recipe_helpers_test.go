package storetest_test

import (
	"context"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/recipe"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

// testSigner stands in for auth's re-authentication: each password
// belongs to one person. auth.Service.Reauthenticate checks the password of
// the user in the context instead; the services refuse a signer who is not
// that user, which TestRecipeSigners checks.
type testSigner map[string]forkline.Actor

func (s testSigner) Reauthenticate(ctx context.Context, password string) (forkline.Actor, error) {
	a, ok := s[password]
	if !ok {
		return forkline.Actor{}, &forkline.Error{Code: forkline.Unauthorized, Msg: "The password is wrong."}
	}
	return a, nil
}

// The people who sign in these tests, and their passwords.
const (
	quinnPassword = "quinn-signs-1"
	samPassword   = "sam-signs-22"
)

// bakeryItems is the master data of a small bakery on one site.
type bakeryItems struct {
	bread, cookies                   plant.Item // products
	flour, rye, water, salt, peanuts plant.Item // ingredients; rye may stand in for flour
	eggs                             plant.Item // in no recipe
}

// recipeWorld is a ledger world with the recipe service, signing as
// quinn (quality) or sam (supervisor), and a bakery on site A.
type recipeWorld struct {
	*ledgerWorld
	recipes    *recipe.Service
	signer     testSigner
	quinn, sam forkline.Actor
	site       forkline.ID
	b          bakeryItems
}

func newRecipeWorld(t *testing.T, db *sqlstore.DB, c *storetest.Clock) *recipeWorld {
	t.Helper()
	lw := newLedgerWorld(t, db, c)
	site := lw.siteA.ID
	rw := &recipeWorld{ledgerWorld: lw, site: site,
		quinn: forkline.Actor{Kind: forkline.ActorUser, ID: lw.ids.New(), Name: "quinn", Grants: []forkline.Grant{{SiteID: site, Role: forkline.RoleQuality}}},
		sam:   forkline.Actor{Kind: forkline.ActorUser, ID: lw.ids.New(), Name: "sam", Grants: []forkline.Grant{{SiteID: site, Role: forkline.RoleSupervisor}}}}
	rw.signer = testSigner{quinnPassword: rw.quinn, samPassword: rw.sam}
	rw.recipes = recipe.NewService(db.Recipes(), rw.signer, lw.ids, c.Now)
	item := func(code string, kind plant.ItemKind, unit forkline.Unit, shelfLife int, allergens ...plant.Allergen) plant.Item {
		return lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: code}, Kind: kind, BaseUnit: unit, ShelfLifeDays: shelfLife, Allergens: allergens})
	}
	rw.b = bakeryItems{
		bread:   item("BREAD", plant.Finished, forkline.Kilogram, 5, plant.Wheat, plant.Gluten),
		cookies: item("COOKIES", plant.Finished, forkline.Kilogram, 60, plant.Peanuts, plant.Wheat),
		flour:   item("FLOUR", plant.Ingredient, forkline.Kilogram, 180, plant.Wheat),
		rye:     item("RYE", plant.Ingredient, forkline.Kilogram, 180, plant.Gluten),
		water:   item("WATER", plant.Ingredient, forkline.Kilogram, 0),
		salt:    item("SALT", plant.Ingredient, forkline.Gram, 0),
		peanuts: item("PEANUTS", plant.Ingredient, forkline.Kilogram, 90, plant.Peanuts),
		eggs:    item("EGGS", plant.Ingredient, forkline.Each, 20, plant.Egg),
	}
	return rw
}

func dec(s string) recipe.Decimal {
	d, err := recipe.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// breadContent is 100 kg of bread: flour (or rye) 60 kg ± 2 %, water 40 kg
// ± 1 %, salt 2000 g ± 5 %; mix, then bake to a core temperature (a CCP).
func (rw *recipeWorld) breadContent() recipe.Content {
	b := rw.b
	return recipe.Content{
		BatchSize: qty("100 kg"),
		Ingredients: []recipe.Ingredient{
			{ItemID: b.flour.ID, Quantity: qty("60 kg"), Tolerance: dec("2"), Substitutes: []forkline.ID{b.rye.ID}},
			{ItemID: b.water.ID, Quantity: qty("40 kg"), Tolerance: dec("1")},
			{ItemID: b.salt.ID, Quantity: qty("2000 g"), Tolerance: dec("5")},
		},
		Steps: []recipe.Step{
			{Instruction: "Mix flour, water and salt", Additions: []forkline.ID{b.flour.ID, b.water.ID, b.salt.ID},
				Parameters: []recipe.Parameter{{Name: "Mixing time", Unit: "min", Target: dec("8"), Min: dec("6"), Max: dec("10")}}},
			{Instruction: "Bake", Parameters: []recipe.Parameter{{Name: "Core temperature", Unit: "°C", Target: dec("96"), Min: dec("92"), Max: dec("99"), CCP: true}}},
		},
	}
}

// cookieContent is 50 kg of peanut cookies.
func (rw *recipeWorld) cookieContent() recipe.Content {
	b := rw.b
	return recipe.Content{
		BatchSize: qty("50 kg"),
		Ingredients: []recipe.Ingredient{
			{ItemID: b.flour.ID, Quantity: qty("30 kg"), Tolerance: dec("2")},
			{ItemID: b.peanuts.ID, Quantity: qty("20 kg"), Tolerance: dec("2")},
		},
		Steps: []recipe.Step{{Instruction: "Mix and bake", Additions: []forkline.ID{b.flour.ID, b.peanuts.ID}}},
	}
}

// approved makes a recipe whose first version quinn approves.
func (rw *recipeWorld) approved(t *testing.T, code string, item plant.Item, c recipe.Content) (recipe.Recipe, recipe.Version) {
	t.Helper()
	r, err := rw.recipes.Create(rw.ctx, recipe.CreateInput{SiteID: rw.site, ItemID: item.ID, Code: code, Name: "Recipe " + code, Content: c})
	if err != nil {
		t.Fatalf("Create recipe %s: %v", code, err)
	}
	v, err := rw.recipes.Approve(rw.ctx, recipe.ApproveInput{VersionID: r.Versions[0].ID, Revision: 1, Password: quinnPassword, Meaning: recipe.MeaningApproved})
	if err != nil {
		t.Fatalf("Approve recipe %s: %v", code, err)
	}
	return r, v
}

// recipeApprove is quinn's approval of a version at a revision.
func recipeApprove(id forkline.ID, revision int) recipe.ApproveInput {
	return recipe.ApproveInput{VersionID: id, Revision: revision, Password: quinnPassword, Meaning: recipe.MeaningApproved}
}
