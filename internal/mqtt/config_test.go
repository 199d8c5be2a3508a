package mqtt_test

import (
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/mqtt"
)

func TestConfigValidate(t *testing.T) {
	valid := mqtt.Config{URL: "tcp://127.0.0.1:1883", ClientID: "forkline", HostID: "forkline"}
	tests := []struct {
		name  string
		edit  func(*mqtt.Config)
		field string // "" when valid
	}{
		{"a complete config is valid", func(*mqtt.Config) {}, ""},
		{"a TLS URL with a user is valid", func(c *mqtt.Config) { c.URL, c.Username, c.Password = "ssl://b:8883", "u", "p" }, ""},
		{"the URL is required", func(c *mqtt.Config) { c.URL = "" }, "url"},
		{"the URL needs an MQTT scheme", func(c *mqtt.Config) { c.URL = "http://b:1883" }, "url"},
		{"the URL needs a host", func(c *mqtt.Config) { c.URL = "tcp://" }, "url"},
		{"the client id is required", func(c *mqtt.Config) { c.ClientID = " " }, "clientId"},
		{"the host id is required", func(c *mqtt.Config) { c.HostID = "" }, "hostId"},
		{"the host id must not hold a slash", func(c *mqtt.Config) { c.HostID = "a/b" }, "hostId"},
		{"a password needs a user name", func(c *mqtt.Config) { c.Password = "p" }, "username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.edit(&c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			fields := forkline.ErrorFields(err)
			if forkline.ErrorCode(err) != forkline.Invalid || len(fields) != 1 || fields[0].Field != tt.field {
				t.Errorf("Validate() = %v, want one Invalid problem with field %q", err, tt.field)
			}
		})
	}
}
