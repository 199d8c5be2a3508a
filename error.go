package forkline

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error by what the caller can do about it. The list is
// short on purpose: every code maps to one HTTP status in one place.
type Code string

// The error codes.
const (
	// Invalid: the input breaks a rule; fix it and retry (HTTP 422).
	Invalid Code = "invalid"
	// Unauthorized: the caller is not signed in or the credentials are wrong (HTTP 401).
	Unauthorized Code = "unauthorized"
	// Forbidden: the caller is known but lacks the permission (HTTP 403).
	Forbidden Code = "forbidden"
	// NotFound: the record does not exist or is not visible (HTTP 404).
	NotFound Code = "not_found"
	// Conflict: the request clashes with the current state, such as a duplicate code
	// or a stale version (HTTP 409).
	Conflict Code = "conflict"
	// Unavailable: a dependency is down or the caller must slow down; retry later (HTTP 503 or 429).
	Unavailable Code = "unavailable"
	// Internal: a bug or an unexpected failure (HTTP 500). Never shown in detail.
	Internal Code = "internal"
)

// HTTPStatus returns the HTTP status for an error code: the one mapping
// that the JSON API and the web UI share.
func (c Code) HTTPStatus() int {
	switch c {
	case Invalid:
		return 422
	case Unauthorized:
		return 401
	case Forbidden:
		return 403
	case NotFound:
		return 404
	case Conflict:
		return 409
	case Unavailable:
		return 503
	}
	return 500
}

// FieldProblem names one input field and the rule it breaks.
type FieldProblem struct {
	Field string // the input field, as the caller named it, e.g. "gtin" or "line 4: gtin"
	Rule  string // a short machine-readable rule, e.g. "required", "check_digit"
	Msg   string // a sentence a person can act on
}

// Error is the one error type of Forkline. Msg is safe to show a user;
// Err, the cause, is for logs only.
type Error struct {
	Code   Code
	Msg    string
	Fields []FieldProblem
	Err    error
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Msg)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code and message, so
// that sentinel values such as ErrStaleVersion work with errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Msg == e.Msg
}

// ErrorCode returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the user-safe message of err: the message of the
// first *Error in its chain, or a generic sentence for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Msg
	}
	return "An internal error occurred. It has been logged."
}

// ErrorFields returns the field problems of the first *Error in err's chain.
func ErrorFields(err error) []FieldProblem {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems collects field problems while validating an input.
// The zero value is ready to use.
type Problems struct {
	list []FieldProblem
}

// Add records that field breaks rule, with a message for a person.
func (p *Problems) Add(field, rule, msg string) {
	p.list = append(p.list, FieldProblem{Field: field, Rule: rule, Msg: msg})
}

// Required records a "required" problem when value is blank.
func (p *Problems) Required(field, value string) {
	if strings.TrimSpace(value) == "" {
		p.Add(field, "required", field+" is required")
	}
}

// MaxLen records a "max_length" problem when value is longer than n characters.
func (p *Problems) MaxLen(field, value string, n int) {
	if len([]rune(value)) > n {
		p.Add(field, "max_length", fmt.Sprintf("%s must be at most %d characters", field, n))
	}
}

// Merge adds the problems of other, prefixing each field with prefix.
func (p *Problems) Merge(prefix string, other []FieldProblem) {
	for _, f := range other {
		f.Field = prefix + f.Field
		p.list = append(p.list, f)
	}
}

// List returns the problems recorded so far.
func (p *Problems) List() []FieldProblem { return p.list }

// Err returns an Invalid *Error holding the problems, or nil if there are none.
func (p *Problems) Err(msg string) error {
	if len(p.list) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Msg: msg, Fields: p.list}
}

// Common sentinel errors.
var (
	// ErrStaleVersion: the record changed since the caller read it.
	ErrStaleVersion = &Error{Code: Conflict, Msg: "The record was changed by someone else; reload it and try again."}
	// ErrDuplicate: a record with the same unique key exists.
	ErrDuplicate = &Error{Code: Conflict, Msg: "A record with the same code already exists."}
	// ErrNotFound: the record does not exist.
	ErrNotFound = &Error{Code: NotFound, Msg: "The record was not found."}
	// ErrUnauthenticated: no valid credentials.
	ErrUnauthenticated = &Error{Code: Unauthorized, Msg: "Sign in to continue."}
	// ErrForbidden: the actor lacks the permission.
	ErrForbidden = &Error{Code: Forbidden, Msg: "You do not have permission to do this."}
)
