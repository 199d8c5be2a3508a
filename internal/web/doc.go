// Package web is Forkline's browser interface: server-rendered pages for
// signing in (password, or badge and PIN on shared tablets), the site
// dashboard, the plant master data (items, suppliers, customers, locations,
// lines, areas, equipment and sites), the material ledger (receiving by
// scan, lots with their events and mass balance, moves, adjustments,
// shipments, holds and releases, corrections, backward and forward traces
// drawn as SVG, FEFO suggestions, mock and real recalls with a printable
// report), and production: the operator terminal, orders, deviations,
// electronic batch records (page, print and PDF) and recipes.
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
//   - The operator terminal (/terminal) is made for a 10-inch tablet at the
//     line, used with gloves: no side navigation, targets at least 56 px,
//     one large green, amber or red answer to every command. A dispatch list
//     per line; an order step by step: scan a lot (read and checked first,
//     then added with a quantity), enter process values against their
//     limits, book the output, complete. A quantity outside tolerance or a
//     lot out of FEFO order is accepted only by a supervisor, with a reason:
//     the signed-in supervisor, or one who confirms with badge and PIN on
//     the operator's tablet.
//   - Live pages (the dispatch list, an order on the terminal, an order's
//     page) listen to their line's Server-Sent Events and swap their live
//     parts when the line changes; without JavaScript, the dispatch list
//     reloads itself and the others offer a reload.
//   - Electronic signatures (batch release, closing a deviation, approving a
//     recipe) ask for the password again and the meaning; the service binds
//     them to a hash of what is signed. The batch record shows the
//     exceptions first; it prints without navigation and downloads as PDF.
//   - Cross-origin form posts are refused by the HTTP server's middleware
//     (http.CrossOriginProtection), which also puts the signed-in user and
//     actor into the request's context.
package web
