// Package forkline holds the shared vocabulary of Forkline, a Manufacturing
// Execution System (MES) and Manufacturing Operations Management (MOM)
// platform for food manufacturers: errors and their codes, exact quantities
// with units, time-ordered identifiers, the acting user (the Actor) and the
// roles and permissions that decide what an actor may do.
//
// It imports only the standard library. Every other package may import it;
// it imports none of them.
//
// # Glossary
//
// The same words are used the same way in code, API, UI and documentation.
//
//   - Site: one plant, with its own time zone. Every master record belongs to a site
//     and every role is granted on a site (ISA-95 "site").
//   - Area: a part of a site, such as raw-material receiving, kitchen, packing (ISA-95 "area").
//   - Line / work center: where production orders run (ISA-95 "work center").
//   - Equipment: a machine or unit on a line (ISA-95 "equipment", "unit").
//   - Location: a storage location, such as a cooler, freezer, dry store or dock.
//   - Item: anything the plant buys, makes or ships: raw material, ingredient,
//     packaging, work in progress (WIP) or finished good.
//   - Lot: a quantity of one item produced or received under one code. Never "batch"
//     for material; a batch is one run of a recipe that makes lots.
//   - Traceability lot code (TLC): the lot code that FDA FSMA 204 requires to be kept
//     with Food Traceability List items.
//   - Food Traceability List (FTL): FDA's list of foods that need FSMA 204 records.
//   - Hold, release, quarantine, reject: lot statuses that decide whether a lot may be used.
//   - CCP: a critical control point of a HACCP plan.
//   - Deviation: a recorded departure from a limit or procedure.
//   - GTIN: a GS1 Global Trade Item Number (8, 12, 13 or 14 digits with a check digit).
//   - Allergen: one of the nine US major food allergens (FALCPA and the FASTER Act),
//     with room for the EU 14 (Regulation 1169/2011, Annex II).
//   - Audit entry: a hash-chained record of who changed what, when and why.
//   - Actor: the user or API token on whose behalf a request runs.
//   - Grant: a role held by a user or token on one site.
package forkline
