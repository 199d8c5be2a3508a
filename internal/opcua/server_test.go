package opcua_test

import (
	"context"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gopcua/opcua/id"
	"github.com/gopcua/opcua/server"
	"github.com/gopcua/opcua/ua"
)

// plc holds the values of the simulated machine's nodes. It outlives the
// servers that publish it, so a restarted server shows the same values.
type plc struct {
	mu     sync.Mutex
	values map[string]*ua.DataValue // by node id string
	ns     *server.NodeNameSpace    // of the running server
}

// newPLC returns a machine whose nodes start with the values given.
func newPLC(values map[string]*ua.DataValue) *plc {
	return &plc{values: values}
}

// set changes a node's value and, when a server runs, notifies its
// subscribers.
func (p *plc) set(t *testing.T, node string, dv *ua.DataValue) {
	t.Helper()
	p.mu.Lock()
	if _, ok := p.values[node]; !ok {
		p.mu.Unlock()
		t.Fatalf("plc has no node %s", node)
	}
	p.values[node] = dv
	ns := p.ns
	p.mu.Unlock()
	if ns != nil {
		ns.ChangeNotification(ua.MustParseNodeID(node))
	}
}

func (p *plc) value(node string) *ua.DataValue {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.values[node]
}

// serve starts an in-process OPC UA server on 127.0.0.1:port, security None,
// anonymous, with the machine's nodes in namespace 1. It returns a function
// that stops it.
func (p *plc) serve(t *testing.T, port int) (stop func()) {
	t.Helper()
	srv := server.New(
		server.EndPoint("127.0.0.1", port),
		server.EnableSecurity("None", ua.MessageSecurityModeNone),
		server.EnableAuthMode(ua.UserTokenTypeAnonymous),
	)
	root, err := srv.Namespace(0)
	if err != nil {
		t.Fatal(err)
	}
	ns := server.NewNodeNameSpace(srv, "urn:forkline:test:plc")
	root.Objects().AddRef(ns.Objects(), id.HasComponent, true)
	p.mu.Lock()
	for node := range p.values {
		nid := ua.MustParseNodeID(node)
		n := server.NewVariableNode(nid, nid.StringID(), func() *ua.DataValue { return p.value(node) })
		ns.AddNode(n)
		ns.Objects().AddRef(n, id.HasComponent, true)
	}
	p.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Start(ctx); err != nil {
		cancel()
		t.Fatalf("start server: %v", err)
	}
	p.mu.Lock()
	p.ns = ns
	p.mu.Unlock()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			p.mu.Lock()
			p.ns = nil
			p.mu.Unlock()
			srv.Close()
			cancel()
		})
	}
	t.Cleanup(stop)
	return stop
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// reading is a good value with a source timestamp, as a PLC sends it.
func reading(v any, at time.Time) *ua.DataValue {
	return &ua.DataValue{
		EncodingMask:    ua.DataValueValue | ua.DataValueSourceTimestamp | ua.DataValueServerTimestamp,
		Value:           ua.MustVariant(v),
		SourceTimestamp: at,
		ServerTimestamp: at.Add(time.Millisecond),
	}
}

// failure is a bad value: the sensor failed.
func failure(at time.Time) *ua.DataValue {
	return &ua.DataValue{
		EncodingMask:    ua.DataValueStatusCode | ua.DataValueSourceTimestamp,
		Status:          ua.StatusBadSensorFailure,
		SourceTimestamp: at,
	}
}

// proxy forwards TCP connections from its own port to a backend port, and
// can cut every connection it carries, as a pulled cable or a PLC that
// reboots does. The gopcua server's Close stops listening but leaves open
// connections in place, so the tests cut them here.
type proxy struct {
	l       net.Listener
	mu      sync.Mutex
	backend int
	conns   []net.Conn
}

func newProxy(t *testing.T, backend int) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, backend: backend}
	go p.accept()
	t.Cleanup(func() {
		l.Close()
		p.cut()
	})
	return p
}

func (p *proxy) port() int { return p.l.Addr().(*net.TCPAddr).Port }

func (p *proxy) accept() {
	for {
		in, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		backend := p.backend
		p.mu.Unlock()
		out, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(backend)))
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go func() { io.Copy(out, in); out.Close() }()
		go func() { io.Copy(in, out); in.Close() }()
	}
}

// cut closes every connection the proxy carries.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
