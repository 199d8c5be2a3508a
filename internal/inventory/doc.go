// Package inventory is the material ledger: lots, the append-only events
// that receive, move, consume, produce, ship, adjust and change the status of
// them, and the projections the same transaction keeps: each lot's status,
// its balance per location, and the genealogy that links every lot a
// production order consumed to every lot it produced. Traceability (backward
// and forward trace, mass balance, recall scope) reads that graph.
//
// Invariants:
//   - Events are never updated or deleted. A mistake is undone by a
//     correction: a compensating event that points at the one it corrects;
//     an event is corrected at most once.
//   - No balance goes below zero, also under concurrent commands: every
//     decrement is a guarded UPDATE (qty >= amount) in the command's transaction.
//   - A lot that is held, in quarantine, rejected or past its expiry date is
//     never consumed or shipped; the same guarded UPDATE checks it.
//   - Quantities are kept in the item's base unit; the quantity as entered
//     (e.g. "2 case") is kept beside it, and the conversion is explicit.
//   - A command retried with the same Idempotency-Key returns the first
//     result and books nothing twice.
//
// Standards:
//   - FDA FSMA 204 (21 CFR 1.1310-1.1350): key data elements captured at the
//     critical tracking events receiving, transformation and shipping:
//     traceability lot code (TLC) and its source, quantity and unit, location,
//     date, reference document type and number. A TLC is kept from the
//     supplier at receiving (§1.1345(a)) and assigned at transformation
//     (§1.1350(a)(2)); shipping never makes a new one (§1.1320).
//   - GS1 EPCIS 2.0 event types: ObjectEvent (receive, ship, move, status),
//     TransformationEvent (consume and produce under one production order).
//   - BRCGS Food Safety Issue 9 §3.9.3: traceability test with mass balance
//     within 4 hours; Forkline's recall scope takes milliseconds.
//   - Lots are released, held or rejected by quality (21 CFR 117.80(c)(2);
//     ISO 22000 §8.9.4 handling of potentially unsafe products).
package inventory
