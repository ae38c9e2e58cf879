package accesslink

import "github.com/polarbridge/polarbridge/pluginapi"

// The bridge's own events for Elixir biosensing: Polar sends no webhook
// for it; the poller lists it and puts each new or changed entry on the
// events subject with the entry in Data (like CARDIO_LOAD), so taking it
// in costs no further call.
const (
	EventSkinTemperature WebhookEvent = "SKIN_TEMPERATURE"
	EventSkinContacts    WebhookEvent = "SKIN_CONTACTS"
	EventECGTest         WebhookEvent = "ECG_TEST"
	EventSpO2Test        WebhookEvent = "SPO2_TEST"
)

// ListedKinds maps the events of SleepWise and biosensing entries to
// their record kinds. SLEEP_WISE_* come from Polar with from and to (the
// worker fetches that range) or from the poller with the entry in Data;
// the biosensing events always carry Data.
var ListedKinds = map[WebhookEvent]pluginapi.RecordKind{
	EventSleepWiseAlertness:        pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS,
	EventSleepWiseCircadianBedtime: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME,
	EventSkinTemperature:           pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE,
	EventSkinContacts:              pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS,
	EventECGTest:                   pluginapi.RecordKind_RECORD_KIND_ECG_TEST,
	EventSpO2Test:                  pluginapi.RecordKind_RECORD_KIND_SPO2_TEST,
}

// listedMissing says what a SleepWise or biosensing event lacks, or "".
func listedMissing(p *WebhookPayload) string {
	if _, ok := ListedKinds[p.Event]; !ok {
		return ""
	}
	switch {
	case p.UserID == 0:
		return "user_id"
	case len(p.Data) > 0:
		return ""
	case p.Event != EventSleepWiseAlertness && p.Event != EventSleepWiseCircadianBedtime:
		return "data"
	case p.From == "":
		return "from"
	case p.To == "":
		return "to"
	}
	return ""
}
