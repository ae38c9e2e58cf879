package testmqtt

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

var clientSeq atomic.Int64

// Message is one message a Recorder got.
type Message struct {
	Topic    string
	Payload  []byte
	Retained bool
}

// Recorder is a client subscribed to a topic filter that keeps every
// message it receives.
type Recorder struct {
	c  mqtt.Client
	mu sync.Mutex
	m  []Message
}

// Subscribe connects a client (as user, password when given) and
// subscribes to filter at QoS 1; retained messages arrive first.
func (b *Broker) Subscribe(t testing.TB, filter string, auth ...string) *Recorder {
	t.Helper()
	r := &Recorder{}
	r.c = b.connect(t, auth...)
	tok := r.c.Subscribe(filter, 1, func(_ mqtt.Client, m mqtt.Message) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.m = append(r.m, Message{Topic: m.Topic(), Payload: append([]byte(nil), m.Payload()...), Retained: m.Retained()})
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("testmqtt: subscribe %s: %v", filter, tok.Error())
	}
	t.Cleanup(func() { r.c.Disconnect(0) })
	return r
}

func (b *Broker) connect(t testing.TB, auth ...string) mqtt.Client {
	t.Helper()
	o := b.options(fmt.Sprintf("testmqtt-%d", clientSeq.Add(1))).SetConnectTimeout(5 * time.Second)
	if len(auth) == 2 {
		o.SetUsername(auth[0]).SetPassword(auth[1])
	}
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("testmqtt: connect to %s: %v", b.URL, tok.Error())
	}
	return c
}

// options are a test client's: no reconnection, and the broker's CA
// when it speaks TLS.
func (b *Broker) options(id string) *mqtt.ClientOptions {
	o := mqtt.NewClientOptions().AddBroker(b.URL).SetClientID(id).SetAutoReconnect(false)
	if b.CAFile != "" {
		pool := x509.NewCertPool()
		if pem, err := os.ReadFile(b.CAFile); err == nil {
			pool.AppendCertsFromPEM(pem)
		}
		o.SetTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	}
	return o
}

// Messages returns what was received so far, in order.
func (r *Recorder) Messages() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.m...)
}

// Last returns the last message received on topic.
func (r *Recorder) Last(topic string) (Message, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.m) - 1; i >= 0; i-- {
		if r.m[i].Topic == topic {
			return r.m[i], true
		}
	}
	return Message{}, false
}

// Count returns how many messages arrived on topic.
func (r *Recorder) Count(topic string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.m {
		if m.Topic == topic {
			n++
		}
	}
	return n
}

// Retained returns the retained message of every topic matching filter,
// as a new subscriber gets them: it waits until none has arrived for
// quiet.
func (b *Broker) Retained(t testing.TB, filter string, quiet time.Duration) map[string][]byte {
	t.Helper()
	r := b.Subscribe(t, filter)
	n := -1
	for {
		time.Sleep(quiet)
		m := r.Messages()
		if len(m) == n {
			break
		}
		n = len(m)
	}
	out := map[string][]byte{}
	for _, m := range r.Messages() {
		if m.Retained {
			out[m.Topic] = m.Payload
		}
	}
	r.c.Disconnect(0)
	return out
}

// Publish publishes payload on topic at QoS 1, e.g. Home Assistant's
// "online" on homeassistant/status.
func (b *Broker) Publish(t testing.TB, topic string, retained bool, payload string) {
	t.Helper()
	c := b.connect(t)
	defer c.Disconnect(100)
	if tok := c.Publish(topic, 1, retained, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("testmqtt: publish %s: %v", topic, tok.Error())
	}
}
