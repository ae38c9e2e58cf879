package pluginapi

import "testing"

func TestSports(t *testing.T) {
	all := Sports()
	if len(all) < 100 {
		t.Fatalf("%d documented sports; the AccessLink appendix lists over a hundred", len(all))
	}
	for i, s := range all {
		if i > 0 && all[i-1].Detailed >= s.Detailed {
			t.Errorf("not sorted at %s", s.Detailed)
		}
		if _, ok := FITSport(s.FITSport); !ok {
			t.Errorf("%s: FIT sport %q is not a profile name", s.Detailed, s.FITSport)
		}
		if _, ok := FITSubSport(s.FITSubSport); s.FITSubSport != "" && !ok {
			t.Errorf("%s: FIT sub-sport %q is not a profile name", s.Detailed, s.FITSubSport)
		}
	}
	s, ok := SportByDetailed(" trail-running ")
	if !ok || s.FlowName != "Trail running" || s.FITSport != "RUNNING" || s.FITSubSport != "TRAIL" {
		t.Errorf("SportByDetailed(trail-running) = %+v, %v", s, ok)
	}
	if _, ok := SportByDetailed("NOT_A_SPORT"); ok {
		t.Error("an unknown sport was found")
	}
	all[0].FlowName = "changed"
	if Sports()[0].FlowName == "changed" {
		t.Error("Sports returns the SDK's own slice")
	}
}

func TestFITNames(t *testing.T) {
	id, ok := FITSport("cross_country_skiing")
	if !ok || FITSportName(id) != "CROSS_COUNTRY_SKIING" {
		t.Errorf("FITSport(cross_country_skiing) = %d, %v", id, ok)
	}
	sub, ok := FITSubSport("INDOOR_CYCLING")
	if !ok || FITSubSportName(sub) != "INDOOR_CYCLING" {
		t.Errorf("FITSubSport(INDOOR_CYCLING) = %d, %v", sub, ok)
	}
	if _, ok := FITSport("JOGGING"); ok {
		t.Error("JOGGING is no FIT sport")
	}
}
