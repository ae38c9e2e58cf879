// Command testexporter serves internal/testexporter/exporter as a plugin
// binary for the project's tests and benchmarks.
package main

import (
	"github.com/polarbridge/polarbridge/internal/testexporter/exporter"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func main() { pluginapi.Serve(&exporter.Exporter{}) }
