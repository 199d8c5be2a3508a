// Package web is Forkline's browser interface: server-rendered pages for
// signing in, the site dashboard, the plant master data (items, suppliers,
// customers, locations, lines, areas, equipment and sites) and the material
// ledger: receiving by scan, lots with their events and mass balance, moves,
// adjustments, shipments, holds and releases, corrections, backward and
// forward traces drawn as SVG, FEFO suggestions, and mock and real recalls
// with a printable report.
//
// Pages are html/template files embedded in the binary, one layout and one
// typed data struct per page, styled by our own embedded CSS and a few lines
// of our own JavaScript: no framework, no CDN, no build step.
//
// How it behaves:
//   - Every route is listed in routes.go with the permission it needs on at
//     least one site. An anonymous visitor is sent to /login?next=...; a
//     signed-in user without the permission gets the 403 page.
//   - Site-scoped pages show the current site: the ?site= query parameter,
//     else the forkline_site cookie, else the first site the user may read.
//   - Forms post back, and a successful change redirects (post-redirect-get)
//     with a flash message kept for one request in a short-lived cookie. A
//     refused change shows the form again with what the user typed and each
//     problem next to its field.
//   - Changes to GMP-relevant records ask for a reason for the change; every
//     record's page shows its audit history (who, when, what changed, why)
//     to users who may read the audit trail.
//   - Receiving reads a GS1 barcode on the server: the scan field posts the
//     form, the page comes back with the item (by GTIN), supplier lot, dates
//     and net weight filled in, so it works without JavaScript and with any
//     keyboard-wedge scanner. A scan waiting in the field is always read
//     before anything is booked.
//   - Ledger forms carry an idempotency key, so a form sent twice books once.
//     Events are never edited: the lot page offers a correction, with a reason.
//   - Traces are drawn as SVG on the server at their natural size, one column
//     per step; a large trace scrolls rather than shrinks.
//   - Cross-origin form posts are refused by the HTTP server's middleware
//     (http.CrossOriginProtection), which also puts the signed-in user and
//     actor into the request's context.
package web
