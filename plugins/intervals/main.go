// Command intervals is the polarbridge intervals.icu exporter plugin. It
// is started by the polarbridge daemon; see README.md for its config.
package main

import (
	_ "embed"

	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/intervals/intervalsexport"
)

// sampleConfig lives next to the README; go:embed cannot reach it from
// intervalsexport.
//
//go:embed config.sample.yaml
var sampleConfig string

func main() { pluginapi.Serve(intervalsexport.New(sampleConfig)) }
