// Command postgres is the polarbridge PostgreSQL exporter plugin. It is
// started by the polarbridge daemon; see README.md for its config and
// schema.
package main

import (
	_ "embed"

	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/postgres/pgexport"
)

// sampleConfig lives next to the README; go:embed cannot reach it from
// pgexport.
//
//go:embed config.sample.yaml
var sampleConfig string

func main() { pluginapi.Serve(pgexport.New(sampleConfig)) }
