package stravaexport

import (
	"fmt"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// render runs the name and description templates (over
// pluginapi.ExerciseTemplateData).
func (e *Exporter) render(d pluginapi.ExerciseTemplateData) (name, desc string, err error) {
	if name, err = e.s.name.Render(d); err != nil {
		return "", "", fmt.Errorf("%w: %w", pluginapi.ErrPermanent, err)
	}
	if desc, err = e.s.desc.Render(d); err != nil {
		return "", "", fmt.Errorf("%w: %w", pluginapi.ErrPermanent, err)
	}
	return name, desc, nil
}
