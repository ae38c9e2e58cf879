package mqttexport

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// authError: the broker refused the credentials; only the user can fix
// them.
type authError struct{ msg string }

func (e *authError) Error() string   { return e.msg }
func (e *authError) Permanent() bool { return true }

// conn is the plugin's connection to the broker. It connects in the
// background and reconnects with backoff; onConnect runs (in its own
// goroutine) after every connection, to re-announce.
//
// Reconnecting is ours, not paho's: paho's automatic reconnection resends
// the publishes that were in flight from its memory store, and does so
// racing its own writer (the race detector catches it in
// TestBrokerRestartLosesNothing). A fresh connection with a clean session
// drops them instead; their exports fail and the host retries them.
type conn struct {
	s        *settings
	c        mqtt.Client
	log      *slog.Logger
	instance string

	mu        sync.Mutex
	lastErr   error
	stop      chan struct{}
	done      chan struct{}
	lost      chan struct{}
	closeOnce sync.Once
}

func newConn(s *settings, instance string, log *slog.Logger, onConnect func(), onHAStatus func(online bool)) *conn {
	cn := &conn{s: s, log: log, instance: instance, stop: make(chan struct{}), done: make(chan struct{}), lost: make(chan struct{}, 1)}
	id := s.cfg.ClientID
	if id == "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		id = "polarbridge-" + instance + "-" + hex.EncodeToString(b)
	}
	o := mqtt.NewClientOptions().AddBroker(s.cfg.Broker).SetClientID(id).
		SetCleanSession(true).SetAutoReconnect(false).
		SetConnectTimeout(s.connectTimeout).SetKeepAlive(30*time.Second).SetOrderMatters(false).
		// The last will: Home Assistant shows the sensors unavailable
		// when the bridge is gone without saying goodbye.
		SetWill(s.topics.Availability(), "offline", s.qos, true)
	if s.cfg.Username != "" {
		o.SetUsername(s.cfg.Username).SetPassword(s.cfg.Password)
	}
	if s.tls != nil {
		o.SetTLSConfig(s.tls)
	}
	o.SetOnConnectHandler(func(c mqtt.Client) {
		cn.setErr(nil)
		// Subscriptions do not survive a clean session: subscribe anew.
		c.Subscribe(s.topics.HAStatus(), 1, func(_ mqtt.Client, m mqtt.Message) {
			switch string(m.Payload()) {
			case "online":
				go onHAStatus(true)
			case "offline":
				go onHAStatus(false)
			}
		})
		go onConnect()
	})
	o.SetConnectionLostHandler(func(_ mqtt.Client, err error) {
		cn.setErr(err)
		log.Warn("lost the MQTT broker; reconnecting", "broker", redactURL(s.cfg.Broker), "error", err)
		select {
		case cn.lost <- struct{}{}:
		default:
		}
	})
	cn.c = mqtt.NewClient(o)
	go cn.connectLoop()
	return cn
}

func (cn *conn) setErr(err error) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	cn.lastErr = err
}

// connectLoop connects, retrying with backoff, and connects again each
// time the connection is lost, until close.
func (cn *conn) connectLoop() {
	defer close(cn.done)
	wait := time.Second
	for {
		tok := cn.c.Connect()
		select {
		case <-tok.Done():
		case <-cn.stop:
			return
		}
		err := tok.Error()
		if err == nil {
			cn.log.Info("connected to the MQTT broker", "broker", redactURL(cn.s.cfg.Broker))
			wait = time.Second
			select {
			case <-cn.lost:
				continue
			case <-cn.stop:
				return
			}
		}
		cn.setErr(err)
		cn.log.Warn("cannot connect to the MQTT broker; will retry", "broker", redactURL(cn.s.cfg.Broker), "error", err, "retry_in", wait)
		select {
		case <-time.After(wait):
		case <-cn.stop:
			return
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// ready returns nil when publishing can work, or why not.
func (cn *conn) ready() error {
	if cn.c.IsConnectionOpen() {
		return nil
	}
	cn.mu.Lock()
	err := cn.lastErr
	cn.mu.Unlock()
	broker := redactURL(cn.s.cfg.Broker)
	if errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword) || errors.Is(err, packets.ErrorRefusedNotAuthorised) {
		return &authError{msg: fmt.Sprintf("the MQTT broker %s refused the credentials (%v): check username and password (%s) and the broker's ACL, restart the daemon, then `polarbridge dlq replay --exporter %s`", broker, err, pluginapi.ConfigEnvVar(cn.instance, "password"), cn.instance)}
	}
	if err == nil {
		return fmt.Errorf("not connected to the MQTT broker %s yet", broker)
	}
	return fmt.Errorf("not connected to the MQTT broker %s: %w", broker, err)
}

// publish sends one message and waits for the broker's acknowledgement.
func (cn *conn) publish(topic string, retained bool, payload []byte) error {
	tok := cn.c.Publish(topic, cn.s.qos, retained, payload)
	if !tok.WaitTimeout(cn.s.publishTimeout) {
		return fmt.Errorf("publish %s: no acknowledgement from the MQTT broker %s within %s", topic, redactURL(cn.s.cfg.Broker), cn.s.publishTimeout)
	}
	if err := tok.Error(); err != nil {
		return fmt.Errorf("publish %s to the MQTT broker %s: %w", topic, redactURL(cn.s.cfg.Broker), err)
	}
	return nil
}

// close says goodbye (offline) and disconnects; later calls do nothing.
func (cn *conn) close() {
	cn.closeOnce.Do(func() {
		close(cn.stop)
		<-cn.done
		if cn.c.IsConnectionOpen() {
			_ = cn.publish(cn.s.topics.Availability(), true, []byte("offline"))
		}
		cn.c.Disconnect(250)
	})
}
