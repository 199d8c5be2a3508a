package mqtt

import (
	"net/url"
	"slices"
	"strings"

	"github.com/forkline/forkline"
)

// Config says how Forkline's host application client reaches a broker.
type Config struct {
	// URL is the broker, e.g. tcp://broker.plant.local:1883 or
	// ssl://broker.plant.local:8883.
	URL string
	// ClientID is the MQTT client identifier. It must stay the same from
	// one run to the next: the broker keeps the session (subscriptions and
	// unacknowledged QoS 1 messages) under it.
	ClientID string
	// HostID is the Sparkplug host application id: the last level of
	// spBv1.0/STATE/<HostID>. Edge nodes configured with Forkline as their
	// primary host wait for it.
	HostID string
	// Username and Password, when the broker asks for them.
	Username, Password string
}

// urlSchemes are the schemes paho.mqtt.golang dials.
var urlSchemes = []string{"tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss"}

// Validate checks the settings on their own.
func (c Config) Validate() error {
	var p forkline.Problems
	p.Required("url", c.URL)
	if strings.TrimSpace(c.URL) != "" {
		u, err := url.Parse(c.URL)
		switch {
		case err != nil || u.Host == "":
			p.Add("url", "format", "url must look like tcp://host:1883")
		case !slices.Contains(urlSchemes, u.Scheme):
			p.Add("url", "scheme", "url must start with one of tcp://, mqtt://, ssl://, tls://, mqtts://, ws:// or wss://")
		}
	}
	p.Required("clientId", c.ClientID)
	p.MaxLen("clientId", c.ClientID, 256)
	p.Required("hostId", c.HostID)
	p.MaxLen("hostId", c.HostID, 256)
	if strings.ContainsAny(c.HostID, "+/#") {
		p.Add("hostId", "format", "hostId must not hold + / or #")
	}
	if c.Password != "" && c.Username == "" {
		// MQTT 3.1.1, 3.1.2.9: no password without a user name.
		p.Add("username", "required", "username is required when a password is set")
	}
	return p.Err("The MQTT settings are not valid.")
}
