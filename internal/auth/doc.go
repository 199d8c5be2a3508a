// Package auth is identity and access: users and their passwords, roles
// granted per site, browser sessions, API tokens for machines and ERP
// systems, and sign-in throttling.
//
// Invariants and the reasons behind them:
//   - Passwords are stored only as argon2id hashes (RFC 9106; OWASP password
//     storage guidance). Session and API token secrets are stored only as
//     SHA-256 hashes: they are long random values, so a fast hash is enough,
//     and a stolen database holds no usable credential.
//   - An API token's secret is shown once, when it is created.
//   - After MaxFailures wrong passwords in a row an account is locked for a
//     time that doubles with each further failure, up to MaxLockout, which
//     stops online password guessing (NIST SP 800-63B §5.2.2).
//   - Disabling a user ends every session at once: a session is valid only
//     while its user is active.
//   - Every change to a user, a grant or a token writes an audit entry in the
//     same transaction (21 CFR 11.10(d), (e)).
package auth
