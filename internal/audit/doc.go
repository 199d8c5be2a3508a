// Package audit is Forkline's audit trail: who changed which record, when,
// from what to what, and why.
//
// Every create, change or disable of a record writes one Entry in the same
// database transaction as the change itself (21 CFR Part 11 §11.10(e):
// "secure, computer-generated, time-stamped audit trails"; EU GMP Annex 11 §9).
// Entries are never updated or deleted. Each entry carries the SHA-256 hash
// of its own content and of the entry before it, so that editing, deleting or
// reordering any entry breaks the chain; Verify names the first entry where
// the chain breaks.
//
// Invariants:
//   - Seq numbers start at 1 and increase by exactly 1, with no gaps.
//   - Entry n's PrevHash equals entry n-1's Hash (the zero hash for entry 1).
//   - Entry n's Hash is Hash(entry n), computed over every field.
//   - The chain head (last seq and hash) stored beside the entries matches the
//     last entry, so deleting the newest entries is caught too.
package audit
