package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The OpenAPI 3.1 document is built from the route table and the wire
// types, so it cannot drift from the code: every route is in it, and a test
// checks that every documented operation answers.

var pathParam = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

// OpenAPI returns the OpenAPI document of the API.
func (s *Server) OpenAPI() map[string]any {
	schemas := map[string]any{}
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		op := map[string]any{
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
			"operationId": operationID(rt),
		}
		if rt.Perm != "" {
			op["description"] = "Needs the permission " + string(rt.Perm) + " (on the record's site)."
		} else {
			op["description"] = "Any signed-in caller."
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		for _, h := range rt.Headers {
			params = append(params, map[string]any{"name": h, "in": "header", "schema": map[string]any{"type": "string"},
				"description": "Retrying with the same key returns the first result (200, Idempotent-Replayed: true) and books nothing twice."})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		switch {
		case rt.Body != "":
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{rt.Body: map[string]any{"schema": map[string]any{"type": "string"}}}}
		case rt.Request != nil:
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaRef(reflect.TypeOf(rt.Request), schemas)}}}
		}
		ok := map[string]any{"description": http.StatusText(rt.Status)}
		if rt.Response != nil && rt.Status != http.StatusNoContent {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaRef(reflect.TypeOf(rt.Response), schemas)}}
		}
		problem := map[string]any{"$ref": "#/components/responses/Problem"}
		op["responses"] = map[string]any{
			itoa(rt.Status): ok, "400": problem, "401": problem, "403": problem, "404": problem, "409": problem, "422": problem,
		}
		op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
		if paths[rt.Pattern] == nil {
			paths[rt.Pattern] = map[string]any{}
		}
		paths[rt.Pattern][strings.ToLower(rt.Method)] = op
	}
	schemas["Problem"] = schemaOf(reflect.TypeOf(problem{}), schemas)
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Forkline API",
			"version":     s.cfg.Version,
			"description": "Manufacturing execution for food plants. Errors are RFC 9457 problem+json with a stable code and per-field problems.",
		},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"responses": map[string]any{"Problem": map[string]any{"description": "An error",
				"content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}},
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "An API token made with POST /api/v1/tokens or `forkline token create`."},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "forkline_session"},
			},
		},
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.Split(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/") {
		part = strings.Trim(part, "{}")
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

var timeType = reflect.TypeOf(time.Time{})

func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.Index(n, "["); i >= 0 { // generic: pageJSON[...itemJSON]
		inner := n[i+1 : len(n)-1]
		if j := strings.LastIndex(inner, "."); j >= 0 {
			inner = inner[j+1:]
		}
		n = n[:i] + "Of" + strings.TrimSuffix(inner, "JSON")
	}
	n = strings.TrimSuffix(strings.Replace(n, "JSON", "", 1), "JSON")
	return strings.ToUpper(n[:1]) + n[1:]
}

// schemaRef returns a $ref to a named struct schema, or an inline schema.
func schemaRef(t reflect.Type, schemas map[string]any) map[string]any {
	if t.Kind() == reflect.Struct && t != timeType {
		name := schemaName(t)
		if _, done := schemas[name]; !done {
			schemas[name] = nil // reserve against recursion
			schemas[name] = schemaOf(t, schemas)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return schemaOf(t, schemas)
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), schemas)
	case reflect.String:
		if t.Name() == "rawJSON" {
			return map[string]any{"description": "the record as it was (JSON), or null"}
		}
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		if t == rawMessageType {
			return map[string]any{"type": []string{"number", "boolean", "string", "null"}}
		}
		return map[string]any{"type": "array", "items": schemaRef(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaRef(t.Elem(), schemas)}
	case reflect.Struct:
		props := map[string]any{}
		addFields(t, props, schemas)
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{}
}

func addFields(t reflect.Type, props map[string]any, schemas map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			addFields(f.Type, props, schemas)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || name == "" {
			continue
		}
		props[name] = schemaRef(f.Type, schemas)
	}
}

func (s *Server) handleOpenAPI() http.Handler {
	doc, err := json.MarshalIndent(s.OpenAPI(), "", "  ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err != nil {
			writeError(w, r, s.cfg.Logger, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	})
}
