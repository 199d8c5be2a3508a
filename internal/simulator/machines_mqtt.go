package simulator

import (
	"fmt"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/forkline/forkline/internal/sparkplug"
)

// publishTimeout bounds the wait for a publish to leave (QoS 0) or be
// acknowledged (QoS 1).
const publishTimeout = 10 * time.Second

// ConnectEdges connects one MQTT client per edge node of l to the broker
// at brokerURL (e.g. "tcp://127.0.0.1:1883"), each with the node's NDEATH
// as its Will (see Live.Wills), subscribed to the node's NCMD topic so that
// a host's rebirth request reaches l; after a reconnect the node is born
// again. It returns the Publisher to give Live.Run and a function that
// disconnects the clients (call it after Run returned, so that the NDEATHs
// Run publishes go out). clientPrefix starts the MQTT client IDs, e.g.
// "forkline-sim".
func ConnectEdges(l *Live, brokerURL, clientPrefix string) (Publisher, func(), error) {
	pubs := map[EdgeNode]Publisher{}
	var clients []paho.Client
	disconnect := func() {
		for _, c := range clients {
			c.Disconnect(250)
		}
	}
	for _, w := range l.Wills() {
		node := w.Node
		var connected atomic.Bool
		opts := paho.NewClientOptions().AddBroker(brokerURL).
			SetClientID(fmt.Sprintf("%s-%s-%s", clientPrefix, node.Group, node.Node)).
			SetCleanSession(true).SetAutoReconnect(true).SetOrderMatters(false).
			SetBinaryWill(w.Topic, w.Payload, 1, false).
			SetOnConnectHandler(func(c paho.Client) {
				cmd := sparkplug.Topic{Type: sparkplug.NCmd, Group: node.Group, EdgeNode: node.Node}.String()
				c.Subscribe(cmd, 1, func(_ paho.Client, m paho.Message) {
					_ = l.HandleCommand(m.Topic(), m.Payload()) // a command Forkline cannot read is ignored
				})
				if connected.Swap(true) {
					l.Rebirth(node.Group, node.Node)
				}
			})
		c := paho.NewClient(opts)
		tok := c.Connect()
		if !tok.WaitTimeout(publishTimeout) {
			disconnect()
			return nil, nil, fmt.Errorf("connect edge node %s/%s to %s: timed out", node.Group, node.Node, brokerURL)
		}
		if err := tok.Error(); err != nil {
			disconnect()
			return nil, nil, fmt.Errorf("connect edge node %s/%s to %s: %w", node.Group, node.Node, brokerURL, err)
		}
		clients = append(clients, c)
		pubs[node] = PublisherFunc(func(topic string, qos byte, retain bool, payload []byte) error {
			tok := c.Publish(topic, qos, retain, payload)
			if !tok.WaitTimeout(publishTimeout) {
				return fmt.Errorf("publish %s: timed out", topic)
			}
			return tok.Error()
		})
	}
	return Route(pubs), disconnect, nil
}
