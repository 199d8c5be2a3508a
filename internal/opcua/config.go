package opcua

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/gopcua/opcua/ua"
)

// DefaultInterval is the publishing interval when Config.Interval is zero.
const DefaultInterval = 500 * time.Millisecond

// MinInterval is the shortest publishing interval a Config may ask for.
const MinInterval = 10 * time.Millisecond

// Config describes one connection to one OPC UA server.
type Config struct {
	// Name names the connection in sample addresses:
	// "opcua/<Name>/<node id>". It may not contain a slash.
	Name string
	// Endpoint is the server's URL, e.g. "opc.tcp://10.0.0.5:4840/plc".
	Endpoint string
	// Nodes are the node ids to monitor, in the OPC UA string form, e.g.
	// "ns=2;s=Filler.Good" or "ns=3;i=1001".
	Nodes []string
	// Interval is the publishing interval the subscription asks for: how
	// often the server sends the values that changed. 0 means
	// DefaultInterval.
	Interval time.Duration

	// SecurityPolicy is the secure channel's policy: "None" (the default
	// when empty), "Basic256Sha256", "Aes128_Sha256_RsaOaep",
	// "Aes256_Sha256_RsaPss", or the deprecated "Basic128Rsa15" and
	// "Basic256".
	SecurityPolicy string
	// SecurityMode is "None", "Sign" or "SignAndEncrypt". Empty means None
	// with the None policy and SignAndEncrypt with any other.
	SecurityMode string
	// CertFile and KeyFile are the client's certificate and RSA private key
	// (PEM or DER files), required with any policy but None. The server
	// must trust the certificate.
	CertFile string
	KeyFile  string

	// Username and Password sign in as a user; empty means anonymous.
	Username string
	Password string
}

// securityPolicies are the short names Config.SecurityPolicy accepts.
var securityPolicies = []string{"None", "Basic128Rsa15", "Basic256", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"}

// securityModes are the values Config.SecurityMode accepts.
var securityModes = []string{"None", "Sign", "SignAndEncrypt"}

// Validate checks the configuration on its own. It returns an Invalid
// *forkline.Error naming each field and the rule it breaks.
func (c Config) Validate() error {
	var p forkline.Problems
	p.Required("name", c.Name)
	p.MaxLen("name", c.Name, 100)
	if strings.Contains(c.Name, "/") {
		p.Add("name", "format", "name must not contain a slash: it is one segment of the sample address")
	}

	p.Required("endpoint", c.Endpoint)
	if c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err != nil || u.Scheme != "opc.tcp" || u.Host == "" {
			p.Add("endpoint", "url", "endpoint must be an opc.tcp URL, e.g. opc.tcp://10.0.0.5:4840")
		}
	}

	if len(c.Nodes) == 0 {
		p.Add("nodes", "required", "nodes must name at least one node id")
	}
	seen := make(map[string]bool, len(c.Nodes))
	for i, n := range c.Nodes {
		field := fmt.Sprintf("nodes[%d]", i)
		if !validNodeID(n) {
			p.Add(field, "node_id", fmt.Sprintf("%s must be a node id such as ns=2;s=Filler.Good or ns=3;i=1001", field))
			continue
		}
		if seen[n] {
			p.Add(field, "duplicate", fmt.Sprintf("%s repeats node %s", field, n))
		}
		seen[n] = true
	}

	if c.Interval != 0 && c.Interval < MinInterval {
		p.Add("interval", "min", fmt.Sprintf("interval must be 0 (the default, %s) or at least %s", DefaultInterval, MinInterval))
	}

	policy, mode := c.security()
	switch {
	case !slices.Contains(securityPolicies, policy):
		p.Add("securityPolicy", "enum", fmt.Sprintf("securityPolicy must be one of %v", securityPolicies))
	case !slices.Contains(securityModes, mode):
		p.Add("securityMode", "enum", fmt.Sprintf("securityMode must be one of %v", securityModes))
	case policy == "None" && mode != "None":
		p.Add("securityMode", "mismatch", "securityMode must be None when securityPolicy is None")
	case policy != "None" && mode == "None":
		p.Add("securityMode", "mismatch", "securityMode must be Sign or SignAndEncrypt when securityPolicy is not None")
	case policy != "None":
		p.Required("certFile", c.CertFile)
		p.Required("keyFile", c.KeyFile)
	}

	if c.Username == "" && c.Password != "" {
		p.Add("username", "required", "username is required when a password is given")
	}
	return p.Err("The OPC UA connection is not valid.")
}

// security returns the policy and mode with their defaults filled in.
func (c Config) security() (policy, mode string) {
	policy, mode = c.SecurityPolicy, c.SecurityMode
	if policy == "" {
		policy = "None"
	}
	if mode == "" {
		mode = "None"
		if policy != "None" {
			mode = "SignAndEncrypt"
		}
	}
	return policy, mode
}

// interval returns the publishing interval with its default filled in.
func (c Config) interval() time.Duration {
	if c.Interval == 0 {
		return DefaultInterval
	}
	return c.Interval
}

// validNodeID reports whether s is a node id in the standard string form
// (OPC UA Part 6, 5.3.1.10): an optional "ns=<index>;" and an identifier
// with its type, "i=", "s=", "g=" or "b=". gopcua alone would take any text
// as a string identifier in namespace 0.
func validNodeID(s string) bool {
	id := s
	if rest, ok := strings.CutPrefix(s, "ns="); ok {
		_, id, ok = strings.Cut(rest, ";")
		if !ok {
			return false
		}
	}
	if len(id) < 3 || !strings.Contains("isgb", id[:1]) || id[1] != '=' {
		return false
	}
	_, err := ua.ParseNodeID(s)
	return err == nil
}
