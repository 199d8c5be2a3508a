package forkline_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The import rules of STYLE.md and docs/architecture.md: cmd -> adapters -> capabilities -> forkline
// -> standard library. This test reads `go list -deps -json` and fails on
// any import that points the wrong way.

const module = "github.com/forkline/forkline"

// layers of the internal packages. A package not listed here fails the test,
// so every new package must be placed on purpose.
var (
	// platform packages serve every capability; they import only forkline.
	platform = []string{"audit", "gs1"}
	// capabilities import forkline and platform packages, never each other.
	capabilities = []string{"auth", "plant", "inventory", "recipe", "production", "monitoring", "performance"}
	// adapters import capabilities, never each other, with the exceptions below.
	adapters = []string{"sqlstore", "sqlite", "postgres", "httpapi", "web", "simulator", "fsma204", "b2mml", "sparkplug", "mqtt", "opcua", "wiring"}
	// allowed adapter-to-adapter imports: the storage adapter opens its two engines.
	adapterExceptions = map[string][]string{"sqlstore": {"sqlite", "postgres"}, "mqtt": {"sparkplug"}, "simulator": {"sparkplug", "mqtt"}}
	// test support: may import anything but cmd.
	testSupport = []string{"storetest", "browsertest"}
	// third-party modules a capability may use for its own logic.
	capabilityThirdParty = []string{"golang.org/x/crypto/"}
)

type pkg struct {
	ImportPath string
	Name       string
	Standard   bool
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	// go test caches results by the files a test opens; go list's reads
	// happen in another process, so open every Go file here to key the cache.
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") || p == "go.mod" {
			_, err = os.Stat(p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-e", "-deps", "-json", "./...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	pkgs := map[string]pkg{}
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func internalName(importPath string) (string, bool) {
	rest, ok := strings.CutPrefix(importPath, module+"/internal/")
	if !ok {
		return "", false
	}
	return strings.Split(rest, "/")[0], true
}

func TestImportsPointOneWay(t *testing.T) {
	pkgs := listPackages(t)
	for _, p := range pkgs {
		if !strings.HasPrefix(p.ImportPath, module) {
			continue
		}
		switch base := path.Base(p.ImportPath); base {
		case "util", "utils", "common", "models", "types", "helpers", "http", "errors", "log":
			t.Errorf("package %s has a name STYLE.md forbids", p.ImportPath)
		}
		if strings.Contains(p.ImportPath, "/pkg/") {
			t.Errorf("package %s is under pkg/", p.ImportPath)
		}
		if p.ImportPath == module {
			for _, d := range p.Deps {
				if !pkgs[d].Standard {
					t.Errorf("the root package depends on %s; it may use the standard library only", d)
				}
			}
			continue
		}
		if strings.HasPrefix(p.ImportPath, module+"/cmd/") || strings.HasPrefix(p.ImportPath, module+"/scripts/") {
			continue // commands wire everything together
		}
		name, ok := internalName(p.ImportPath)
		if !ok {
			t.Errorf("package %s is outside cmd/ and internal/", p.ImportPath)
			continue
		}
		if !slices.Contains(platform, name) && !slices.Contains(capabilities, name) && !slices.Contains(adapters, name) && !slices.Contains(testSupport, name) {
			t.Errorf("internal package %s is in no layer: add it to arch_test.go on purpose", name)
			continue
		}
		for _, imp := range p.Imports {
			if pkgs[imp].Standard || imp == module {
				continue
			}
			if strings.HasPrefix(imp, module+"/cmd/") {
				t.Errorf("%s imports the command %s", p.ImportPath, imp)
				continue
			}
			dep, internal := internalName(imp)
			switch {
			case slices.Contains(platform, name):
				if internal || !slices.ContainsFunc(capabilityThirdParty, func(pre string) bool { return strings.HasPrefix(imp, pre) }) {
					t.Errorf("platform package %s imports %s; it may import forkline and the standard library only", name, imp)
				}
			case slices.Contains(capabilities, name):
				if internal && !slices.Contains(platform, dep) && dep != name {
					t.Errorf("capability %s imports %s: declare the small interface it needs instead", name, imp)
				}
				if !internal && !slices.ContainsFunc(capabilityThirdParty, func(pre string) bool { return strings.HasPrefix(imp, pre) }) {
					t.Errorf("capability %s imports %s: capabilities hold the plant's rules in plain Go; I/O belongs in adapters", name, imp)
				}
			case slices.Contains(adapters, name):
				if internal && slices.Contains(adapters, dep) && dep != name && !slices.Contains(adapterExceptions[name], dep) {
					t.Errorf("adapter %s imports adapter %s: adapters meet only in cmd", name, dep)
				}
				if internal && slices.Contains(testSupport, dep) {
					t.Errorf("adapter %s imports test support %s outside tests", name, dep)
				}
			}
		}
	}
}
