package testmqtt_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testmqtt"
)

func TestBrokerRetainsAcrossRestart(t *testing.T) {
	b := testmqtt.Start(t)
	b.Publish(t, "a/config", true, "kept")
	b.Publish(t, "a/live", false, "gone")
	assert.Equal(t, map[string][]byte{"a/config": []byte("kept")}, b.Retained(t, "a/#", 200*time.Millisecond))
	b.Stop()
	b.Restart()
	assert.Equal(t, map[string][]byte{"a/config": []byte("kept")}, b.Retained(t, "a/#", 200*time.Millisecond), "persistence keeps retained messages")
}

func TestBrokerWithUser(t *testing.T) {
	b := testmqtt.Start(t, testmqtt.WithUser("bridge", "s3cret"))
	r := b.Subscribe(t, "x", "bridge", "s3cret")
	require.NotNil(t, r)
}

func TestBrokerWithTLS(t *testing.T) {
	b := testmqtt.Start(t, testmqtt.WithTLS())
	require.Contains(t, b.URL, "ssl://")
	b.Publish(t, "t/x", true, "over tls")
	assert.Equal(t, map[string][]byte{"t/x": []byte("over tls")}, b.Retained(t, "t/#", 150*time.Millisecond))
}
