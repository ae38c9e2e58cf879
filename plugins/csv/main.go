// Command csv is the polarbridge CSV exporter plugin. It is started by the
// polarbridge daemon; see README.md for its config and files.
package main

import (
	_ "embed"

	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/csv/csvexport"
)

// sampleConfig is embedded here rather than in csvexport because go:embed
// cannot reach a parent directory, and the sample belongs next to the
// README.
//
//go:embed config.sample.yaml
var sampleConfig string

// PackedValues: the samples files print decimal values from the integers
// they were sent as (csvexport.seriesValues).
func main() { pluginapi.Serve(csvexport.New(sampleConfig), pluginapi.PackedValues()) }
