package storetest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/storetest"
)

// TestRecipeSignatureTamper changes an approved recipe version in SQL, as
// someone with database access could, and checks on every engine that
// verification detects it and that production refuses to release or run
// an order on it.
func TestRecipeSignatureTamper(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		sql  []string // {v} is the version's ID
	}{
		{"an ingredient quantity raised by one milligram", []string{`UPDATE recipe_ingredients SET qty = qty + 1 WHERE version_id = '{v}' AND position = 0`}},
		{"a CCP flag cleared", []string{`UPDATE recipe_parameters SET ccp = FALSE WHERE version_id = '{v}' AND ccp = TRUE`}},
		{"a critical limit widened", []string{`UPDATE recipe_parameters SET min_value = 80000000 WHERE version_id = '{v}' AND ccp = TRUE`}},
		{"a substitute added", []string{`INSERT INTO recipe_substitutes (version_id, ingredient, position, item_id)
			SELECT '{v}', 1, 0, item_id FROM recipe_ingredients WHERE version_id = '{v}' AND position = 2`}},
		{"an instruction and the stored hash rewritten", []string{
			`UPDATE recipe_steps SET instruction = 'Bake briefly' WHERE version_id = '{v}' AND position = 1`,
			`UPDATE recipe_versions SET content_hash = 'forged' WHERE id = '{v}'`}},
		{"the signature's hash rewritten", []string{`UPDATE electronic_signatures SET content_hash = 'forged' WHERE entity_id = '{v}'`}},
	}
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name+" is detected", func(t *testing.T) {
					c := storetest.NewClock(start)
					dsn := e.DSN(t)
					pw := newProdWorld(t, openAt(t, dsn, c), c)
					line := pw.newLine(t)
					running := pw.move(t, pw.order(t, "PO-1", pw.b.bread, line, "100 kg", 0), production.Released)
					planned := pw.order(t, "PO-2", pw.b.bread, pw.newLine(t), "100 kg", 1)
					if r, err := pw.recipes.Verify(pw.ctx, pw.bread.ID); err != nil || !r.Intact {
						t.Fatalf("Verify before tampering = %+v, %v; want intact", r, err)
					}

					raw := openRaw(t, e.Name, dsn)
					for _, q := range tc.sql {
						if _, err := raw.ExecContext(context.Background(), strings.ReplaceAll(q, "{v}", pw.bread.ID)); err != nil {
							t.Fatalf("tamper %q: %v", q, err)
						}
					}

					r, err := pw.recipes.Verify(pw.ctx, pw.bread.ID)
					if err != nil {
						t.Fatalf("Verify: %v", err)
					}
					if r.Intact || !strings.Contains(r.Problem, "was changed after quinn signed it") {
						t.Errorf("Verify after tampering = intact %v, %q; want a change after quinn's signature", r.Intact, r.Problem)
					}
					_, err = pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: planned.ID, To: production.Released})
					if forkline.ErrorCode(err) != forkline.Conflict || !strings.Contains(forkline.ErrorMessage(err), "no longer matches its approval signature") {
						t.Errorf("releasing an order on the changed version = %v, want a conflict", err)
					}
					if tc.name != "the signature's hash rewritten" {
						// The content changed since the order froze it.
						_, err = pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: running.ID, To: production.InProgress})
						if !errors.Is(err, production.ErrRecipeChanged) {
							t.Errorf("starting an order released before the change = %v, want ErrRecipeChanged", err)
						}
						rec, err := pw.prod.BatchRecord(pw.ctx, running.ID)
						if err != nil || rec.RecipeFresh || rec.Exceptions[0].Kind != production.ExceptionRecipeChanged {
							t.Errorf("BatchRecord() = fresh %v, first exception %v, %v; want the changed recipe first", rec.RecipeFresh, rec.Exceptions, err)
						}
					}
				})
			}
		})
	}
}
