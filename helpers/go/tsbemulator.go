// Package tsbemulator starts a tsb-emulator (an emulator of the Securosys TSB REST API)
// from Go tests: in memory, on a free port, healthy before it returns, stopped by
// t.Cleanup. Standard library only.
//
// The binary is $TSB_EMULATOR_BIN, else tsb-emulator on PATH.
package tsbemulator

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DefaultArgs are the flags added after --listen and --in-memory when $TSB_EMULATOR_ARGS is
// unset: no background RSA key generation eating a test machine's CPU or delaying the stop.
var DefaultArgs = []string{"--rsa-pool", "0"}

var listening = regexp.MustCompile(`listening on (https?://[0-9A-Za-z.:\[\]-]+)`)

// Emulator is one running emulator process.
type Emulator struct {
	// URL is the base URL, e.g. http://127.0.0.1:41721.
	URL string

	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	log  []string
}

// Start launches an emulator for the test, sets TSB_URL for the test's duration (with
// t.Setenv, so not in a t.Parallel test: use Launch there) and stops it in t.Cleanup.
func Start(t testing.TB, args ...string) *Emulator {
	t.Helper()
	e, err := Launch(args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Error(err)
		}
	})
	t.Setenv("TSB_URL", e.URL)
	return e
}

// Launch starts an emulator and waits until GET /health answers 200; the caller calls Stop
// (for one emulator shared by a package, from TestMain). args default to $TSB_EMULATOR_ARGS
// (split on spaces), else DefaultArgs.
func Launch(args ...string) (*Emulator, error) {
	bin := os.Getenv("TSB_EMULATOR_BIN")
	if bin == "" {
		found, err := exec.LookPath("tsb-emulator")
		if err != nil {
			return nil, errors.New("no emulator: set TSB_EMULATOR_BIN or put tsb-emulator on PATH")
		}
		bin = found
	}
	if len(args) == 0 {
		if env, ok := os.LookupEnv("TSB_EMULATOR_ARGS"); ok {
			args = strings.Fields(env)
		} else {
			args = DefaultArgs
		}
	}
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0", "--in-memory"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &Emulator{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go e.read(out, urls)
	go func() { _ = cmd.Wait(); close(e.done) }()

	select {
	case e.URL = <-urls:
	case <-e.done:
		return nil, fmt.Errorf("the emulator exited before listening:\n%s", e.Log())
	case <-time.After(30 * time.Second):
		_ = e.Stop()
		return nil, fmt.Errorf("the emulator did not start in 30 s:\n%s", e.Log())
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(e.URL + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return e, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = e.Stop()
	return nil, fmt.Errorf("%s/health did not answer 200:\n%s", e.URL, e.Log())
}

func (e *Emulator) read(out io.Reader, urls chan<- string) {
	scanner := bufio.NewScanner(out)
	sent := false
	for scanner.Scan() {
		line := scanner.Text()
		e.mu.Lock()
		e.log = append(e.log, line)
		e.mu.Unlock()
		if m := listening.FindStringSubmatch(line); m != nil && !sent {
			urls <- m[1]
			sent = true
		}
	}
}

// Log returns the server's log lines so far.
func (e *Emulator) Log() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.log, "\n")
}

// Stop sends SIGTERM, waits up to 10 s for a clean exit, then kills the process. Its
// in-memory keys are gone. Safe to call twice.
func (e *Emulator) Stop() error {
	select {
	case <-e.done:
		return nil
	default:
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.done:
		return nil
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
		return errors.New("the emulator did not stop within 10 s of SIGTERM; killed it")
	}
}
