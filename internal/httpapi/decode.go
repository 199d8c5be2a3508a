package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/forkline/forkline"
)

// maxBody caps request bodies: master data and CSV imports fit well within it.
const maxBody = 8 << 20

// decode reads a JSON body into v strictly: unknown fields and trailing data
// are refused. Malformed JSON is a 400 naming the place; a value of the wrong
// type is a 422 naming the field.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("%w: %w", errMalformed, &forkline.Error{Code: forkline.Invalid, Msg: "Send the body as application/json."})
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return fmt.Errorf("%w: %w", errMalformed, &forkline.Error{Code: forkline.Invalid, Msg: "The body holds more than one JSON value."})
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%w: %w", errMalformed, &forkline.Error{Code: forkline.Invalid, Msg: fmt.Sprintf("The body is not valid JSON (at byte %d).", syn.Offset), Err: err})
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %w", errMalformed, &forkline.Error{Code: forkline.Invalid, Msg: "The body is empty or cut short.", Err: err})
	case errors.As(err, &tooBig):
		return fmt.Errorf("%w: %w", errMalformed, &forkline.Error{Code: forkline.Invalid, Msg: fmt.Sprintf("The body is larger than %d bytes.", maxBody)})
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return &forkline.Error{Code: forkline.Invalid, Msg: "A field has the wrong type.", Err: err,
			Fields: []forkline.FieldProblem{{Field: field, Rule: "type", Msg: fmt.Sprintf("%s must be a JSON %s", field, jsonKind(typ.Type.Kind().String()))}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &forkline.Error{Code: forkline.Invalid, Msg: "The body has a field this endpoint does not take.",
			Fields: []forkline.FieldProblem{{Field: name, Rule: "unknown", Msg: name + " is not a field of this endpoint"}}}
	}
	return fmt.Errorf("%w: %w", errMalformed, &forkline.Error{Code: forkline.Invalid, Msg: "The body could not be read.", Err: err})
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "struct", "map":
		return "object"
	}
	return k
}
