package storetest_test

import (
	"slices"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

func TestTheAdministratorWhoAddsASiteAdministersIt(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		as := w.auth()
		admin, err := as.CreateUser(w.ctx, "ada", "Ada Admin", "long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if admin, err = as.SetRole(w.ctx, admin.ID, forkline.Grant{SiteID: w.siteA.ID, Role: forkline.RoleAdmin}, true, "", w.siteExists); err != nil {
			t.Fatal(err)
		}
		ctx := forkline.WithActor(w.ctx, admin.Actor())
		site, err := w.svc.Sites.Create(ctx, plant.Site{Record: plant.Record{Code: "NEW", Name: "New plant"}, TimeZone: "Europe/Paris"}, "expansion")
		if err != nil {
			t.Fatal(err)
		}
		got, err := as.User(w.ctx, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(got.Grants, forkline.Grant{SiteID: site.ID, Role: forkline.RoleAdmin}) {
			t.Errorf("grants after adding a site = %v, want admin on it", got.Grants)
		}
		if h := history(t, db, "user", admin.ID); len(h) == 0 || h[0].Action != "grant" || h[0].SiteID != site.ID {
			t.Errorf("the grant is not audited: %+v", h)
		}
		// The system actor (CLI) adds sites without granting anyone.
		if _, err := w.svc.Sites.Create(w.ctx, plant.Site{Record: plant.Record{Code: "CLI", Name: "By the CLI"}, TimeZone: "UTC"}, ""); err != nil {
			t.Fatal(err)
		}
		// A site that cannot be created grants nothing.
		if _, err := w.svc.Sites.Create(ctx, plant.Site{Record: plant.Record{Code: "NEW", Name: "Duplicate"}, TimeZone: "UTC"}, ""); forkline.ErrorCode(err) != forkline.Conflict {
			t.Errorf("duplicate site code = %v, want conflict", err)
		}
		if got, _ := as.User(w.ctx, admin.ID); len(got.Grants) != 2 {
			t.Errorf("grants = %v, want exactly the two", got.Grants)
		}
	})
}
