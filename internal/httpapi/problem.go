package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/forkline/forkline"
)

// problem is an RFC 9457 problem details document.
type problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Code      forkline.Code  `json:"code"`
	Detail    string         `json:"detail"`
	Fields    []fieldProblem `json:"fields,omitempty"`
	RequestID string         `json:"requestId,omitempty"`
}

type fieldProblem struct {
	Field string `json:"field"`
	Rule  string `json:"rule"`
	Msg   string `json:"message"`
}

// Status returns the HTTP status for an error code.
func Status(code forkline.Code) int { return code.HTTPStatus() }

// errMalformed marks a request body that is not valid JSON or CSV (HTTP 400).
var errMalformed = errors.New("malformed request")

// writeError writes err as problem+json and logs internal errors once.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code := forkline.ErrorCode(err)
	status := Status(code)
	if errors.Is(err, errMalformed) {
		status = http.StatusBadRequest
	}
	if status >= 500 && code != forkline.Unavailable {
		logger.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "requestId", RequestID(r.Context()))
	}
	p := problem{
		Type:      "https://forkline.dev/problems/" + string(code),
		Title:     http.StatusText(status),
		Status:    status,
		Code:      code,
		Detail:    forkline.ErrorMessage(err),
		RequestID: RequestID(r.Context()),
	}
	for _, f := range forkline.ErrorFields(err) {
		p.Fields = append(p.Fields, fieldProblem{Field: f.Field, Rule: f.Rule, Msg: f.Msg})
	}
	if code == forkline.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="forkline"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// encode writes v as JSON with status.
func encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
