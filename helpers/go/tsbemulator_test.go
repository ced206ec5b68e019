package tsbemulator_test

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	tsbemulator "github.com/tsb-emulator/tsb-emulator/helpers/go"
)

func TestStartExportsTSBURLAndTheEmulatorAnswers(t *testing.T) {
	emu := tsbemulator.Start(t)
	if got := os.Getenv("TSB_URL"); got != emu.URL {
		t.Fatalf("TSB_URL = %q, want %q", got, emu.URL)
	}
	resp, err := http.Get(emu.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/health: %d", resp.StatusCode)
	}
}

func TestAKeyCreatedThroughTheHelperIsListed(t *testing.T) {
	emu := tsbemulator.Start(t)
	body := `{"label": "helper-go-key", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
		"attributes": {"sign": true, "decrypt": false, "unwrap": false, "destroyable": true}, "policy": null}`
	resp, err := http.Post(emu.URL+"/v1/key", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	list, err := http.Get(emu.URL + "/v1/key")
	if err != nil {
		t.Fatal(err)
	}
	defer list.Body.Close()
	buf := new(strings.Builder)
	if _, err := io.Copy(buf, list.Body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "helper-go-key") {
		t.Fatalf("list: %s", buf)
	}
}

func TestStopEndsTheProcessAndCanBeCalledTwice(t *testing.T) {
	emu, err := tsbemulator.Launch()
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := emu.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(emu.URL + "/health"); err == nil {
		t.Fatal("the emulator still answers after Stop")
	}
}
