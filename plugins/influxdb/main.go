// Command influxdb is the polarbridge InfluxDB exporter plugin. It is
// started by the polarbridge daemon; see README.md for its config and
// schema.
package main

import (
	_ "embed"

	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/influxdb/influxexport"
)

// sampleConfig lives next to the README; go:embed cannot reach it from
// influxexport.
//
//go:embed config.sample.yaml
var sampleConfig string

func main() { pluginapi.Serve(influxexport.New(sampleConfig)) }
