// Package production runs production orders on the lines: it plans and
// releases orders, dispatches them per line, starts them when the line is
// free and clean, checks every material addition against the recipe frozen
// at release, records process parameters and raises deviations, books
// consumption and output through the material ledger, computes the yield,
// assembles the electronic batch record, and lets quality release the batch
// with an electronic signature.
//
// Glossary:
//   - Order: a production order: make a planned quantity of one item on one
//     line, by one recipe version, between a planned start and end.
//   - Formula: what production needs of a recipe version (it does not import
//     the recipe package; the store reads the version and recomputes its hash).
//   - Target: an ingredient scaled to the order, with its tolerance limits,
//     in the base unit of the ingredient's item.
//   - Addition: material of one lot added to an order, counted towards one
//     ingredient (the ingredient's item or an allowed substitute).
//   - Override: a supervisor's reason to accept a quantity outside tolerance,
//     or a lot that is not the first to expire (FEFO).
//   - Reading: a process parameter value entered at a step.
//   - Deviation: a reading outside its limits; critical when the parameter is
//     a critical control point (CCP). Closed by quality with a signature and a reason.
//   - Changeover: a completed cleaning of a line, needed before an order that
//     lacks an allergen the previous order on the line contained.
//   - Batch record: every fact of an order in one view, exceptions first.
//
// Invariants:
//   - Orders move only along the transition table (Transitions): planned ->
//     released -> in_progress -> completed -> closed; on_hold from released
//     or in_progress and back to where it was; cancelled from planned,
//     released or on_hold. Every move is one guarded UPDATE with its history
//     row and audit entry.
//   - Release freezes the recipe version (its ID and content hash) and the
//     allergens of the product. Every later step reloads the version and
//     refuses to go on if its content no longer hashes to the frozen hash.
//   - A line runs one order at a time, and a changeover record is required as
//     above; both are guarded in the start's transaction.
//   - An addition is reserved in production's store (state, cumulative
//     tolerance, under a lock on the order row) before the ledger books the
//     consumption, then confirmed, or marked refused with the ledger's reason.
//     A retry with the same idempotency key resumes where it stopped and
//     books nothing twice.
//   - A batch with an open critical deviation is never released (guarded SQL).
//   - Every change bumps the order's version; the batch release signature is
//     bound to the hash of the batch record at exactly that version.
//
// Standards:
//   - ISA-95 (IEC 62264-1/-3): production schedule, work (order) dispatching,
//     production execution and tracking; order states after the
//     JobOrder/WorkMaster dispatch status.
//   - ISA-88: the batch runs a master recipe's procedure; yields compare
//     actual output with the output the recipe predicts for the inputs consumed.
//   - 21 CFR 117.80(c) (manufacturing operations), 117.135(c)(2) allergen
//     cross-contact controls (changeover), 117.150 corrective actions
//     (deviations), 117.190 records; 21 CFR 11.50, 11.70, 11.200 electronic
//     signatures; HACCP principles 4-7 (monitoring, corrective action,
//     verification, records).
//   - FEFO (first expired, first out) stock rotation, as in inventory.
package production
