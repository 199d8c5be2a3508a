package storetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

func TestOperatorsSignInWithABadgeAndPIN(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		as := w.auth()
		sam, err := as.CreateUser(w.ctx, "op.sam", "Sam Okafor", "long enough password")
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []struct{ badge, pin string }{{"B 1", "1234"}, {"B-1", "12"}, {"B-1", "12ab"}, {"B-1", "123456789"}} {
			if _, err := as.SetBadge(w.ctx, sam.ID, bad.badge, bad.pin, ""); forkline.ErrorCode(err) != forkline.Invalid {
				t.Errorf("SetBadge(%q, %q) = %v, want invalid", bad.badge, bad.pin, err)
			}
		}
		if _, err := as.SetBadge(w.ctx, sam.ID, "B-1047", "4821", "new starter"); err != nil {
			t.Fatal(err)
		}
		ana, _ := as.CreateUser(w.ctx, "op.ana", "Ana", "long enough password")
		if _, err := as.SetBadge(w.ctx, ana.ID, "B-1047", "1111", ""); forkline.ErrorCode(err) != forkline.Conflict {
			t.Errorf("a badge given twice = %v, want conflict", err)
		}
		secret, u, err := as.LoginBadge(context.Background(), "B-1047", "4821")
		if err != nil || u.ID != sam.ID {
			t.Fatalf("LoginBadge = %v, %v", u.Username, err)
		}
		if a, _, err := as.ActorForSession(context.Background(), secret); err != nil || a.Name != "op.sam" {
			t.Errorf("the badge session acts as %v, %v", a.Name, err)
		}
		if _, _, err := as.LoginBadge(context.Background(), "B-9999", "4821"); err != auth.ErrBadBadge {
			t.Errorf("an unknown badge = %v, want ErrBadBadge", err)
		}
		for range auth.MaxFailures {
			if _, _, err := as.LoginBadge(context.Background(), "B-1047", "0000"); err != auth.ErrBadBadge {
				t.Fatalf("a wrong PIN = %v", err)
			}
		}
		if _, _, err := as.LoginBadge(context.Background(), "B-1047", "4821"); forkline.ErrorCode(err) != forkline.Unavailable {
			t.Errorf("the right PIN after %d wrong ones = %v, want locked", auth.MaxFailures, err)
		}
		c.Advance(auth.FirstLock + time.Second)
		if _, _, err := as.LoginBadge(context.Background(), "B-1047", "4821"); err != nil {
			t.Errorf("after the lock ends = %v", err)
		}
		if _, err := as.SetBadge(w.ctx, sam.ID, "", "", "left the company"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := as.LoginBadge(context.Background(), "B-1047", "4821"); err != auth.ErrBadBadge {
			t.Errorf("a removed badge = %v, want ErrBadBadge", err)
		}
	})
}

func TestASignatureNeedsThePasswordAgain(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		as := w.auth()
		q, err := as.CreateUser(w.ctx, "qa.quinn", "Quinn", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		ctx := forkline.WithActor(context.Background(), q.Actor())
		if a, err := as.Reauthenticate(ctx, "correct horse battery"); err != nil || a.ID != q.ID {
			t.Errorf("Reauthenticate with the right password = %v, %v", a.Name, err)
		}
		if _, err := as.Reauthenticate(ctx, "wrong"); forkline.ErrorCode(err) != forkline.Unauthorized {
			t.Errorf("Reauthenticate with a wrong password = %v, want unauthorized", err)
		}
		tok := forkline.WithActor(context.Background(), forkline.Actor{Kind: forkline.ActorToken, ID: "x", Name: "token:ERP"})
		if _, err := as.Reauthenticate(tok, "anything"); forkline.ErrorCode(err) != forkline.Forbidden {
			t.Errorf("a token signing = %v, want forbidden", err)
		}
	})
}
