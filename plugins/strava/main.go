// Command strava is the polarbridge Strava exporter plugin. It is started
// by the polarbridge daemon; see README.md for its config.
package main

import (
	_ "embed"

	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/strava/stravaexport"
)

// sampleConfig lives next to the README; go:embed cannot reach it from
// stravaexport.
//
//go:embed config.sample.yaml
var sampleConfig string

func main() { pluginapi.Serve(stravaexport.New(sampleConfig)) }
