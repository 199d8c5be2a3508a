package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/mqtt"
	"github.com/forkline/forkline/internal/opcua"
	"github.com/forkline/forkline/internal/simulator"
	"github.com/forkline/forkline/internal/sparkplug"
)

// machineConfig is how serve and demo take machine data.
type machineConfig struct {
	MQTTURL      string        // an external broker; empty: the embedded one
	MQTTListen   string        // the embedded broker's address; "off" for none
	MQTTClientID string        // Forkline's client id at an external broker
	HostID       string        // Sparkplug host application id
	OPCUAConfig  string        // a JSON file of OPC UA connections
	Retention    time.Duration // raw process values kept before downsampling
}

func machineFlags(fs *flag.FlagSet, c *machineConfig) {
	fs.StringVar(&c.MQTTURL, "mqtt-url", "", "an external MQTT broker for machine data, e.g. tcp://broker:1883; turns the embedded broker off (env FORKLINE_MQTT_URL)")
	fs.StringVar(&c.MQTTListen, "mqtt-listen", mqtt.DefaultBrokerAddr, "address of the embedded MQTT broker, or off (env FORKLINE_MQTT_LISTEN)")
	fs.StringVar(&c.MQTTClientID, "mqtt-client-id", "forkline", "Forkline's client id at the external broker: keep it stable, the broker keeps unacknowledged messages for it (env FORKLINE_MQTT_CLIENT_ID)")
	fs.StringVar(&c.HostID, "sparkplug-host-id", "forkline", "Sparkplug B host application id (env FORKLINE_SPARKPLUG_HOST_ID)")
	fs.StringVar(&c.OPCUAConfig, "opcua-config", "", "a JSON file listing OPC UA connections to subscribe to (env FORKLINE_OPCUA_CONFIG); see docs/opcua.md")
	fs.DurationVar(&c.Retention, "raw-retention", 7*24*time.Hour, "how long raw process values are kept before they are downsampled to minutes (env FORKLINE_RAW_RETENTION)")
}

// opcuaFile is the OPC UA configuration file.
type opcuaFile struct {
	Connections []struct {
		Name, Endpoint     string
		Nodes              []string
		IntervalMs         int
		SecurityPolicy     string
		SecurityMode       string
		CertFile, KeyFile  string
		Username, Password string
	} `json:"connections"`
}

func readOPCUA(path string) ([]opcua.Config, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--opcua-config: %w", err)
	}
	var f opcuaFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("--opcua-config %s: %w", path, err)
	}
	var out []opcua.Config
	for i, c := range f.Connections {
		cfg := opcua.Config{Name: c.Name, Endpoint: c.Endpoint, Nodes: c.Nodes, Interval: time.Duration(c.IntervalMs) * time.Millisecond,
			SecurityPolicy: c.SecurityPolicy, SecurityMode: c.SecurityMode, CertFile: c.CertFile, KeyFile: c.KeyFile, Username: c.Username, Password: c.Password}
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("--opcua-config %s: connection %d: %w", path, i+1, err)
		}
		out = append(out, cfg)
	}
	return out, nil
}

// machineData is the running ingest: the pipeline and every path into it.
type machineData struct {
	pipe   *monitoring.Pipeline
	broker *mqtt.Broker // nil with an external broker
	wg     sync.WaitGroup
	stop   context.CancelFunc
}

// startMachineData starts the pipeline, the broker or the MQTT client, the
// OPC UA connections and the downsampling job. Stop ends them.
func startMachineData(ctx context.Context, a *app, c machineConfig, logger *slog.Logger) (*machineData, error) {
	opc, err := readOPCUA(c.OPCUAConfig)
	if err != nil {
		return nil, err
	}
	// Ingest outlives the request that started it: Stop ends it, after the
	// HTTP server has finished its requests (HTTP ingest among them).
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m := &machineData{pipe: a.pipe, stop: cancel}
	m.run(func() {
		if err := a.pipe.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			logger.Error("machine data pipeline stopped", "err", err)
		}
	})
	switch {
	case c.MQTTURL != "":
		cfg := mqtt.Config{URL: c.MQTTURL, ClientID: c.MQTTClientID, HostID: c.HostID}
		if err := cfg.Validate(); err != nil {
			cancel()
			return nil, fmt.Errorf("--mqtt-url: %w", err)
		}
		client := mqtt.New(cfg, a.pipe, logger, a.now)
		m.run(func() {
			if err := client.Run(ctx); err != nil {
				logger.Error("MQTT client stopped", "err", err)
			}
		})
		logger.Info("machine data: MQTT client", "broker", c.MQTTURL, "clientId", c.MQTTClientID)
	case c.MQTTListen != "off" && c.MQTTListen != "":
		b, err := mqtt.StartBroker(c.MQTTListen, logger, mqtt.IngestInline(a.pipe, sparkplug.NewHost(c.HostID), a.now))
		if err != nil {
			cancel()
			m.wg.Wait()
			return nil, fmt.Errorf("embedded MQTT broker: %w (choose another --mqtt-listen, or off)", err)
		}
		m.broker = b
		logger.Info("machine data: embedded MQTT broker", "addr", b.Addr())
	}
	for _, cfg := range opc {
		client, err := opcua.New(cfg, a.pipe, logger)
		if err != nil {
			cancel()
			return nil, err
		}
		m.run(func() {
			if err := client.Run(ctx); err != nil {
				logger.Error("OPC UA client stopped", "connection", cfg.Name, "err", err)
			}
		})
	}
	m.run(func() {
		t := time.NewTicker(5 * time.Minute)
		defer t.Stop()
		for {
			if n, err := a.mon.Downsample(ctx, c.Retention); err != nil && ctx.Err() == nil {
				logger.Warn("downsampling process values", "err", err)
			} else if n > 0 {
				logger.Info("downsampled process values", "raw", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return m, nil
}

func (m *machineData) run(f func()) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		f()
	}()
}

// Stop closes the broker first (no new acknowledgements), then the rest.
func (m *machineData) Stop() {
	if m.broker != nil {
		m.broker.Close()
	}
	m.stop()
	m.wg.Wait()
}

// runSimulate runs "simulate": the demo plant's machines publishing
// Sparkplug B to a broker, for a Forkline server whose demo mappings take them.
func runSimulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate", stderr)
	broker := fs.String("broker", "tcp://"+mqtt.DefaultBrokerAddr, "the MQTT broker the Forkline server listens to (env FORKLINE_BROKER)")
	speed := fs.Float64("speed", 1, "simulated seconds per real second (env FORKLINE_SPEED)")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same plant (env FORKLINE_SEED)")
	var c config
	logFlags(fs, &c)
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if *speed <= 0 || *speed > 1000 {
		return fmt.Errorf("--speed must be more than 0 and at most 1000")
	}
	logger, err := c.logger(stderr)
	if err != nil {
		return err
	}
	sim := simulator.NewSimulation(simulator.DemoLayout(), *seed, time.Now().UTC())
	return runLive(ctx, sim, *broker, "forkline-sim", *speed, stdout, logger)
}

// runLive publishes a simulation's machines to a broker until ctx ends.
func runLive(ctx context.Context, sim *simulator.Simulation, broker, clientPrefix string, speed float64, stdout io.Writer, logger *slog.Logger) error {
	live := sim.Live(speed)
	live.Log = logger
	pub, disconnect, err := simulator.ConnectEdges(live, broker, clientPrefix)
	if err != nil {
		return fmt.Errorf("simulator: connect to %s: %w", broker, err)
	}
	defer disconnect()
	fmt.Fprintf(stdout, "Simulated machines publishing Sparkplug B to %s at %gx speed\n", broker, speed)
	return live.Run(ctx, pub)
}
