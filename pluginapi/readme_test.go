package pluginapi

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocsNameEveryKind: the plugin guide and config.yaml.example list
// every record kind, so a new kind is documented where plugin authors
// and users look (#16).
func TestDocsNameEveryKind(t *testing.T) {
	guide, err := os.ReadFile("README.md")
	require.NoError(t, err)
	example, err := os.ReadFile("../config.yaml.example")
	require.NoError(t, err)
	for v, name := range RecordKind_name {
		if v == 0 {
			continue
		}
		assert.Contains(t, string(guide), "`"+name+"`", "pluginapi/README.md")
		assert.True(t, strings.Contains(string(example), KindName(RecordKind(v))), "config.yaml.example lacks %s", KindName(RecordKind(v)))
	}
}
