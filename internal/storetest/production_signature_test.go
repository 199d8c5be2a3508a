package storetest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

// releasedBatch runs a bread order to a released batch record.
func releasedBatch(t *testing.T, pw *prodWorld) production.Order {
	t.Helper()
	b := pw.b
	o := pw.running(t, "PO-R1", b.bread, pw.newLine(t), "100 kg")
	pw.mustAdd(t, o, pw.lot(t, b.flour, "60 kg", date(6, 1)), "60 kg")
	pw.mustAdd(t, o, pw.lot(t, b.water, "40 kg", date(6, 1)), "40 kg")
	pw.mustAdd(t, o, pw.lot(t, b.salt, "2000 g", time.Time{}), "2000 g")
	for _, r := range []production.ReadingInput{{OrderID: o.ID, Step: 1, Parameter: "Mixing time", Value: 8_000_000}, {OrderID: o.ID, Step: 2, Parameter: "Core temperature", Value: 96_000_000}} {
		if _, _, err := pw.prod.RecordParameter(pw.ctx, r); err != nil {
			t.Fatalf("RecordParameter: %v", err)
		}
	}
	if _, err := pw.prod.RecordOutput(pw.ctx, production.OutputInput{OrderID: o.ID, LocationID: pw.cooler, Quantity: qty("97 kg")}); err != nil {
		t.Fatalf("RecordOutput: %v", err)
	}
	o = pw.move(t, o, production.Completed)
	if _, err := pw.prod.ReleaseBatch(pw.ctx, production.ReleaseInput{OrderID: o.ID, Password: quinnPassword, Meaning: production.MeaningReleased}); err != nil {
		t.Fatalf("ReleaseBatch: %v", err)
	}
	return o
}

// TestBatchReleaseTamper changes a released batch record in SQL and checks
// on every engine that its release signature no longer verifies.
func TestBatchReleaseTamper(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, sql string }{
		{"an added quantity", `UPDATE material_additions SET qty = qty - 1000000 WHERE order_id = '{o}'`},
		{"a reading", `UPDATE process_readings SET value = 91000000 WHERE order_id = '{o}' AND ccp = TRUE`},
		{"an output", `UPDATE order_outputs SET qty = 99000000 WHERE order_id = '{o}'`},
		{"the yield", `UPDATE production_orders SET yield_pct = '99.0' WHERE id = '{o}'`},
	}
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name+" changed after the release is detected", func(t *testing.T) {
					c := storetest.NewClock(start)
					dsn := e.DSN(t)
					pw := newProdWorld(t, openAt(t, dsn, c), c)
					o := releasedBatch(t, pw)
					if ok, err := pw.prod.VerifyRelease(pw.ctx, o.ID); !ok || err != nil {
						t.Fatalf("VerifyRelease before tampering = %v, %v; want true", ok, err)
					}
					if _, err := openRaw(t, e.Name, dsn).ExecContext(context.Background(), strings.ReplaceAll(tc.sql, "{o}", o.ID)); err != nil {
						t.Fatalf("tamper: %v", err)
					}
					if ok, err := pw.prod.VerifyRelease(pw.ctx, o.ID); ok || err != nil {
						t.Errorf("VerifyRelease after changing %s = %v, %v; want false", tc.name, ok, err)
					}
				})
			}
		})
	}
}

// TestProductionRoles checks who may do what at the line once actor.go
// grants the production permissions: operators add material but do not
// override, supervisors override with a reason, quality releases.
func TestProductionRoles(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		pw := newProdWorld(t, db, c)
		b := pw.b
		o := pw.running(t, "PO-1", b.bread, pw.newLine(t), "100 kg")
		flour := pw.lot(t, b.flour, "100 kg", date(6, 1))
		operator := pw.user("olga", pw.site, forkline.RoleOperator)
		in := production.AdditionInput{OrderID: o.ID, LotID: flour.ID, LocationID: pw.cooler, Quantity: qty("62 kg"), OverrideReason: "I think it is fine"}
		if _, err := pw.prod.AddMaterial(forkline.WithActor(context.Background(), forkline.Actor{Kind: forkline.ActorUser, ID: pw.ids.New(), Name: "nobody"}), in); forkline.ErrorCode(err) != forkline.Forbidden {
			t.Errorf("AddMaterial by someone without a role = %v, want forbidden", err)
		}
		if !forkline.RoleOperator.Has(production.PermExecute) || !forkline.RoleSupervisor.Has(production.PermOverride) {
			t.Fatalf("actor.go does not grant production.execute to operators and production.override to supervisors")
		}
		if _, err := pw.prod.AddMaterial(operator, in); forkline.ErrorCode(err) != forkline.Forbidden || !strings.Contains(forkline.ErrorMessage(err), "Only a supervisor") {
			t.Errorf("override by an operator = %v, want forbidden", err)
		}
		supervisor := forkline.WithActor(context.Background(), pw.sam)
		a, err := pw.prod.AddMaterial(supervisor, in)
		if err != nil || a.Overrides[0].ActorName != "sam" {
			t.Errorf("override by a supervisor = %+v, %v; want recorded as sam", a.Overrides, err)
		}
	})
}
