package auth

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// Sign-in throttling.
const (
	MaxFailures = 5                // wrong passwords in a row before the account locks
	FirstLock   = 30 * time.Second // lock after MaxFailures; doubles with each further failure
	MaxLockout  = 15 * time.Minute
)

// LockUntil returns until when an account stays locked after failures
// wrong passwords in a row at now: not at all below MaxFailures, then
// FirstLock doubling with each further failure, at most MaxLockout.
func LockUntil(now time.Time, failures int) time.Time {
	if failures < MaxFailures {
		return time.Time{}
	}
	lock := FirstLock << min(failures-MaxFailures, 10)
	return now.Add(min(lock, MaxLockout))
}

// SessionTTL is how long a browser session lasts: one long shift.
const SessionTTL = 12 * time.Hour

// MinPasswordLen is the shortest password accepted (NIST SP 800-63B: at least 8).
const MinPasswordLen = 10

// ErrBadCredentials is returned for a wrong username or password, without saying which.
var ErrBadCredentials = &forkline.Error{Code: forkline.Unauthorized, Msg: "The username or password is wrong."}

// Service manages users, sessions and tokens.
type Service struct {
	store  Store
	ids    *forkline.IDGenerator
	now    func() time.Time
	params HashParams
	dummy  string // a hash to check against when the user does not exist, so timing does not reveal usernames
	tokens tokenCache
}

// NewService returns a Service hashing passwords with params.
func NewService(store Store, ids *forkline.IDGenerator, now func() time.Time, params HashParams) *Service {
	dummy, _ := hashPassword("forkline-dummy-password", params)
	return &Service{store: store, ids: ids, now: now, params: params, dummy: dummy}
}

// TokenCacheTTL is how long a token found in the store is trusted without
// asking the store again. A machine polling the API then costs one query
// per request instead of two (docs/performance.md). RevokeToken empties the
// cache, so a token revoked through this Service (the API, the web UI)
// stops working at once; a token revoked by another process on the same
// database (the forkline token revoke verb, a second server) stops working
// within TokenCacheTTL. Expiry is checked on every request.
const TokenCacheTTL = time.Second

// tokenCacheMax bounds the cache. Only tokens that exist are cached, so it
// is reached only with more live tokens than this; then the cache starts over.
const tokenCacheMax = 1024

// tokenCache holds recent successful token lookups by secret hash.
type tokenCache struct {
	mu      sync.Mutex
	gen     uint64 // moves on at each revocation, so that a lookup that raced one is not cached
	entries map[string]cachedToken
}

type cachedToken struct {
	t    Token
	read time.Time // when the store returned it, by the wall clock: see get
}

// get returns the token cached for hash if it was read less than
// TokenCacheTTL ago. The age is real elapsed time (time.Now, monotonic),
// not the Service's clock, so that a stopped test clock cannot keep an
// entry alive.
func (c *tokenCache) get(hash string) (Token, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || time.Since(e.read) >= TokenCacheTTL {
		return Token{}, false
	}
	return e.t, true
}

// generation returns the revocation count, to pass to put.
func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches t, read at time read, unless a revocation happened since
// generation returned gen: the store may have answered before it.
func (c *tokenCache) put(hash string, t Token, gen uint64, read time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.entries == nil || len(c.entries) >= tokenCacheMax {
		c.entries = make(map[string]cachedToken)
	}
	c.entries[hash] = cachedToken{t: t, read: read}
}

// invalidate forgets every cached token.
func (c *tokenCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,39}$`)

func validatePassword(p *forkline.Problems, field, pw string) {
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		p.Add(field, "min_length", fmt.Sprintf("%s must have at least %d characters", field, MinPasswordLen))
	}
	p.MaxLen(field, pw, 200)
}

// publicUser is the audit snapshot of a user: never the password hash.
type publicUser struct {
	Username, DisplayName string
	Active                bool
	Grants                []forkline.Grant
}

func snapshot(u User) publicUser {
	return publicUser{Username: u.Username, DisplayName: u.DisplayName, Active: u.Active, Grants: u.Grants}
}

func requireAdmin(ctx context.Context) (forkline.Actor, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return a, err
	}
	if !a.CanAnywhere(forkline.PermUsersManage) {
		return a, forkline.ErrForbidden
	}
	return a, nil
}

// CreateUser adds a user. The caller needs users.manage.
func (s *Service) CreateUser(ctx context.Context, username, displayName, password string) (User, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return User{}, err
	}
	username = strings.ToLower(strings.TrimSpace(username))
	var p forkline.Problems
	if !usernameRE.MatchString(username) {
		p.Add("username", "pattern", "username must be 2-40 lower-case letters, digits, dots, dashes or underscores")
	}
	p.Required("displayName", displayName)
	p.MaxLen("displayName", displayName, 200)
	validatePassword(&p, "password", password)
	if err := p.Err("The user is not valid."); err != nil {
		return User{}, err
	}
	hash, err := hashPassword(password, s.params)
	if err != nil {
		return User{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	u := User{ID: s.ids.New(), Username: username, DisplayName: strings.TrimSpace(displayName), Active: true, Version: 1, CreatedAt: now, UpdatedAt: now}
	ch := audit.Change{Action: audit.Create, Entity: "user", EntityID: u.ID, After: snapshot(u)}
	if err := s.store.CreateUser(ctx, u, hash, ch); err != nil {
		return User{}, err
	}
	return u, nil
}

// Users lists every user. The caller needs users.manage.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.store.FindUsers(ctx)
}

// User returns one user. Users may read themselves; others need users.manage.
func (s *Service) User(ctx context.Context, id forkline.ID) (User, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return User{}, err
	}
	if a.ID != id && !a.CanAnywhere(forkline.PermUsersManage) {
		return User{}, forkline.ErrForbidden
	}
	if !forkline.ValidID(id) {
		return User{}, forkline.ErrNotFound
	}
	return s.store.FindUserByID(ctx, id)
}

// FindUserByUsername returns a user by name. The caller needs users.manage.
func (s *Service) FindUserByUsername(ctx context.Context, username string) (User, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return User{}, err
	}
	u, _, err := s.store.FindCredentials(ctx, strings.ToLower(strings.TrimSpace(username)))
	return u, err
}

// SetPassword sets a user's password. The caller needs users.manage, or must be the user.
func (s *Service) SetPassword(ctx context.Context, id forkline.ID, password, reason string) error {
	u, err := s.User(ctx, id)
	if err != nil {
		return err
	}
	var p forkline.Problems
	validatePassword(&p, "password", password)
	if err := p.Err("The password is not valid."); err != nil {
		return err
	}
	hash, err := hashPassword(password, s.params)
	if err != nil {
		return err
	}
	after := u
	after.Version++
	after.FailedLogins, after.LockedUntil = 0, time.Time{}
	after.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
	ch := audit.Change{Action: audit.Update, Entity: "user", EntityID: u.ID, Reason: reasonOr(reason, "password set"), Before: snapshot(u), After: snapshot(after)}
	return s.store.UpdateUser(ctx, after, u.Version, hash, ch)
}

func reasonOr(reason, def string) string {
	if strings.TrimSpace(reason) == "" {
		return def
	}
	return reason
}

// SetActive disables or enables a user. Disabling ends the user's sessions.
// The caller needs users.manage and may not disable themselves.
func (s *Service) SetActive(ctx context.Context, id forkline.ID, active bool, reason string) (User, error) {
	a, err := requireAdmin(ctx)
	if err != nil {
		return User{}, err
	}
	if !active && a.ID == id {
		return User{}, forkline.Errorf(forkline.Conflict, "You cannot disable your own account.")
	}
	u, err := s.User(ctx, id)
	if err != nil {
		return User{}, err
	}
	if u.Active == active {
		return u, nil
	}
	if strings.TrimSpace(reason) == "" {
		return User{}, &forkline.Error{Code: forkline.Invalid, Msg: "Give a reason.", Fields: []forkline.FieldProblem{{Field: "reason", Rule: "required", Msg: "reason is required"}}}
	}
	after := u
	after.Active = active
	after.Version++
	after.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
	action := audit.Disable
	if active {
		action = audit.Enable
	}
	ch := audit.Change{Action: action, Entity: "user", EntityID: u.ID, Reason: reason, Before: snapshot(u), After: snapshot(after)}
	if err := s.store.UpdateUser(ctx, after, u.Version, "", ch); err != nil {
		return User{}, err
	}
	return after, nil
}

// SetRole grants (grant true) or revokes a role on a site. The caller needs users.manage.
// siteExists says whether the site exists; auth does not own sites.
func (s *Service) SetRole(ctx context.Context, id forkline.ID, g forkline.Grant, grant bool, reason string, siteExists func(context.Context, forkline.ID) bool) (User, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return User{}, err
	}
	var p forkline.Problems
	if !g.Role.Valid() {
		p.Add("role", "one_of", "role must be one of operator, supervisor, quality, maintenance, planner, manager, admin, auditor, integration")
	}
	if !forkline.ValidID(g.SiteID) || !siteExists(ctx, g.SiteID) {
		p.Add("siteId", "reference", "siteId must be the ID of an existing site")
	}
	if err := p.Err("The grant is not valid."); err != nil {
		return User{}, err
	}
	u, err := s.User(ctx, id)
	if err != nil {
		return User{}, err
	}
	has := slices.Contains(u.Grants, g)
	if has == grant {
		return u, nil
	}
	after := u
	if grant {
		after.Grants = append(slices.Clone(u.Grants), g)
	} else {
		after.Grants = slices.DeleteFunc(slices.Clone(u.Grants), func(x forkline.Grant) bool { return x == g })
	}
	after.Version++
	action := audit.Grant
	if !grant {
		action = audit.Revoke
	}
	ch := audit.Change{Action: action, Entity: "user", EntityID: u.ID, SiteID: g.SiteID, Reason: reason, Before: snapshot(u), After: snapshot(after)}
	if err := s.store.SetGrants(ctx, u.ID, u.Version, after.Grants, ch); err != nil {
		return User{}, err
	}
	return after, nil
}

// Login checks a username and password and starts a session. It returns the
// session secret for the cookie. A locked account is refused without
// checking the password.
func (s *Service) Login(ctx context.Context, username, password string) (secret string, u User, err error) {
	u, hash, err := s.store.FindCredentials(ctx, strings.ToLower(strings.TrimSpace(username)))
	if forkline.ErrorCode(err) == forkline.NotFound {
		checkPassword(password, s.dummy)
		return "", User{}, ErrBadCredentials
	} else if err != nil {
		return "", User{}, err
	}
	return s.startSession(ctx, u, password, hash, ErrBadCredentials)
}

// startSession checks a secret (password or PIN) against its hash under the
// lockout, and starts a session for u.
func (s *Service) startSession(ctx context.Context, u User, given, hash string, wrong error) (string, User, error) {
	now := s.now().UTC()
	if now.Before(u.LockedUntil) {
		wait := u.LockedUntil.Sub(now).Round(time.Second)
		return "", User{}, forkline.Errorf(forkline.Unavailable, "Too many wrong attempts: this account is locked for %s.", wait)
	}
	if !checkPassword(given, hash) {
		if err := s.store.RecordLoginFailure(ctx, u.ID, func(failures int) time.Time { return LockUntil(now, failures) }); err != nil {
			return "", User{}, err
		}
		return "", User{}, wrong
	}
	if !u.Active {
		return "", User{}, forkline.Errorf(forkline.Unauthorized, "This account is disabled.")
	}
	secret, shash, err := newSecret("")
	if err != nil {
		return "", User{}, err
	}
	sess := Session{Hash: shash, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := s.store.RecordLoginSuccess(ctx, sess); err != nil {
		return "", User{}, err
	}
	u.FailedLogins, u.LockedUntil = 0, time.Time{}
	return secret, u, nil
}

// Logout ends the session with this secret.
func (s *Service) Logout(ctx context.Context, secret string) error {
	return s.store.DeleteSession(ctx, HashSecret(secret))
}

// ActorForSession returns the actor of a live session. Unauthorized otherwise.
func (s *Service) ActorForSession(ctx context.Context, secret string) (forkline.Actor, User, error) {
	u, err := s.store.FindSession(ctx, HashSecret(secret), s.now().UTC())
	if forkline.ErrorCode(err) == forkline.NotFound {
		return forkline.Actor{}, User{}, forkline.ErrUnauthenticated
	} else if err != nil {
		return forkline.Actor{}, User{}, err
	}
	return u.Actor(), u, nil
}

// TokenPrefix starts every API token secret, so that leaked tokens are easy to find.
const TokenPrefix = "flk_"

// ActorForToken returns the actor of a live API token. Unauthorized otherwise.
// A token found in the store is trusted for TokenCacheTTL; see there.
func (s *Service) ActorForToken(ctx context.Context, secret string) (forkline.Actor, error) {
	hash, now := HashSecret(secret), s.now().UTC()
	if t, ok := s.tokens.get(hash); ok && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt)) {
		return t.Actor(), nil
	}
	gen, read := s.tokens.generation(), time.Now()
	t, err := s.store.FindTokenByHash(ctx, hash, now)
	if forkline.ErrorCode(err) == forkline.NotFound {
		return forkline.Actor{}, forkline.ErrUnauthenticated
	} else if err != nil {
		return forkline.Actor{}, err
	}
	s.tokens.put(hash, t, gen, read)
	return t.Actor(), nil
}

// CreateToken makes an API token for a site and role and returns its
// secret, which is shown this once. The caller needs tokens.manage on the site.
func (s *Service) CreateToken(ctx context.Context, name string, site forkline.ID, role forkline.Role, ttl time.Duration, siteExists func(context.Context, forkline.ID) bool) (Token, string, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return Token{}, "", err
	}
	if !a.CanAnywhere(forkline.PermTokensManage) {
		return Token{}, "", forkline.ErrForbidden
	}
	var p forkline.Problems
	p.Required("name", name)
	p.MaxLen("name", name, 100)
	if !role.Valid() {
		p.Add("role", "one_of", "role must be one of operator, supervisor, quality, maintenance, planner, manager, admin, auditor, integration")
	}
	if !forkline.ValidID(site) || !siteExists(ctx, site) {
		p.Add("siteId", "reference", "siteId must be the ID of an existing site")
	}
	if ttl < 0 {
		p.Add("ttl", "range", "ttl must not be negative")
	}
	if err := p.Err("The token is not valid."); err != nil {
		return Token{}, "", err
	}
	if err := a.Require(forkline.PermTokensManage, site); err != nil {
		return Token{}, "", err
	}
	secret, hash, err := newSecret(TokenPrefix)
	if err != nil {
		return Token{}, "", err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	t := Token{ID: s.ids.New(), Name: strings.TrimSpace(name), SiteID: site, Role: role, CreatedBy: a.Name, CreatedAt: now}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
	}
	ch := audit.Change{Action: audit.Create, Entity: "token", EntityID: t.ID, SiteID: site, After: t}
	if err := s.store.CreateToken(ctx, t, hash, ch); err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// Tokens lists API tokens. The caller needs tokens.manage.
func (s *Service) Tokens(ctx context.Context) ([]Token, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.CanAnywhere(forkline.PermTokensManage) {
		return nil, forkline.ErrForbidden
	}
	return s.store.FindTokens(ctx)
}

// RevokeToken revokes a token at once. The caller needs tokens.manage on the token's site.
func (s *Service) RevokeToken(ctx context.Context, id forkline.ID, reason string) error {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return err
	}
	if !a.CanAnywhere(forkline.PermTokensManage) {
		return forkline.ErrForbidden
	}
	ts, err := s.store.FindTokens(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ts, func(t Token) bool { return t.ID == id })
	if i < 0 {
		return forkline.ErrNotFound
	}
	if err := a.Require(forkline.PermTokensManage, ts[i].SiteID); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	after := ts[i]
	after.RevokedAt = now
	ch := audit.Change{Action: audit.Revoke, Entity: "token", EntityID: id, SiteID: ts[i].SiteID, Reason: reason, Before: ts[i], After: after}
	err = s.store.RevokeToken(ctx, id, now, ch)
	// Even after an error: the revocation may have committed all the same.
	s.tokens.invalidate()
	return err
}

// PIN rules: digits only, 4 to 8 of them. A PIN is weak on its own; it is
// only accepted with a badge, and the same lockout as passwords applies.
const (
	MinPINLen = 4
	MaxPINLen = 8
)

// SetBadge gives a user a badge number and PIN for shared tablets. The
// caller needs users.manage. An empty badge removes badge sign-in.
func (s *Service) SetBadge(ctx context.Context, id forkline.ID, badge, pin, reason string) (User, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return User{}, err
	}
	u, err := s.User(ctx, id)
	if err != nil {
		return User{}, err
	}
	badge = strings.TrimSpace(badge)
	var p forkline.Problems
	hash := ""
	if badge != "" {
		if len(badge) > 40 || strings.IndexFunc(badge, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
			p.Add("badge", "format", "badge must be 1-40 printable characters without spaces")
		}
		if len(pin) < MinPINLen || len(pin) > MaxPINLen || strings.IndexFunc(pin, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			p.Add("pin", "format", fmt.Sprintf("pin must be %d to %d digits", MinPINLen, MaxPINLen))
		}
		if err := p.Err("The badge is not valid."); err != nil {
			return User{}, err
		}
		if hash, err = hashPassword(pin, s.params); err != nil {
			return User{}, err
		}
	}
	after := u
	after.Badge = badge
	after.Version++
	ch := audit.Change{Action: audit.Update, Entity: "user", EntityID: u.ID, Reason: reasonOr(reason, "badge set"),
		Before: map[string]string{"Badge": u.Badge}, After: map[string]string{"Badge": badge}}
	if err := s.store.SetBadge(ctx, u.ID, u.Version, badge, hash, ch); err != nil {
		return User{}, err
	}
	return after, nil
}

// LoginBadge signs an operator in with a badge number and PIN, under the
// same lockout as passwords, and starts a session.
func (s *Service) LoginBadge(ctx context.Context, badge, pin string) (secret string, u User, err error) {
	u, hash, err := s.store.FindCredentialsByBadge(ctx, strings.TrimSpace(badge))
	if forkline.ErrorCode(err) == forkline.NotFound || err == nil && hash == "" {
		checkPassword(pin, s.dummy)
		return "", User{}, ErrBadBadge
	} else if err != nil {
		return "", User{}, err
	}
	return s.startSession(ctx, u, pin, hash, ErrBadBadge)
}

// ErrBadBadge is returned for a wrong badge or PIN, without saying which.
var ErrBadBadge = &forkline.Error{Code: forkline.Unauthorized, Msg: "The badge or PIN is wrong."}

// Reauthenticate checks the signed-in user's password again, for an
// electronic signature (21 CFR 11.200(a)(1)): the signer proves at the
// moment of signing who they are. Wrong passwords count towards the lockout.
func (s *Service) Reauthenticate(ctx context.Context, password string) (forkline.Actor, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return a, err
	}
	if a.Kind != forkline.ActorUser {
		return a, forkline.Errorf(forkline.Forbidden, "Only a person can sign: API tokens cannot.")
	}
	u, hash, err := s.store.FindCredentials(ctx, a.Name)
	if err != nil {
		return a, err
	}
	now := s.now().UTC()
	if now.Before(u.LockedUntil) {
		return a, forkline.Errorf(forkline.Unavailable, "Too many wrong passwords: this account is locked for %s.", u.LockedUntil.Sub(now).Round(time.Second))
	}
	if !checkPassword(password, hash) {
		if err := s.store.RecordLoginFailure(ctx, u.ID, func(n int) time.Time { return LockUntil(now, n) }); err != nil {
			return a, err
		}
		return a, &forkline.Error{Code: forkline.Unauthorized, Msg: "The password is wrong: the signature was not made.",
			Fields: []forkline.FieldProblem{{Field: "password", Rule: "signature", Msg: "the password is wrong"}}}
	}
	return u.Actor(), nil
}
