package auth

import (
	"context"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// User is a person who signs in.
type User struct {
	ID           forkline.ID
	Username     string // unique, lower case
	DisplayName  string
	Active       bool
	Version      int
	Badge        string // badge number for tablet sign-in; "" when none
	Grants       []forkline.Grant
	FailedLogins int
	LockedUntil  time.Time // zero when not locked
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Actor returns the actor for requests made by u.
func (u User) Actor() forkline.Actor {
	return forkline.Actor{Kind: forkline.ActorUser, ID: u.ID, Name: u.Username, Grants: u.Grants}
}

// Session is a signed-in browser.
type Session struct {
	Hash      string // SHA-256 of the cookie value
	UserID    forkline.ID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Token is an API token for a machine or an ERP system, scoped to one site and role.
type Token struct {
	ID        forkline.ID
	Name      string
	SiteID    forkline.ID
	Role      forkline.Role
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never expires
	RevokedAt time.Time // zero: not revoked
}

// Actor returns the actor for requests made with t.
func (t Token) Actor() forkline.Actor {
	return forkline.Actor{Kind: forkline.ActorToken, ID: t.ID, Name: "token:" + t.Name,
		Grants: []forkline.Grant{{SiteID: t.SiteID, Role: t.Role}}}
}

// Store is what the auth service needs. Every method is one transaction.
type Store interface {
	// CreateUser adds a user with a password hash. Conflict when the username is taken.
	CreateUser(ctx context.Context, u User, passwordHash string, ch audit.Change) error
	// FindUserByID returns a user with its grants. NotFound when there is none.
	FindUserByID(ctx context.Context, id forkline.ID) (User, error)
	// FindCredentials returns a user with its grants and its password hash. NotFound when there is none.
	FindCredentials(ctx context.Context, username string) (User, string, error)
	// FindUsers returns every user, by username.
	FindUsers(ctx context.Context) ([]User, error)
	// UpdateUser stores a user's display name, active flag and password hash
	// (unchanged when passwordHash is ""), guarded by prevVersion. Disabling
	// a user deletes its sessions. Conflict when the version moved on.
	UpdateUser(ctx context.Context, u User, prevVersion int, passwordHash string, ch audit.Change) error
	// SetGrants replaces a user's grants. Conflict when the version moved on.
	SetGrants(ctx context.Context, userID forkline.ID, prevVersion int, grants []forkline.Grant, ch audit.Change) error
	// FindCredentialsByBadge returns the user with a badge and the hash of their PIN. NotFound when there is none.
	FindCredentialsByBadge(ctx context.Context, badge string) (User, string, error)
	// SetBadge gives a user a badge number and PIN hash (badge "" removes
	// them), guarded by prevVersion. Conflict when the badge is taken.
	SetBadge(ctx context.Context, userID forkline.ID, prevVersion int, badge, pinHash string, ch audit.Change) error
	// RecordLoginFailure adds one to the user's count of wrong passwords in a
	// row and sets the lock time that lockUntil gives for the new count. The
	// count is incremented in SQL, so concurrent guesses all count.
	RecordLoginFailure(ctx context.Context, userID forkline.ID, lockUntil func(failures int) time.Time) error
	// RecordLoginSuccess resets the failure count and stores the new session.
	RecordLoginSuccess(ctx context.Context, s Session) error
	// FindSession returns a live session's user: NotFound when the session
	// does not exist, has expired at now, or its user is disabled.
	FindSession(ctx context.Context, hash string, now time.Time) (User, error)
	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, hash string) error
	// CreateToken adds an API token by the hash of its secret.
	CreateToken(ctx context.Context, t Token, hash string, ch audit.Change) error
	// FindTokenByHash returns a token that is not revoked and not expired at now. NotFound otherwise.
	FindTokenByHash(ctx context.Context, hash string, now time.Time) (Token, error)
	// FindTokens returns every token, newest first.
	FindTokens(ctx context.Context) ([]Token, error)
	// RevokeToken marks a token revoked. NotFound when it does not exist, Conflict when already revoked.
	RevokeToken(ctx context.Context, id forkline.ID, at time.Time, ch audit.Change) error
}

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "forkline_session"

type userKey struct{}

// WithUser returns a context carrying the signed-in user, for pages that show who is signed in.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the signed-in user in ctx.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}
