// Package recipe keeps the master recipes of a plant: how to make one item,
// as numbered versions that move from draft to approved to obsolete.
//
// A version holds a batch size and unit, the ingredients with their quantity
// per batch, a plus/minus tolerance and allowed substitutes, and ordered
// steps with an instruction, process parameters (name, unit, target, limits,
// and whether the parameter is a critical control point) and the
// ingredients added in the step. Production scales a version to the planned
// quantity of an order and checks every material addition against it.
//
// Glossary:
//   - Recipe: the master recipe for one item on one site, known by its code.
//   - Version: one numbered revision of a recipe's content.
//   - Content hash: SHA-256 over a canonical serialisation of a version's
//     content (ContentHash); the approval signature is bound to it.
//   - Roll-up: the allergens of every ingredient and substitute of a version.
//
// Invariants:
//   - Only a draft is edited. An approved version never changes: a change is
//     made in a new version, which starts as a copy of the approved one.
//   - A recipe has at most one draft and at most one approved version (the
//     database enforces both); approving a draft makes the approved version
//     obsolete in the same transaction.
//   - Approval is an electronic signature: the signer re-enters the password,
//     states the meaning, and the signature records signer, time, meaning and
//     the content hash. Verify recomputes the hash, so a version changed
//     after signing (in the database, past every rule) is detected.
//   - A version is approved only when the finished item declares every
//     allergen its ingredients and substitutes carry.
//   - Scaling is exact: quantities are integers of millionths and rational
//     arithmetic, rounded once at the end; tolerance limits are rounded
//     inwards, so a quantity accepted is never outside the exact limits.
//
// Standards:
//   - ISA-88 (IEC 61512-1) master recipe, in a simple form: header (item,
//     batch size), formula (ingredients), procedure (steps with parameters).
//   - 21 CFR 11.50 signature manifestations (printed name, date and time,
//     meaning), 11.70 signature/record linking (the content hash), 11.200(a)
//     re-entry of the password at each signing, 11.10(e) audit trail.
//   - FALCPA and the FASTER Act (US major allergens), Regulation (EU)
//     1169/2011 Art. 21 (allergen labelling); 21 CFR 117.135(c)(2) allergen
//     controls. Undeclared allergens cause about half of US food recalls.
//   - HACCP principle 2 and 3 (Codex CXC 1-1969): critical control points and
//     their critical limits are marked on the process parameters.
package recipe
