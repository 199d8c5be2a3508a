// Package plant holds the plant master data of ISA-95 (IEC 62264) levels 3
// and 4 that every other capability refers to: sites, areas, lines (work
// centers), equipment, storage locations, items, suppliers and customers.
//
// Every record belongs to one site, has a human code unique within its site
// and a time-ordered ID, and is never deleted: it is disabled, so that lots,
// orders and audit entries that point at it stay meaningful. Every change is
// guarded by the record's version (optimistic concurrency) and writes an
// audit entry in the same transaction. Changes to GMP-relevant records
// (items, suppliers, locations, lines, equipment) need a reason.
//
// Standards behind the rules:
//   - ISA-95 role-based equipment hierarchy: site > area > work center (line) > equipment.
//   - GS1 General Specifications §7.9: GTIN-8/12/13/14 check digit (mod 10).
//   - FALCPA and the FASTER Act: the nine US major food allergens; Regulation (EU)
//     1169/2011 Annex II: the EU 14.
//   - FDA FSMA 204 (21 CFR 1 subpart S): items on the Food Traceability List need
//     key data elements at every critical tracking event.
package plant
