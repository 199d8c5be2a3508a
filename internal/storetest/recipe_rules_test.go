package storetest_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/recipe"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestRecipeVersions walks a recipe through its life on every engine:
// drafts are edited, approval is a signature bound to the content, an
// approved version is never edited, a new version copies the approved one,
// and approving it makes the old one obsolete.
func TestRecipeVersions(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		rw := newRecipeWorld(t, db, c)
		b := rw.b
		// Bread declares wheat and gluten; a first draft without the rye substitute.
		content := rw.breadContent()
		content.Ingredients[0].Substitutes = nil
		r, err := rw.recipes.Create(rw.ctx, recipe.CreateInput{SiteID: rw.site, ItemID: b.bread.ID, Code: "R-BREAD", Name: "Country bread", Content: content, Reason: "new product"})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		v1 := r.Versions[0]
		if v1.Number != 1 || v1.Status != recipe.Draft || v1.Revision != 1 || v1.ContentHash != recipe.ContentHash(v1) {
			t.Fatalf("first version = number %d, %s, revision %d, hash %q; want 1, draft, 1, its content hash", v1.Number, v1.Status, v1.Revision, v1.ContentHash)
		}
		got, err := rw.recipes.Version(rw.ctx, v1.ID)
		if err != nil {
			t.Fatalf("Version: %v", err)
		}
		if diff := cmp.Diff(v1, got, quantityEq); diff != "" {
			t.Fatalf("stored version mismatch (-created +stored):\n%s", diff)
		}
		checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Create, Entity: "recipe_version", EntityID: v1.ID, SiteID: rw.site,
			Reason: "new product", After: map[string]any{"Number": 1, "Status": recipe.Draft, "BatchSize": v1.BatchSize, "Ingredients": v1.Ingredients,
				"Steps": v1.Steps, "ContentHash": v1.ContentHash}})

		t.Run("a recipe code is unique on the site", func(t *testing.T) {
			_, err := rw.recipes.Create(rw.ctx, recipe.CreateInput{SiteID: rw.site, ItemID: b.bread.ID, Code: "R-BREAD", Name: "Again", Content: content})
			if !errors.Is(err, forkline.ErrDuplicate) {
				t.Errorf("Create(same code) = %v, want ErrDuplicate", err)
			}
		})
		t.Run("a recipe is refused whole with every problem", func(t *testing.T) {
			bad := rw.breadContent()
			bad.Ingredients[1].ItemID = b.bread.ID
			bad.Steps[1].Parameters[0].Max = dec("90")
			_, err := rw.recipes.Create(rw.ctx, recipe.CreateInput{SiteID: rw.site, ItemID: b.bread.ID, Code: "", Name: "Bad", Content: bad})
			want := []string{"code", "ingredients[1].itemId", "steps[0].additions[1]", "steps[1].parameters[0].target"}
			if diff := cmp.Diff(want, fieldNames(err)); diff != "" || forkline.ErrorCode(err) != forkline.Invalid {
				t.Errorf("Create(bad) = %v; fields mismatch (-want +got):\n%s", err, diff)
			}
		})

		t.Run("a draft is edited, guarded by its revision", func(t *testing.T) {
			edit := v1.Content.Clone()
			edit.Ingredients[0].Substitutes = []forkline.ID{b.rye.ID}
			if _, err := rw.recipes.SaveDraft(rw.ctx, recipe.DraftInput{VersionID: v1.ID, Revision: 7, Content: edit}); !errors.Is(err, forkline.ErrStaleVersion) {
				t.Errorf("SaveDraft(stale revision) = %v, want ErrStaleVersion", err)
			}
			v, err := rw.recipes.SaveDraft(rw.ctx, recipe.DraftInput{VersionID: v1.ID, Revision: 1, Content: edit, Reason: "rye allowed"})
			if err != nil {
				t.Fatalf("SaveDraft: %v", err)
			}
			if v.Revision != 2 || v.ContentHash == v1.ContentHash || v.ContentHash != recipe.ContentHash(v) {
				t.Errorf("saved draft: revision %d, hash changed %v; want 2 and a new hash of the content", v.Revision, v.ContentHash != v1.ContentHash)
			}
			stored, _ := rw.recipes.Version(rw.ctx, v1.ID)
			if !slices.Equal(stored.Ingredients[0].Substitutes, []forkline.ID{b.rye.ID}) || stored.Revision != 2 {
				t.Errorf("stored draft: substitutes %v, revision %d; want rye, 2", stored.Ingredients[0].Substitutes, stored.Revision)
			}
			v1 = stored
		})

		t.Run("approval needs the meaning, the password and the draft the signer saw", func(t *testing.T) {
			before := auditCount(t, db)
			for _, tc := range []struct {
				name string
				in   recipe.ApproveInput
				code forkline.Code
				msg  string
			}{
				{"no meaning", recipe.ApproveInput{VersionID: v1.ID, Revision: 2, Password: quinnPassword}, forkline.Invalid, "state the meaning"},
				{"no password", recipe.ApproveInput{VersionID: v1.ID, Revision: 2, Meaning: "approved"}, forkline.Invalid, "re-enter your password"},
				{"a wrong password", recipe.ApproveInput{VersionID: v1.ID, Revision: 2, Password: "guess", Meaning: "approved"}, forkline.Unauthorized, "password is wrong"},
				{"an older revision", recipe.ApproveInput{VersionID: v1.ID, Revision: 1, Password: quinnPassword, Meaning: "approved"}, forkline.Conflict, "changed since you reviewed it"},
			} {
				_, err := rw.recipes.Approve(rw.ctx, tc.in)
				if forkline.ErrorCode(err) != tc.code || !strings.Contains(forkline.ErrorMessage(err), tc.msg) {
					t.Errorf("Approve(%s) = %v, want %s containing %q", tc.name, err, tc.code, tc.msg)
				}
			}
			if after := auditCount(t, db); after != before {
				t.Errorf("refused approvals wrote %d audit entries, want none", after-before)
			}
		})

		t.Run("approval is refused while the product does not declare every allergen", func(t *testing.T) {
			// Bread stops declaring gluten, which the rye substitute carries.
			bread := b.bread
			bread.Allergens = []plant.Allergen{plant.Wheat}
			if _, err := rw.svc.Items.Update(rw.ctx, bread, "label review"); err != nil {
				t.Fatalf("update bread: %v", err)
			}
			_, err := rw.recipes.Approve(rw.ctx, recipe.ApproveInput{VersionID: v1.ID, Revision: 2, Password: quinnPassword, Meaning: "approved"})
			if !errors.Is(err, recipe.ErrUndeclaredAllergens) || !strings.Contains(forkline.ErrorMessage(err), "BREAD does not declare gluten") {
				t.Errorf("Approve(undeclared gluten) = %v, want invalid naming gluten", err)
			}
			d, err := rw.recipes.Detail(rw.ctx, v1.ID)
			if err != nil || !slices.Equal(d.Allergens, []string{"gluten", "wheat"}) || !slices.Equal(d.Undeclared, []string{"gluten"}) {
				t.Errorf("Detail() allergens %v, undeclared %v, %v; want [gluten wheat], [gluten]", d.Allergens, d.Undeclared, err)
			}
			bread, _ = rw.svc.Items.Find(rw.ctx, bread.ID)
			bread.Allergens = []plant.Allergen{plant.Gluten, plant.Wheat}
			if _, err := rw.svc.Items.Update(rw.ctx, bread, "label declares gluten"); err != nil {
				t.Fatalf("update bread: %v", err)
			}
		})

		var approved recipe.Version
		t.Run("approval signs the version with who, when, meaning and content hash", func(t *testing.T) {
			c.Advance(time.Hour)
			v, err := rw.recipes.Approve(rw.ctx, recipe.ApproveInput{VersionID: v1.ID, Revision: 2, Password: quinnPassword, Meaning: " approved "})
			if err != nil {
				t.Fatalf("Approve: %v", err)
			}
			stored, _ := rw.recipes.Version(rw.ctx, v1.ID)
			sig := stored.Signature
			if stored.Status != recipe.Approved || sig == nil {
				t.Fatalf("approved version = %s, signature %v; want approved and signed", stored.Status, sig)
			}
			want := recipe.Signature{ID: sig.ID, SignerID: rw.quinn.ID, SignerName: "quinn", Meaning: "approved", SignedAt: c.Now(), ContentHash: recipe.ContentHash(stored)}
			if diff := cmp.Diff(want, *sig); diff != "" {
				t.Errorf("signature mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(v, stored, quantityEq); diff != "" {
				t.Errorf("Approve() result differs from the stored version (-returned +stored):\n%s", diff)
			}
			if r := recipe.Verify(stored); !r.Intact {
				t.Errorf("Verify(approved) = %+v, want intact", r)
			}
			e := history(t, db, "recipe_version", v1.ID)[0]
			if e.Action != "approve" || e.Reason != `signed by quinn, meaning "approved"` {
				t.Errorf("audit entry = %s %q, want approve, signed by quinn", e.Action, e.Reason)
			}
			approved = stored
		})

		t.Run("an approved version is never edited", func(t *testing.T) {
			_, err := rw.recipes.SaveDraft(rw.ctx, recipe.DraftInput{VersionID: approved.ID, Revision: approved.Revision, Content: approved.Content.Clone()})
			if !errors.Is(err, recipe.ErrNotDraft) {
				t.Errorf("SaveDraft(approved) = %v, want ErrNotDraft", err)
			}
			_, err = rw.recipes.Approve(rw.ctx, recipe.ApproveInput{VersionID: approved.ID, Revision: approved.Revision, Password: quinnPassword, Meaning: "approved"})
			if forkline.ErrorCode(err) != forkline.Conflict {
				t.Errorf("Approve(approved) = %v, want a conflict", err)
			}
		})

		var v2 recipe.Version
		t.Run("a new version is a draft copy of the approved one", func(t *testing.T) {
			var err error
			v2, err = rw.recipes.NewVersion(rw.ctx, r.ID, "less salt")
			if err != nil {
				t.Fatalf("NewVersion: %v", err)
			}
			if v2.Number != 2 || v2.Status != recipe.Draft || v2.ID == approved.ID {
				t.Errorf("new version = number %d, %s; want 2, draft", v2.Number, v2.Status)
			}
			if diff := cmp.Diff(approved.Content, v2.Content, quantityEq); diff != "" {
				t.Errorf("new version's content differs from the approved one (-approved +new):\n%s", diff)
			}
			if v2.ContentHash == approved.ContentHash {
				t.Errorf("new version has the approved version's hash: the hash must bind the version's identity")
			}
			if _, err := rw.recipes.NewVersion(rw.ctx, r.ID, ""); forkline.ErrorCode(err) != forkline.Conflict || !strings.Contains(forkline.ErrorMessage(err), "already has a draft, version 2") {
				t.Errorf("NewVersion(with a draft) = %v, want a conflict naming version 2", err)
			}
		})

		t.Run("approving the new version makes the old one obsolete", func(t *testing.T) {
			edit := v2.Content.Clone()
			edit.Ingredients[2].Quantity = qty("1800 g")
			v2, err = rw.recipes.SaveDraft(rw.ctx, recipe.DraftInput{VersionID: v2.ID, Revision: v2.Revision, Content: edit})
			if err != nil {
				t.Fatalf("SaveDraft: %v", err)
			}
			if _, err := rw.recipes.Approve(rw.ctx, recipe.ApproveInput{VersionID: v2.ID, Revision: v2.Revision, Password: samPassword, Meaning: "approved"}); err != nil {
				t.Fatalf("Approve v2: %v", err)
			}
			got, err := rw.recipes.Recipe(rw.ctx, r.ID)
			if err != nil {
				t.Fatalf("Recipe: %v", err)
			}
			var st []string
			for _, v := range got.Versions {
				st = append(st, string(v.Status))
			}
			if want := []string{"obsolete", "approved"}; !slices.Equal(st, want) {
				t.Errorf("versions = %v, want %v", st, want)
			}
			if cur, ok := got.Current(); !ok || cur.ID != v2.ID || cur.Signature.SignerName != "sam" {
				t.Errorf("Current() = %v, %v; want version 2 signed by sam", cur.Number, ok)
			}
			if old := got.Versions[0]; old.Signature == nil || recipe.Verify(old).Intact != true {
				t.Errorf("the obsolete version keeps its signature and verifies: %+v", recipe.Verify(old))
			}
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: "obsolete", Entity: "recipe_version", EntityID: approved.ID, SiteID: rw.site,
				Reason: "replaced by version 2", Before: map[string]any{"Number": 1, "Status": "approved"}, After: map[string]any{"Number": 1, "Status": "obsolete"}})
		})

		t.Run("scaling reads the version", func(t *testing.T) {
			ss, err := rw.recipes.Scale(rw.ctx, v2.ID, qty("250 kg"))
			if err != nil {
				t.Fatalf("Scale: %v", err)
			}
			var got []string
			for _, s := range ss {
				got = append(got, s.Target.String()+" "+s.Min.String()+".."+s.Max.String())
			}
			if want := []string{"150 kg 147 kg..153 kg", "100 kg 99 kg..101 kg", "4500 g 4275 g..4725 g"}; !slices.Equal(got, want) {
				t.Errorf("Scale(250 kg) = %v, want %v", got, want)
			}
		})

		t.Run("lists show each recipe with its versions", func(t *testing.T) {
			rs, err := rw.recipes.Recipes(rw.ctx, recipe.Filter{Search: "bread"})
			if err != nil || len(rs) != 1 || len(rs[0].Versions) != 2 {
				t.Fatalf("Recipes(bread) = %v, %v; want one recipe with two versions", rs, err)
			}
		})
		auditCount(t, db)
	})
}

// TestRecipeSigners checks who may sign: a user signs only for themselves,
// needs the permission, and an API token never signs.
func TestRecipeSigners(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		rw := newRecipeWorld(t, db, c)
		r, err := rw.recipes.Create(rw.ctx, recipe.CreateInput{SiteID: rw.site, ItemID: rw.b.bread.ID, Code: "R-1", Name: "Bread", Content: rw.breadContent()})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		in := recipe.ApproveInput{VersionID: r.Versions[0].ID, Revision: 1, Password: quinnPassword, Meaning: "approved"}
		as := func(a forkline.Actor) context.Context { return forkline.WithActor(context.Background(), a) }
		operator := forkline.Actor{Kind: forkline.ActorUser, ID: rw.ids.New(), Name: "olga", Grants: []forkline.Grant{{SiteID: rw.site, Role: forkline.RoleOperator}}}
		token := forkline.Actor{Kind: forkline.ActorToken, ID: rw.ids.New(), Name: "erp", Grants: []forkline.Grant{{SiteID: rw.site, Role: forkline.RoleIntegration}}}
		for _, tc := range []struct {
			name string
			ctx  context.Context
			code forkline.Code
		}{
			{"no one signed in", context.Background(), forkline.Unauthorized},
			{"an operator", as(operator), forkline.Forbidden},
			{"an API token", as(token), forkline.Forbidden},
		} {
			if _, err := rw.recipes.Approve(tc.ctx, in); forkline.ErrorCode(err) != tc.code {
				t.Errorf("Approve as %s = %v, want %s", tc.name, err, tc.code)
			}
		}
		if !forkline.RoleQuality.Has(recipe.PermApprove) {
			t.Fatalf("actor.go does not grant %s to quality", recipe.PermApprove)
		}
		if _, err := rw.recipes.Approve(as(rw.quinn), recipe.ApproveInput{VersionID: in.VersionID, Revision: 1, Password: samPassword, Meaning: "approved"}); forkline.ErrorCode(err) != forkline.Forbidden {
			t.Errorf("Approve as quinn with sam's password = %v, want forbidden", err)
		}
		v, err := rw.recipes.Approve(as(rw.quinn), in)
		if err != nil || v.Signature.SignerID != rw.quinn.ID {
			t.Errorf("Approve as quinn = %v, %v; want signed by quinn", v.Signature, err)
		}
	})
}
