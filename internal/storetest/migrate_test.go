package storetest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			c := storetest.NewClock(start)
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, e.DSN(t), forkline.NewIDGenerator(c.Now), c.Now)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			if got := db.Engine(); got != e.Name {
				t.Errorf("Engine() = %q, want %q", got, e.Name)
			}
			if err := db.Ping(ctx); err != nil {
				t.Errorf("Ping() = %v, want nil", err)
			}

			t.Run("a fresh database gets every migration from the first", func(t *testing.T) {
				applied, err := db.Migrate(ctx)
				if err != nil {
					t.Fatalf("Migrate: %v", err)
				}
				if len(applied) == 0 || applied[0] != 1 {
					t.Errorf("Migrate() = %v, want the versions applied, starting at 1", applied)
				}
			})
			t.Run("a second run applies nothing", func(t *testing.T) {
				applied, err := db.Migrate(ctx)
				if err != nil || len(applied) != 0 {
					t.Errorf("Migrate() again = %v, %v, want nothing applied", applied, err)
				}
			})
			t.Run("a closed database does not answer", func(t *testing.T) {
				db.Close()
				if err := db.Ping(ctx); forkline.ErrorCode(err) != forkline.Unavailable {
					t.Errorf("Ping() after Close = %v, want an %q error", err, forkline.Unavailable)
				}
			})
		})
	}
}

// TestOpenSQLitePath checks that a SQLite database is opened at exactly the
// path given, even when the path holds characters that mean something in a
// URI: '#' and '?' appear in folder names, and in Go's test temp folders
// ("TestX#01").
func TestOpenSQLitePath(t *testing.T) {
	t.Parallel()
	tests := []struct{ what, name string }{
		{"a hash sign", "plant#1"},
		{"a question mark", "what?"},
		{"a percent sign", "lot%41"}, // a URI reads %41 as "A"
	}
	for _, tt := range tests {
		// The subtest's name stays plain: its temp folder must not hold the character.
		name := tt.name
		t.Run("a folder name with "+tt.what, func(t *testing.T) {
			c := storetest.NewClock(start)
			dir := t.TempDir()
			path := filepath.Join(dir, name, "forkline.db")
			db := openAt(t, path, c)
			db.Close()
			if _, err := os.Stat(path); err != nil {
				entries, _ := os.ReadDir(filepath.Join(dir, name))
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("after Open(%q), Stat error = %v; the folder holds %v", path, err, names)
			}
			root, _ := os.ReadDir(dir)
			if len(root) != 1 {
				var names []string
				for _, e := range root {
					names = append(names, e.Name())
				}
				t.Errorf("Open(%q) made %v in %s, want only %q", path, names, dir, name)
			}
		})
	}
}
