package main

import (
	"io"

	"github.com/forkline/forkline/internal/httpapi"
	"github.com/forkline/forkline/internal/inventory"
)

// writeRecallCSV writes a recall's scope in the same CSV form the API serves.
func writeRecallCSV(w io.Writer, rc inventory.Recall) error { return httpapi.WriteRecallCSV(w, rc) }
