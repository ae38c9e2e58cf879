package config

import "strings"

func splitLines(s string) []string { return strings.Split(s, "\n") }
func trimLeft(s string) string     { return strings.TrimLeft(s, " #") }
