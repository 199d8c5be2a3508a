package mqtt_test

import (
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/mqtt"
	"github.com/forkline/forkline/internal/sparkplug"
)

func testConfig(brokerURL string) mqtt.Config {
	id := uniqueID()
	return mqtt.Config{URL: brokerURL, ClientID: "forkline-test-" + id, HostID: "forkline-" + id}
}

// startHost starts a client and waits until it announced itself online.
func startHost(t *testing.T, cfg mqtt.Config, sink monitoring.Sink) (*mqtt.Client, func(), <-chan paho.Message) {
	t.Helper()
	clearSession(t, cfg.URL, cfg.ClientID, cfg.HostID)
	watcher := connect(t, cfg.URL, "watch-"+uniqueID(), nil)
	states := subscribe(t, watcher, sparkplug.StateTopic(cfg.HostID))
	c, stop := startClient(t, cfg, sink)
	waitState(t, states, true)
	return c, stop, states
}

func number(addr string, at time.Time, f float64) monitoring.Sample {
	return monitoring.Sample{Address: addr, Time: at, Value: monitoring.NumberValue(f)}
}

func null(addr string, at time.Time) monitoring.Sample {
	return monitoring.Sample{Address: addr, Time: at}
}

func TestClientSparkplug(t *testing.T) {
	forEachBroker(t, func(t *testing.T, brokerURL string) {
		cfg := testConfig(brokerURL)
		sink := newSink(false)
		startHost(t, cfg, sink)

		group, node := "g"+uniqueID(), "Filler01"
		edge := sparkplug.NewEdge(group, node)
		willTopic, willPayload := edge.Connect()
		pub := connect(t, brokerURL, "edge-"+uniqueID(), func(o *paho.ClientOptions) {
			o.SetBinaryWill(willTopic, willPayload, 1, false)
		})
		commands := subscribe(t, pub, fmt.Sprintf("spBv1.0/%s/NCMD/%s", group, node))
		prefix := "spBv1.0/" + group + "/" + node + "/"
		t1 := time.Date(2026, 1, 2, 7, 0, 0, 0, time.UTC)
		send := func(topic string, payload []byte, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			waitToken(t, pub.Publish(topic, 0, false, payload)) // QoS 0, as Sparkplug wants
		}
		expect := func(want ...monitoring.Sample) {
			t.Helper()
			if diff := cmp.Diff(want, sink.next(t)); diff != "" {
				t.Errorf("samples (-want +got):\n%s", diff)
			}
		}

		t.Run("births and data with aliases become samples", func(t *testing.T) {
			send(edge.NBirth([]sparkplug.Metric{
				{Name: "Temperature", DataType: sparkplug.TypeDouble, Value: monitoring.NumberValue(4.5)},
			}, t1))
			expect(number(prefix+"Temperature", t1, 4.5))
			send(edge.DBirth("Scale3", []sparkplug.Metric{
				{Name: "Good", DataType: sparkplug.TypeUInt32, Value: monitoring.NumberValue(10)},
				{Name: "State", DataType: sparkplug.TypeString, Value: monitoring.TextValue("running")},
			}, t1))
			expect(number(prefix+"Scale3/Good", t1, 10),
				monitoring.Sample{Address: prefix + "Scale3/State", Time: t1, Value: monitoring.TextValue("running")})
			t2 := t1.Add(time.Second)
			send(edge.DData("Scale3", []sparkplug.Metric{{Name: "Good", Value: monitoring.NumberValue(11)}}, t2))
			expect(number(prefix+"Scale3/Good", t2, 11))
		})

		t.Run("an NDEATH makes every metric of the node null", func(t *testing.T) {
			topic, payload := edge.NDeath()
			waitToken(t, pub.Publish(topic, 1, false, payload))
			expect(null(prefix+"Temperature", t0), null(prefix+"Scale3/Good", t0), null(prefix+"Scale3/State", t0))
		})

		t.Run("a seq gap asks the node for a rebirth", func(t *testing.T) {
			edge.Connect() // a new session, as after a reconnect
			send(edge.NBirth([]sparkplug.Metric{
				{Name: "Temperature", DataType: sparkplug.TypeDouble, Value: monitoring.NumberValue(5)},
			}, t1))
			expect(number(prefix+"Temperature", t1, 5))
			if _, _, err := edge.NData([]sparkplug.Metric{{Name: "Temperature", Value: monitoring.NumberValue(6)}}, t1); err != nil {
				t.Fatal(err) // this one is lost on the way
			}
			send(edge.NData([]sparkplug.Metric{{Name: "Temperature", Value: monitoring.NumberValue(7)}}, t1))
			cmd := receive(t, commands)
			p, err := sparkplug.Decode(cmd.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Metrics) != 1 || p.Metrics[0].Name != sparkplug.RebirthMetric || p.Metrics[0].Value != monitoring.BoolValue(true) {
				t.Errorf("NCMD metrics = %+v, want %s = true", p.Metrics, sparkplug.RebirthMetric)
			}
			// The node answers with a new birth, whose samples come next:
			// nothing of the message after the gap.
			send(edge.NBirth([]sparkplug.Metric{
				{Name: "Temperature", DataType: sparkplug.TypeDouble, Value: monitoring.NumberValue(7)},
			}, t1.Add(time.Minute)))
			expect(number(prefix+"Temperature", t1.Add(time.Minute), 7))
		})
	})
}

func TestClientState(t *testing.T) {
	forEachBroker(t, func(t *testing.T, brokerURL string) {
		t.Run("online while running, offline after a clean stop, retained", func(t *testing.T) {
			cfg := testConfig(brokerURL)
			_, stop, states := startHost(t, cfg, newSink(false))
			stop()
			if got := waitState(t, states, false); got.Timestamp != t0.UnixMilli() {
				t.Errorf("offline STATE timestamp = %d, want %d", got.Timestamp, t0.UnixMilli())
			}
			late := connect(t, brokerURL, "late-"+uniqueID(), nil)
			m := receive(t, subscribe(t, late, sparkplug.StateTopic(cfg.HostID)))
			if !m.Retained() || string(m.Payload()) != string(sparkplug.StatePayload(false, t0)) {
				t.Errorf("retained STATE = %s (retained %t), want %s", m.Payload(), m.Retained(), sparkplug.StatePayload(false, t0))
			}
		})
		t.Run("offline by the will when the connection drops", func(t *testing.T) {
			p := startProxy(t, brokerURL)
			cfg := testConfig(brokerURL)
			clearSession(t, brokerURL, cfg.ClientID, cfg.HostID)
			watcher := connect(t, brokerURL, "watch-"+uniqueID(), nil)
			states := subscribe(t, watcher, sparkplug.StateTopic(cfg.HostID))
			cfg.URL = p.URL()
			_, stop := startClient(t, cfg, newSink(false))
			online := waitState(t, states, true)
			p.cut()
			if got := waitState(t, states, false); got.Timestamp != online.Timestamp {
				t.Errorf("will timestamp = %d, want the birth's %d", got.Timestamp, online.Timestamp)
			}
			stop()
		})
	})
}

func TestClientRedelivery(t *testing.T) {
	forEachBroker(t, func(t *testing.T, brokerURL string) {
		cfg := testConfig(brokerURL)
		failing := newSink(true)
		_, stop, _ := startHost(t, cfg, failing)

		pub := connect(t, brokerURL, "pub-"+uniqueID(), nil)
		topic := "forkline/v1/" + uniqueID() + "/cold/line1/chiller"
		waitToken(t, pub.Publish(topic, 1, false, []byte(`{"timestamp": 1767340800000, "values": {"temp": 3.5}}`)))
		select {
		case <-failing.attempts:
		case <-time.After(wait):
			t.Fatal("the client did not try to store the samples")
		}
		stop() // without acknowledging the message

		sink := newSink(false)
		second, _, _ := startHost(t, cfg, sink) // the same client id
		want := []monitoring.Sample{number(topic+"/temp", time.UnixMilli(1767340800000).UTC(), 3.5)}
		if diff := cmp.Diff(want, sink.next(t)); diff != "" {
			t.Errorf("redelivered samples (-want +got):\n%s", diff)
		}
		if got := second.Stats().Samples; got != 1 {
			t.Errorf("Stats().Samples = %d, want 1", got)
		}
	})
}

func TestClientJSON(t *testing.T) {
	forEachBroker(t, func(t *testing.T, brokerURL string) {
		cfg := testConfig(brokerURL)
		sink := newSink(false)
		startHost(t, cfg, sink)
		pub := connect(t, brokerURL, "pub-"+uniqueID(), nil)
		topic := "forkline/v1/" + uniqueID() + "/packing/line2/labeller"

		waitToken(t, pub.Publish(topic, 1, false, []byte(`{"timestamp": "2026-01-02T07:30:00Z", "values": {"good": 120, "state": "running"}}`)))
		at := time.Date(2026, 1, 2, 7, 30, 0, 0, time.UTC)
		want := []monitoring.Sample{
			number(topic+"/good", at, 120),
			{Address: topic + "/state", Time: at, Value: monitoring.TextValue("running")},
		}
		if diff := cmp.Diff(want, sink.next(t)); diff != "" {
			t.Errorf("samples (-want +got):\n%s", diff)
		}

		// Without a timestamp the receive time counts; a bad message is
		// acknowledged and skipped, and the next one still arrives.
		waitToken(t, pub.Publish(topic, 1, false, []byte(`{"values": {"good": "x", "bad": {}}}`)))
		waitToken(t, pub.Publish(topic, 1, false, []byte(`{"values": {"good": 121}}`)))
		if diff := cmp.Diff([]monitoring.Sample{number(topic+"/good", t0, 121)}, sink.next(t)); diff != "" {
			t.Errorf("samples (-want +got):\n%s", diff)
		}
	})
}
