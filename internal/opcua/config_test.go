package opcua_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/opcua"
)

func TestConfigValidate(t *testing.T) {
	valid := opcua.Config{
		Name:     "filler",
		Endpoint: "opc.tcp://10.0.0.5:4840/plc",
		Nodes:    []string{"ns=2;s=Filler.Good", "ns=3;i=1001"},
	}
	type problem struct{ Field, Rule string }
	tests := []struct {
		name   string
		change func(*opcua.Config)
		want   []problem
	}{
		{"a minimal config is valid", func(*opcua.Config) {}, nil},
		{"a secure config with a user is valid", func(c *opcua.Config) {
			c.SecurityPolicy, c.SecurityMode = "Basic256Sha256", "Sign"
			c.CertFile, c.KeyFile = "/etc/forkline/opcua.der", "/etc/forkline/opcua.key"
			c.Username, c.Password = "mes", "secret"
			c.Interval = time.Second
		}, nil},
		{"a name is required", func(c *opcua.Config) { c.Name = " " }, []problem{{"name", "required"}}},
		{"a name has no slash", func(c *opcua.Config) { c.Name = "line1/filler" }, []problem{{"name", "format"}}},
		{"an endpoint is required", func(c *opcua.Config) { c.Endpoint = "" }, []problem{{"endpoint", "required"}}},
		{"an endpoint is an opc.tcp URL", func(c *opcua.Config) { c.Endpoint = "http://10.0.0.5:4840" }, []problem{{"endpoint", "url"}}},
		{"an endpoint has a host", func(c *opcua.Config) { c.Endpoint = "opc.tcp:///plc" }, []problem{{"endpoint", "url"}}},
		{"nodes are required", func(c *opcua.Config) { c.Nodes = nil }, []problem{{"nodes", "required"}}},
		{"each node is a node id", func(c *opcua.Config) {
			c.Nodes = []string{"ns=2;s=A", "Filler.Good", "", "ns=x;i=1", "ns=2;i=abc", "ns=2;q=1", "i=2258", "ns=1;g=72962B91-FA75-4AE6-8D28-B404DC7DAF63", "ns=1;b=M/RbKBsRVkePCePcx24oRA=="}
		}, []problem{{"nodes[1]", "node_id"}, {"nodes[2]", "node_id"}, {"nodes[3]", "node_id"}, {"nodes[4]", "node_id"}, {"nodes[5]", "node_id"}}},
		{"a node is named once", func(c *opcua.Config) { c.Nodes = []string{"ns=2;s=A", "ns=2;s=B", "ns=2;s=A"} }, []problem{{"nodes[2]", "duplicate"}}},
		{"the interval is not negative", func(c *opcua.Config) { c.Interval = -time.Second }, []problem{{"interval", "min"}}},
		{"the interval is not too short", func(c *opcua.Config) { c.Interval = time.Millisecond }, []problem{{"interval", "min"}}},
		{"the policy is known", func(c *opcua.Config) { c.SecurityPolicy = "Basic512" }, []problem{{"securityPolicy", "enum"}}},
		{"the mode is known", func(c *opcua.Config) { c.SecurityMode = "Encrypt" }, []problem{{"securityMode", "enum"}}},
		{"no policy signs nothing", func(c *opcua.Config) { c.SecurityMode = "Sign" }, []problem{{"securityMode", "mismatch"}}},
		{"a policy signs", func(c *opcua.Config) {
			c.SecurityPolicy, c.SecurityMode = "Basic256Sha256", "None"
		}, []problem{{"securityMode", "mismatch"}}},
		{"a policy needs a certificate and key", func(c *opcua.Config) { c.SecurityPolicy = "Basic256Sha256" },
			[]problem{{"certFile", "required"}, {"keyFile", "required"}}},
		{"a password needs a user", func(c *opcua.Config) { c.Password = "secret" }, []problem{{"username", "required"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			cfg.Nodes = append([]string(nil), valid.Nodes...)
			tt.change(&cfg)
			err := cfg.Validate()
			var got []problem
			for _, f := range forkline.ErrorFields(err) {
				got = append(got, problem{f.Field, f.Rule})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() problems (-want +got):\n%s", diff)
			}
			if tt.want != nil && forkline.ErrorCode(err) != forkline.Invalid {
				t.Errorf("ErrorCode(Validate()) = %q, want %q", forkline.ErrorCode(err), forkline.Invalid)
			}
		})
	}
}
