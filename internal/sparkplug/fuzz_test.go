package sparkplug_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/forkline/forkline/internal/sparkplug"
)

var update = flag.Bool("update", false, "rewrite the payload samples in testdata")

// samples are the payloads in testdata, made with Edge and Encode. They seed
// the fuzz targets and pin the encoding: a change to it shows in the diff.
func samples(t testing.TB) map[string][]byte {
	e := sparkplug.NewEdge("Line1", "Filler01")
	out := map[string][]byte{}
	add := func(name string) func(string, []byte, error) {
		return func(_ string, payload []byte, err error) {
			if err != nil {
				t.Fatalf("sample %s: %v", name, err)
			}
			out[name] = payload
		}
	}
	_, will := e.Connect()
	out["ndeath.bin"] = will
	add("nbirth.bin")(e.NBirth(fillerMetrics, t0))
	add("dbirth.bin")(e.DBirth("Scale3", []sparkplug.Metric{
		{Name: "Weight", DataType: sparkplug.TypeDouble, Value: num(0.5)},
		{Name: "Label", DataType: sparkplug.TypeString, Value: text("Gouda 400 g")},
		{Name: "Jam", DataType: sparkplug.TypeBoolean, IsNull: true},
	}, t0))
	add("ndata.bin")(e.NData([]sparkplug.Metric{{Name: "State", Value: num(-3)}, {Name: "Good", Value: num(4000000000)}}, t1))
	add("ddata.bin")(e.DData("Scale3", []sparkplug.Metric{{Name: "Weight", Value: num(401.5), Time: t2}, {Name: "Jam", Value: boolean(true)}}, t1))
	add("ddeath.bin")(e.DDeath("Scale3", t2))
	out["alltypes.bin"] = encode(t, sparkplug.Payload{Timestamp: t0, Seq: 9, HasSeq: true, UUID: "forkline", Metrics: allTypes()})
	return out
}

func TestSamples(t *testing.T) {
	for name, want := range samples(t) {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v; run go test -run TestSamples -update", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what Encode makes now; check the change and run go test -run TestSamples -update", path)
		}
	}
}

func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.bin"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no samples in testdata (%v)", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	birth := samples(f)["nbirth.bin"]
	f.Fuzz(func(t *testing.T, payload []byte) {
		p, err := sparkplug.Decode(payload)
		if err == nil {
			// What Encode accepts must come back the same.
			if b, err := sparkplug.Encode(p); err == nil {
				again, err := sparkplug.Decode(b)
				if err != nil {
					t.Fatalf("Decode(Encode(Decode(payload))) error %v", err)
				}
				if diff := cmp.Diff(p, again, cmpopts.EquateEmpty(), cmpopts.EquateNaNs()); diff != "" {
					t.Fatalf("Decode(Encode(p)) differs (-p +got):\n%s", diff)
				}
			}
		}
		// The host must survive anything, in and out of a session.
		h := sparkplug.NewHost("forkline")
		for _, topic := range []string{nbirthTopic, ddataTopic, ndataTopic, ddeathTopic, ndeathTopic, dbirthTopic, "spBv1.0/STATE/forkline"} {
			h.Handle(topic, payload, t9)
		}
		h = sparkplug.NewHost("forkline")
		h.Handle(nbirthTopic, birth, t9)
		for _, topic := range []string{ndataTopic, dbirthTopic, ddataTopic, ndeathTopic} {
			h.Handle(topic, payload, t9)
		}
	})
}

func FuzzParseTopic(f *testing.F) {
	for _, s := range []string{
		nbirthTopic, ndataTopic, ndeathTopic, dbirthTopic, ddataTopic, ddeathTopic, ncmdTopic,
		"spBv1.0/Line1/DCMD/Filler01/Scale3", "spBv1.0/STATE/forkline", "spBv1.0/STATE/a/b",
		"spBv1.0/Line+1/NDATA/x", "spBv1.0//NDATA/", "STATE/forkline", "spBv1.0/Käserei/NDATA/\xff", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		got, err := sparkplug.ParseTopic(topic)
		if err != nil {
			return
		}
		if s := got.String(); s != topic {
			t.Fatalf("ParseTopic(%q).String() = %q, want the topic", topic, s)
		}
	})
}
