// Package sports maps Polar AccessLink sports to FIT sports.
//
// The mapping follows the two appendices of the AccessLink v3
// documentation: "Detailed sport info values in exercise entity" (the
// detailed_sport_info value and its Polar Flow name) and "Sport type
// mapping in FIT-files" (Polar Flow name → FIT sport and sub-sport). The
// two tables disagree in spelling and case, and the FIT table gives
// multisport legs (a triathlon's running part, say) a different mapping
// from the plain sport of the same Flow name, so the joined table is
// written out row by row rather than computed. The rows are the SDK's
// (pluginapi.Sports), so exporters see the same vocabulary; this package
// adds the library's FIT values, configured overrides and the lookup.
package sports
