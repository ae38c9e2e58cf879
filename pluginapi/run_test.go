package pluginapi_test

import "os/exec"

func runBinary(path string) (string, error) {
	out, err := exec.Command(path).CombinedOutput()
	return string(out), err
}
