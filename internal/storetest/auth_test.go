package storetest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Every test here hashes passwords with cheapHash: argon2id at its real
// cost would make the suite slow, and the cost is not what is under test.

const alicePassword = "correct horse battery staple"

// newUser creates a user as the system and returns it.
func newUser(t *testing.T, w *world, a *auth.Service, username string) auth.User {
	t.Helper()
	u, err := a.CreateUser(w.ctx, username, "User "+username, alicePassword)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", username, err)
	}
	return u
}

// login signs in and fails t on any error.
func login(t *testing.T, a *auth.Service, username, password string) string {
	t.Helper()
	secret, _, err := a.Login(context.Background(), username, password)
	if err != nil {
		t.Fatalf("Login(%s): %v", username, err)
	}
	return secret
}

// sessionWorks reports whether the session secret still signs a request in.
func sessionWorks(t *testing.T, a *auth.Service, secret string) bool {
	t.Helper()
	_, _, err := a.ActorForSession(context.Background(), secret)
	if err != nil && !errors.Is(err, forkline.ErrUnauthenticated) {
		t.Fatalf("ActorForSession error = %v, want nil or %v", err, forkline.ErrUnauthenticated)
	}
	return err == nil
}

func TestAuthUsers(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		a := w.auth()

		alice, err := a.CreateUser(w.ctx, "  Alice ", " Alice Smith ", alicePassword)
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}

		t.Run("a created user is found by ID, by name and in the list", func(t *testing.T) {
			want := auth.User{ID: alice.ID, Username: "alice", DisplayName: "Alice Smith", Active: true, Version: 1, CreatedAt: c.Now(), UpdatedAt: c.Now()}
			if diff := cmp.Diff(want, alice); diff != "" {
				t.Errorf("CreateUser mismatch (-want +got):\n%s", diff)
			}
			byID, err := a.User(w.ctx, alice.ID)
			if err != nil {
				t.Fatalf("User: %v", err)
			}
			if diff := cmp.Diff(want, byID); diff != "" {
				t.Errorf("User mismatch (-want +got):\n%s", diff)
			}
			byName, err := a.FindUserByUsername(w.ctx, " ALICE")
			if err != nil {
				t.Fatalf("FindUserByUsername: %v", err)
			}
			if diff := cmp.Diff(want, byName); diff != "" {
				t.Errorf("FindUserByUsername mismatch (-want +got):\n%s", diff)
			}
			users, err := a.Users(w.ctx)
			if err != nil {
				t.Fatalf("Users: %v", err)
			}
			if diff := cmp.Diff([]auth.User{want}, users); diff != "" {
				t.Errorf("Users mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("the audit entry of a new user holds no password hash", func(t *testing.T) {
			e := checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Create, Entity: "user", EntityID: alice.ID,
				After: map[string]any{"Username": "alice", "DisplayName": "Alice Smith", "Active": true, "Grants": nil}})
			if strings.Contains(e.After, "argon2") || strings.Contains(e.After, alicePassword) {
				t.Errorf("audit After = %s, want no password or hash in it", e.After)
			}
		})

		t.Run("a taken username is a conflict, whatever its case", func(t *testing.T) {
			n := auditCount(t, db)
			for _, name := range []string{"alice", "ALICE"} {
				_, err := a.CreateUser(w.ctx, name, "Another Alice", alicePassword)
				if !errors.Is(err, forkline.ErrDuplicate) {
					t.Errorf("CreateUser(%q) error = %v, want %v", name, err, forkline.ErrDuplicate)
				}
			}
			if m := auditCount(t, db); m != n {
				t.Errorf("audit entries = %d after refused users, want %d", m, n)
			}
		})

		t.Run("an invalid user is refused with every problem", func(t *testing.T) {
			_, err := a.CreateUser(w.ctx, "Bad Name!", " ", "short")
			wantCode(t, "CreateUser", err, forkline.Invalid)
			if diff := cmp.Diff([]string{"username", "displayName", "password"}, fieldNames(err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("an unknown user is not found", func(t *testing.T) {
			for _, id := range []string{w.ids.New(), "nobody"} {
				if _, err := a.User(w.ctx, id); !errors.Is(err, forkline.ErrNotFound) {
					t.Errorf("User(%q) error = %v, want %v", id, err, forkline.ErrNotFound)
				}
			}
			if _, err := a.FindUserByUsername(w.ctx, "nobody"); forkline.ErrorCode(err) != forkline.NotFound {
				t.Errorf("FindUserByUsername(nobody) error = %v, want not found", err)
			}
		})

		t.Run("only a user manager manages users", func(t *testing.T) {
			planner := forkline.WithActor(context.Background(), forkline.Actor{Kind: forkline.ActorUser, ID: w.ids.New(), Name: "pl",
				Grants: []forkline.Grant{{SiteID: w.siteA.ID, Role: forkline.RolePlanner}}})
			if _, err := a.CreateUser(planner, "bob", "Bob", alicePassword); !errors.Is(err, forkline.ErrForbidden) {
				t.Errorf("CreateUser by a planner error = %v, want %v", err, forkline.ErrForbidden)
			}
			if _, err := a.Users(planner); !errors.Is(err, forkline.ErrForbidden) {
				t.Errorf("Users by a planner error = %v, want %v", err, forkline.ErrForbidden)
			}
			if _, err := a.User(planner, alice.ID); !errors.Is(err, forkline.ErrForbidden) {
				t.Errorf("User(alice) by a planner error = %v, want %v", err, forkline.ErrForbidden)
			}
			self := forkline.WithActor(context.Background(), alice.Actor())
			if u, err := a.User(self, alice.ID); err != nil || u.ID != alice.ID {
				t.Errorf("User(alice) by alice = %v, %v, want alice", u.ID, err)
			}
		})
	})
}

func TestAuthLogin(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		a := w.auth()
		alice := newUser(t, w, a, "alice")

		t.Run("a right password starts a session that signs requests in", func(t *testing.T) {
			secret, u, err := a.Login(context.Background(), "Alice", alicePassword)
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if u.ID != alice.ID || secret == "" {
				t.Fatalf("Login = %q, user %s, want a secret and alice (%s)", secret, u.ID, alice.ID)
			}
			actor, su, err := a.ActorForSession(context.Background(), secret)
			if err != nil {
				t.Fatalf("ActorForSession: %v", err)
			}
			want := forkline.Actor{Kind: forkline.ActorUser, ID: alice.ID, Name: "alice"}
			if diff := cmp.Diff(want, actor); diff != "" {
				t.Errorf("ActorForSession actor mismatch (-want +got):\n%s", diff)
			}
			if su.ID != alice.ID {
				t.Errorf("ActorForSession user = %s, want %s", su.ID, alice.ID)
			}
		})

		t.Run("a wrong password or an unknown user gives one answer", func(t *testing.T) {
			for _, tc := range []struct{ user, pw string }{{"alice", "wrong password!"}, {"mallory", alicePassword}, {"", ""}} {
				secret, _, err := a.Login(context.Background(), tc.user, tc.pw)
				if !errors.Is(err, auth.ErrBadCredentials) || secret != "" {
					t.Errorf("Login(%q, %q) = %q, %v, want \"\", %v", tc.user, tc.pw, secret, err, auth.ErrBadCredentials)
				}
			}
			login(t, a, "alice", alicePassword) // resets the count for the tests below
		})

		t.Run("an unknown session secret signs nothing in", func(t *testing.T) {
			if sessionWorks(t, a, "made-up") {
				t.Errorf("ActorForSession(made-up) works, want unauthenticated")
			}
		})

		t.Run("a session ends at logout", func(t *testing.T) {
			secret := login(t, a, "alice", alicePassword)
			if err := a.Logout(context.Background(), secret); err != nil {
				t.Fatalf("Logout: %v", err)
			}
			if sessionWorks(t, a, secret) {
				t.Errorf("the session works after Logout")
			}
			if err := a.Logout(context.Background(), secret); err != nil {
				t.Errorf("Logout twice error = %v, want nil", err)
			}
		})

		t.Run("a session expires after the session TTL", func(t *testing.T) {
			secret := login(t, a, "alice", alicePassword)
			other := login(t, a, "alice", alicePassword)
			c.Advance(auth.SessionTTL - time.Second)
			if !sessionWorks(t, a, secret) {
				t.Fatalf("the session ended a second before its TTL")
			}
			c.Advance(time.Second)
			if sessionWorks(t, a, secret) || sessionWorks(t, a, other) {
				t.Errorf("the sessions work at their TTL, want them expired")
			}
			fresh := login(t, a, "alice", alicePassword)
			if !sessionWorks(t, a, fresh) {
				t.Errorf("a new session after expiry does not work")
			}
		})

		t.Run("the account locks after too many wrong passwords, even for the right one", func(t *testing.T) {
			for i := range auth.MaxFailures {
				if _, _, err := a.Login(context.Background(), "alice", "wrong password!"); !errors.Is(err, auth.ErrBadCredentials) {
					t.Fatalf("wrong password %d: error = %v, want %v", i+1, err, auth.ErrBadCredentials)
				}
			}
			_, _, err := a.Login(context.Background(), "alice", alicePassword)
			wantCode(t, "Login(right password, locked)", err, forkline.Unavailable)

			c.Advance(auth.FirstLock - time.Second)
			_, _, err = a.Login(context.Background(), "alice", alicePassword)
			wantCode(t, "Login(a second before the lock ends)", err, forkline.Unavailable)

			c.Advance(time.Second)
			// One more wrong password doubles the lock.
			if _, _, err := a.Login(context.Background(), "alice", "wrong password!"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("wrong password after the lock: error = %v, want %v", err, auth.ErrBadCredentials)
			}
			c.Advance(2*auth.FirstLock - time.Second)
			_, _, err = a.Login(context.Background(), "alice", alicePassword)
			wantCode(t, "Login(a second before the doubled lock ends)", err, forkline.Unavailable)

			c.Advance(time.Second)
			secret := login(t, a, "alice", alicePassword)
			if !sessionWorks(t, a, secret) {
				t.Errorf("the session after the lock does not work")
			}
			// The success reset the count: one wrong password no longer locks.
			if _, _, err := a.Login(context.Background(), "alice", "wrong password!"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("wrong password after a success: error = %v, want %v", err, auth.ErrBadCredentials)
			}
			login(t, a, "alice", alicePassword)
		})

		t.Run("the lock is stored with the user", func(t *testing.T) {
			for range auth.MaxFailures {
				a.Login(context.Background(), "alice", "wrong password!")
			}
			u, err := db.Auth().FindUserByID(context.Background(), alice.ID)
			if err != nil {
				t.Fatalf("FindUserByID: %v", err)
			}
			if u.FailedLogins != auth.MaxFailures || !u.LockedUntil.Equal(c.Now().Add(auth.FirstLock)) {
				t.Errorf("user = %d failures, locked until %v; want %d, %v", u.FailedLogins, u.LockedUntil, auth.MaxFailures, c.Now().Add(auth.FirstLock))
			}
			c.Advance(auth.FirstLock)
			login(t, a, "alice", alicePassword)
			u, err = db.Auth().FindUserByID(context.Background(), alice.ID)
			if err != nil {
				t.Fatalf("FindUserByID: %v", err)
			}
			if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
				t.Errorf("user after a success = %d failures, locked until %v; want 0, never", u.FailedLogins, u.LockedUntil)
			}
		})
	})
}

func TestAuthSessionsEnd(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		a := w.auth()

		t.Run("disabling a user ends every session of the user", func(t *testing.T) {
			u := newUser(t, w, a, "dave")
			s1, s2 := login(t, a, "dave", alicePassword), login(t, a, "dave", alicePassword)
			off, err := a.SetActive(w.ctx, u.ID, false, "left the company")
			if err != nil {
				t.Fatalf("SetActive(false): %v", err)
			}
			if off.Active || off.Version != 2 {
				t.Errorf("SetActive(false) = active %t, version %d, want false, 2", off.Active, off.Version)
			}
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Disable, Entity: "user", EntityID: u.ID, Reason: "left the company",
				Before: map[string]any{"Username": "dave", "DisplayName": "User dave", "Active": true, "Grants": nil},
				After:  map[string]any{"Username": "dave", "DisplayName": "User dave", "Active": false, "Grants": nil}})
			if sessionWorks(t, a, s1) || sessionWorks(t, a, s2) {
				t.Errorf("a session of a disabled user works")
			}
			_, _, err = a.Login(context.Background(), "dave", alicePassword)
			wantCode(t, "Login(disabled user)", err, forkline.Unauthorized)

			if _, err := a.SetActive(w.ctx, u.ID, true, "came back"); err != nil {
				t.Fatalf("SetActive(true): %v", err)
			}
			if sessionWorks(t, a, s1) {
				t.Errorf("an old session works again after the user is enabled")
			}
			if s := login(t, a, "dave", alicePassword); !sessionWorks(t, a, s) {
				t.Errorf("a new session of the enabled user does not work")
			}
		})

		t.Run("disabling needs a reason and not oneself", func(t *testing.T) {
			u := newUser(t, w, a, "erin")
			_, err := a.SetActive(w.ctx, u.ID, false, " ")
			wantCode(t, "SetActive without a reason", err, forkline.Invalid)
			self := forkline.WithActor(context.Background(), forkline.Actor{Kind: forkline.ActorUser, ID: u.ID, Name: "erin",
				Grants: []forkline.Grant{{SiteID: w.siteA.ID, Role: forkline.RoleAdmin}}})
			_, err = a.SetActive(self, u.ID, false, "oops")
			wantCode(t, "SetActive(self, false)", err, forkline.Conflict)
		})

		t.Run("a password reset ends every session and changes the password", func(t *testing.T) {
			u := newUser(t, w, a, "frank")
			s := login(t, a, "frank", alicePassword)
			if err := a.SetPassword(w.ctx, u.ID, "a brand new passphrase", ""); err != nil {
				t.Fatalf("SetPassword: %v", err)
			}
			if sessionWorks(t, a, s) {
				t.Errorf("a session from before the password reset works")
			}
			if _, _, err := a.Login(context.Background(), "frank", alicePassword); !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("Login(old password) error = %v, want %v", err, auth.ErrBadCredentials)
			}
			login(t, a, "frank", "a brand new passphrase")
			e := checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Update, Entity: "user", EntityID: u.ID, Reason: "password set",
				Before: map[string]any{"Username": "frank", "DisplayName": "User frank", "Active": true, "Grants": nil},
				After:  map[string]any{"Username": "frank", "DisplayName": "User frank", "Active": true, "Grants": nil}})
			if strings.Contains(e.After+e.Before, "argon2") {
				t.Errorf("the audit entry of a password reset holds a hash")
			}
		})

		t.Run("a password reset unlocks the account", func(t *testing.T) {
			u := newUser(t, w, a, "gina")
			for range auth.MaxFailures {
				a.Login(context.Background(), "gina", "wrong password!")
			}
			if err := a.SetPassword(w.ctx, u.ID, "another new passphrase", "locked out"); err != nil {
				t.Fatalf("SetPassword: %v", err)
			}
			login(t, a, "gina", "another new passphrase")
		})

		t.Run("a short password is refused", func(t *testing.T) {
			u := newUser(t, w, a, "hank")
			err := a.SetPassword(w.ctx, u.ID, "short", "")
			wantCode(t, "SetPassword(short)", err, forkline.Invalid)
			if diff := cmp.Diff([]string{"password"}, fieldNames(err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	})
}

func TestAuthRoles(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		a := w.auth()
		u := newUser(t, w, a, "ivy")
		secret := login(t, a, "ivy", alicePassword)
		planner := forkline.Grant{SiteID: w.siteA.ID, Role: forkline.RolePlanner}
		auditor := forkline.Grant{SiteID: w.siteB.ID, Role: forkline.RoleAuditor}

		t.Run("a granted role shows in the user and in a live session's actor", func(t *testing.T) {
			got, err := a.SetRole(w.ctx, u.ID, planner, true, "new planner", w.siteExists)
			if err != nil {
				t.Fatalf("SetRole(grant): %v", err)
			}
			if diff := cmp.Diff([]forkline.Grant{planner}, got.Grants); diff != "" {
				t.Errorf("SetRole grants mismatch (-want +got):\n%s", diff)
			}
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Grant, Entity: "user", EntityID: u.ID, SiteID: w.siteA.ID, Reason: "new planner",
				Before: map[string]any{"Username": "ivy", "DisplayName": "User ivy", "Active": true, "Grants": nil},
				After: map[string]any{"Username": "ivy", "DisplayName": "User ivy", "Active": true,
					"Grants": []any{map[string]any{"SiteID": w.siteA.ID, "Role": "planner"}}}})
			if _, err := a.SetRole(w.ctx, u.ID, auditor, true, "", w.siteExists); err != nil {
				t.Fatalf("SetRole(grant auditor): %v", err)
			}
			actor, _, err := a.ActorForSession(context.Background(), secret)
			if err != nil {
				t.Fatalf("ActorForSession: %v", err)
			}
			if diff := cmp.Diff([]forkline.Grant{planner, auditor}, actor.Grants, cmpopts.SortSlices(func(x, y forkline.Grant) bool { return x.SiteID+string(x.Role) < y.SiteID+string(y.Role) })); diff != "" {
				t.Errorf("session actor grants mismatch (-want +got):\n%s", diff)
			}
			if !actor.Can(forkline.PermMasterWrite, w.siteA.ID) || actor.Can(forkline.PermMasterWrite, w.siteB.ID) || !actor.Can(forkline.PermAuditRead, w.siteB.ID) {
				t.Errorf("the actor's permissions do not follow its grants: %v", actor.Grants)
			}
			stored, err := a.User(w.ctx, u.ID)
			if err != nil || len(stored.Grants) != 2 || stored.Version != 3 {
				t.Errorf("User = %d grants, version %d, %v; want 2, 3, nil", len(stored.Grants), stored.Version, err)
			}
		})

		t.Run("granting a held role changes nothing", func(t *testing.T) {
			n := auditCount(t, db)
			got, err := a.SetRole(w.ctx, u.ID, planner, true, "again", w.siteExists)
			if err != nil || len(got.Grants) != 2 || auditCount(t, db) != n {
				t.Errorf("SetRole(held role) = %d grants, %v, %d new audit entries; want 2, nil, none", len(got.Grants), err, auditCount(t, db)-n)
			}
		})

		t.Run("a revoked role is gone from the user and the session", func(t *testing.T) {
			got, err := a.SetRole(w.ctx, u.ID, planner, false, "moved to packing", w.siteExists)
			if err != nil {
				t.Fatalf("SetRole(revoke): %v", err)
			}
			if diff := cmp.Diff([]forkline.Grant{auditor}, got.Grants); diff != "" {
				t.Errorf("SetRole(revoke) grants mismatch (-want +got):\n%s", diff)
			}
			if e := history(t, db, "user", u.ID)[0]; e.Action != audit.Revoke || e.SiteID != w.siteA.ID {
				t.Errorf("newest audit entry = %s on %s, want revoke on %s", e.Action, e.SiteID, w.siteA.ID)
			}
			actor, _, err := a.ActorForSession(context.Background(), secret)
			if err != nil {
				t.Fatalf("ActorForSession: %v", err)
			}
			if actor.Can(forkline.PermMasterWrite, w.siteA.ID) {
				t.Errorf("the session still writes master data after the planner role was revoked")
			}
		})

		t.Run("a grant on an unknown site or of an unknown role is invalid", func(t *testing.T) {
			_, err := a.SetRole(w.ctx, u.ID, forkline.Grant{SiteID: w.ids.New(), Role: "owner"}, true, "", w.siteExists)
			wantCode(t, "SetRole", err, forkline.Invalid)
			if diff := cmp.Diff([]string{"role", "siteId"}, fieldNames(err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	})
}

func TestAuthTokens(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		a := w.auth()

		t.Run("a token's secret signs requests in as the token, on its site, in its role", func(t *testing.T) {
			tok, secret, err := a.CreateToken(w.ctx, " erp ", w.siteA.ID, forkline.RoleIntegration, 0, w.siteExists)
			if err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			if !strings.HasPrefix(secret, auth.TokenPrefix) || len(secret) < len(auth.TokenPrefix)+40 {
				t.Errorf("CreateToken secret = %q, want a long secret starting with %q", secret, auth.TokenPrefix)
			}
			want := auth.Token{ID: tok.ID, Name: "erp", SiteID: w.siteA.ID, Role: forkline.RoleIntegration, CreatedBy: "system", CreatedAt: c.Now()}
			if diff := cmp.Diff(want, tok); diff != "" {
				t.Errorf("CreateToken mismatch (-want +got):\n%s", diff)
			}
			e := checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Create, Entity: "token", EntityID: tok.ID, SiteID: w.siteA.ID, After: tok})
			if strings.Contains(e.After, secret) || strings.Contains(e.After, auth.HashSecret(secret)) {
				t.Errorf("the audit entry holds the token's secret or its hash: %s", e.After)
			}
			actor, err := a.ActorForToken(context.Background(), secret)
			if err != nil {
				t.Fatalf("ActorForToken: %v", err)
			}
			wantActor := forkline.Actor{Kind: forkline.ActorToken, ID: tok.ID, Name: "token:erp", Grants: []forkline.Grant{{SiteID: w.siteA.ID, Role: forkline.RoleIntegration}}}
			if diff := cmp.Diff(wantActor, actor); diff != "" {
				t.Errorf("ActorForToken mismatch (-want +got):\n%s", diff)
			}
			if _, err := a.ActorForToken(context.Background(), secret+"x"); !errors.Is(err, forkline.ErrUnauthenticated) {
				t.Errorf("ActorForToken(wrong secret) error = %v, want %v", err, forkline.ErrUnauthenticated)
			}
		})

		t.Run("an expired token is refused", func(t *testing.T) {
			_, secret, err := a.CreateToken(w.ctx, "scale", w.siteA.ID, forkline.RoleOperator, time.Hour, w.siteExists)
			if err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			c.Advance(time.Hour - time.Second)
			if _, err := a.ActorForToken(context.Background(), secret); err != nil {
				t.Fatalf("ActorForToken a second before expiry: %v", err)
			}
			c.Advance(time.Second)
			if _, err := a.ActorForToken(context.Background(), secret); !errors.Is(err, forkline.ErrUnauthenticated) {
				t.Errorf("ActorForToken at expiry error = %v, want %v", err, forkline.ErrUnauthenticated)
			}
			// A fresh service, with nothing cached, asks the store.
			if _, err := w.auth().ActorForToken(context.Background(), secret); !errors.Is(err, forkline.ErrUnauthenticated) {
				t.Errorf("ActorForToken at expiry, asking the store, error = %v, want %v", err, forkline.ErrUnauthenticated)
			}
		})

		t.Run("a revoked token is refused, and revoking it twice is a conflict", func(t *testing.T) {
			tok, secret, err := a.CreateToken(w.ctx, "mes-bridge", w.siteB.ID, forkline.RoleIntegration, 0, w.siteExists)
			if err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			if _, err := a.ActorForToken(context.Background(), secret); err != nil {
				t.Fatalf("ActorForToken: %v", err)
			}
			c.Advance(time.Minute)
			if err := a.RevokeToken(w.ctx, tok.ID, "leaked in a log"); err != nil {
				t.Fatalf("RevokeToken: %v", err)
			}
			if _, err := a.ActorForToken(context.Background(), secret); !errors.Is(err, forkline.ErrUnauthenticated) {
				t.Errorf("ActorForToken(revoked) error = %v, want %v", err, forkline.ErrUnauthenticated)
			}
			if _, err := w.auth().ActorForToken(context.Background(), secret); !errors.Is(err, forkline.ErrUnauthenticated) {
				t.Errorf("ActorForToken(revoked), asking the store, error = %v, want %v", err, forkline.ErrUnauthenticated)
			}
			revoked := tok
			revoked.RevokedAt = c.Now()
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Revoke, Entity: "token", EntityID: tok.ID, SiteID: w.siteB.ID,
				Reason: "leaked in a log", Before: tok, After: revoked})
			n := auditCount(t, db)
			wantCode(t, "RevokeToken(twice)", a.RevokeToken(w.ctx, tok.ID, "again"), forkline.Conflict)
			if m := auditCount(t, db); m != n {
				t.Errorf("audit entries = %d after a refused revocation, want %d", m, n)
			}
			if err := a.RevokeToken(w.ctx, w.ids.New(), "x"); !errors.Is(err, forkline.ErrNotFound) {
				t.Errorf("RevokeToken(unknown) error = %v, want %v", err, forkline.ErrNotFound)
			}
		})

		t.Run("tokens are listed newest first", func(t *testing.T) {
			c.Advance(time.Minute)
			newest, _, err := a.CreateToken(w.ctx, "newest", w.siteA.ID, forkline.RoleOperator, 0, w.siteExists)
			if err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			ts, err := a.Tokens(w.ctx)
			if err != nil {
				t.Fatalf("Tokens: %v", err)
			}
			var names []string
			for _, tk := range ts {
				names = append(names, tk.Name)
			}
			if diff := cmp.Diff([]string{"newest", "mes-bridge", "scale", "erp"}, names); diff != "" {
				t.Errorf("Tokens mismatch (-want +got):\n%s", diff)
			}
			if ts[0].ID != newest.ID || ts[1].RevokedAt.IsZero() {
				t.Errorf("Tokens()[0] = %s, [1] revoked at %v; want %s and a revocation time", ts[0].ID, ts[1].RevokedAt, newest.ID)
			}
		})

		t.Run("an invalid token is refused with every problem", func(t *testing.T) {
			_, _, err := a.CreateToken(w.ctx, "", w.ids.New(), "owner", -time.Hour, w.siteExists)
			wantCode(t, "CreateToken", err, forkline.Invalid)
			if diff := cmp.Diff([]string{"name", "role", "siteId", "ttl"}, fieldNames(err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("only a token manager of the site makes tokens", func(t *testing.T) {
			admin := forkline.WithActor(context.Background(), forkline.Actor{Kind: forkline.ActorUser, ID: w.ids.New(), Name: "adm",
				Grants: []forkline.Grant{{SiteID: w.siteA.ID, Role: forkline.RoleAdmin}}})
			if _, _, err := a.CreateToken(admin, "b", w.siteB.ID, forkline.RoleOperator, 0, w.siteExists); !errors.Is(err, forkline.ErrForbidden) {
				t.Errorf("CreateToken on another site error = %v, want %v", err, forkline.ErrForbidden)
			}
			tok, _, err := a.CreateToken(admin, "a", w.siteA.ID, forkline.RoleOperator, 0, w.siteExists)
			if err != nil {
				t.Fatalf("CreateToken on the admin's site: %v", err)
			}
			if tok.CreatedBy != "adm" {
				t.Errorf("CreatedBy = %q, want %q", tok.CreatedBy, "adm")
			}
			operator := forkline.WithActor(context.Background(), forkline.Actor{Kind: forkline.ActorUser, ID: w.ids.New(), Name: "op",
				Grants: []forkline.Grant{{SiteID: w.siteA.ID, Role: forkline.RoleOperator}}})
			if _, err := a.Tokens(operator); !errors.Is(err, forkline.ErrForbidden) {
				t.Errorf("Tokens by an operator error = %v, want %v", err, forkline.ErrForbidden)
			}
			if err := a.RevokeToken(operator, tok.ID, "x"); !errors.Is(err, forkline.ErrForbidden) {
				t.Errorf("RevokeToken by an operator error = %v, want %v", err, forkline.ErrForbidden)
			}
		})
	})
}

// TestAuthStore checks the answers of the auth store that the service
// never provokes, on every engine.
func TestAuthStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		a := w.auth()
		u := newUser(t, w, a, "jo")
		st := db.Auth()
		ctx := w.ctx

		t.Run("an update from a stale version is refused", func(t *testing.T) {
			changed := u
			changed.DisplayName, changed.Version = "Lost", 2
			err := st.UpdateUser(ctx, changed, 5, "", audit.Change{Action: audit.Update, Entity: "user", EntityID: u.ID})
			if !errors.Is(err, forkline.ErrStaleVersion) {
				t.Errorf("UpdateUser(stale) error = %v, want %v", err, forkline.ErrStaleVersion)
			}
			err = st.SetGrants(ctx, u.ID, 5, nil, audit.Change{Action: audit.Grant, Entity: "user", EntityID: u.ID})
			if !errors.Is(err, forkline.ErrStaleVersion) {
				t.Errorf("SetGrants(stale) error = %v, want %v", err, forkline.ErrStaleVersion)
			}
			got, err := st.FindUserByID(ctx, u.ID)
			if err != nil || got.DisplayName != u.DisplayName || got.Version != 1 {
				t.Errorf("FindUserByID = %q version %d, %v; want %q version 1", got.DisplayName, got.Version, err, u.DisplayName)
			}
		})

		t.Run("an unknown user is not found", func(t *testing.T) {
			ghost := auth.User{ID: w.ids.New(), Username: "ghost", DisplayName: "Ghost", Active: true, Version: 2}
			wantCode(t, "UpdateUser(unknown)", st.UpdateUser(ctx, ghost, 1, "", audit.Change{Action: audit.Update, Entity: "user", EntityID: ghost.ID}), forkline.NotFound)
			wantCode(t, "SetGrants(unknown)", st.SetGrants(ctx, ghost.ID, 1, nil, audit.Change{Action: audit.Grant, Entity: "user", EntityID: ghost.ID}), forkline.NotFound)
			_, err := st.FindUserByID(ctx, ghost.ID)
			wantCode(t, "FindUserByID(unknown)", err, forkline.NotFound)
			_, _, err = st.FindCredentials(ctx, "ghost")
			wantCode(t, "FindCredentials(unknown)", err, forkline.NotFound)
		})

		t.Run("a grant on a missing site is refused by the store", func(t *testing.T) {
			err := st.SetGrants(ctx, u.ID, 1, []forkline.Grant{{SiteID: w.ids.New(), Role: forkline.RoleAdmin}}, audit.Change{Action: audit.Grant, Entity: "user", EntityID: u.ID})
			wantCode(t, "SetGrants(missing site)", err, forkline.Invalid)
		})

		t.Run("sessions and tokens are found only by a live hash", func(t *testing.T) {
			_, err := st.FindSession(ctx, auth.HashSecret("nope"), c.Now())
			wantCode(t, "FindSession(unknown)", err, forkline.NotFound)
			if err := st.DeleteSession(ctx, auth.HashSecret("nope")); err != nil {
				t.Errorf("DeleteSession(unknown) error = %v, want nil", err)
			}
			_, err = st.FindTokenByHash(ctx, auth.HashSecret("nope"), c.Now())
			wantCode(t, "FindTokenByHash(unknown)", err, forkline.NotFound)
			err = st.RevokeToken(ctx, w.ids.New(), c.Now(), audit.Change{Action: audit.Revoke, Entity: "token"})
			wantCode(t, "RevokeToken(unknown)", err, forkline.NotFound)
		})

		t.Run("a session is stored by its hash and ends with its expiry", func(t *testing.T) {
			s := auth.Session{Hash: auth.HashSecret("cookie"), UserID: u.ID, CreatedAt: c.Now(), ExpiresAt: c.Now().Add(time.Hour)}
			if err := st.RecordLoginSuccess(ctx, s); err != nil {
				t.Fatalf("RecordLoginSuccess: %v", err)
			}
			got, err := st.FindSession(ctx, s.Hash, c.Now().Add(time.Hour-time.Microsecond))
			if err != nil || got.ID != u.ID {
				t.Errorf("FindSession before expiry = %s, %v, want %s", got.ID, err, u.ID)
			}
			_, err = st.FindSession(ctx, s.Hash, c.Now().Add(time.Hour))
			wantCode(t, "FindSession(at expiry)", err, forkline.NotFound)
			if err := st.DeleteSession(ctx, s.Hash); err != nil {
				t.Fatalf("DeleteSession: %v", err)
			}
			_, err = st.FindSession(ctx, s.Hash, c.Now())
			wantCode(t, "FindSession(deleted)", err, forkline.NotFound)
		})

		t.Run("a token's hash is unique", func(t *testing.T) {
			tok := auth.Token{ID: w.ids.New(), Name: "a", SiteID: w.siteA.ID, Role: forkline.RoleOperator, CreatedBy: "system", CreatedAt: c.Now()}
			if err := st.CreateToken(ctx, tok, "same-hash", audit.Change{Action: audit.Create, Entity: "token", EntityID: tok.ID, After: tok}); err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			tok2 := tok
			tok2.ID = w.ids.New()
			err := st.CreateToken(ctx, tok2, "same-hash", audit.Change{Action: audit.Create, Entity: "token", EntityID: tok2.ID, After: tok2})
			wantCode(t, "CreateToken(same hash)", err, forkline.Conflict)
			got, err := st.FindTokenByHash(ctx, "same-hash", c.Now())
			if err != nil || got.ID != tok.ID {
				t.Errorf("FindTokenByHash = %s, %v, want %s", got.ID, err, tok.ID)
			}
		})
	})
}
