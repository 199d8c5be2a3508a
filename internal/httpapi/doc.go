// Package httpapi is Forkline's HTTP surface: the JSON API under /api/v1,
// the OpenAPI 3 document that describes it, /healthz, /readyz and /metrics,
// and the middleware every request passes through (request ID, panic
// recovery, access log, metrics, cross-origin protection, and the
// authentication that puts the actor into the request's context for the API
// and the web UI alike).
//
// routes.go lists the whole API. Every route names the permission it needs;
// the middleware answers 401 to an anonymous caller and 403 to a caller who
// holds the permission on no site, and the services check the permission on
// the record's own site. Errors are RFC 9457 problem+json with a stable code
// and per-field problems; the one mapping from error codes to statuses is in
// problem.go. Wire types, with their JSON names, live here: domain types
// carry no tags.
package httpapi
