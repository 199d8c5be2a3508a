package sparkplug_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/forkline/forkline/internal/sparkplug/sproto"
)

// officialProto is the Sparkplug 3.0 protobuf definition of Eclipse Tahu.
const officialProto = "../../../shared/conformance/sparkplug/sparkplug_b.proto"

// TestGeneratedCodeMatchesOfficialProto proves that sproto was generated from
// the official sparkplug_b.proto as it is now: protoc compiles it again and
// the descriptor must equal the one embedded in the generated code.
func TestGeneratedCodeMatchesOfficialProto(t *testing.T) {
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("protoc is not on the PATH; CI must install it (Debian: protobuf-compiler)")
		}
		t.Skip("protoc is not on the PATH: install protobuf-compiler to check the generated code against sparkplug_b.proto")
	}
	if _, err := os.Stat(officialProto); err != nil {
		t.Fatalf("the official proto is missing: %v", err)
	}
	out := filepath.Join(t.TempDir(), "sparkplug_b.pb")
	cmd := exec.Command(protoc, "-I", filepath.Dir(officialProto), "--descriptor_set_out="+out, filepath.Base(officialProto))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.File) != 1 {
		t.Fatalf("protoc returned %d files, want 1", len(set.File))
	}
	want := set.File[0]
	got := protodesc.ToFileDescriptorProto(sproto.File_sparkplug_b_proto)
	want.SourceCodeInfo, got.SourceCodeInfo = nil, nil
	if !proto.Equal(got, want) {
		t.Errorf("the descriptor embedded in sproto differs from protoc's for %s; run go generate\ngot:  %v\nwant: %v", officialProto, got, want)
	}
}
