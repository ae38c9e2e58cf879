// Command mqtt is the polarbridge MQTT exporter plugin for Home
// Assistant. It is started by the polarbridge daemon; see README.md.
package main

import (
	_ "embed"

	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/mqtt/mqttexport"
)

// sampleConfig lives next to the README; go:embed cannot reach it from
// mqttexport.
//
//go:embed config.sample.yaml
var sampleConfig string

func main() { pluginapi.Serve(mqttexport.New(sampleConfig)) }
