package testenv

import (
	"bufio"
	"bytes"
	"encoding/json"
	"sync"
	"testing"
)

// LogBuffer collects JSON log lines written from many goroutines (give it
// to slog.NewJSONHandler), for a test to read while they are written.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Lines returns the log lines so far, decoded; a line that is not JSON
// fails the test.
func (b *LogBuffer) Lines(t testing.TB) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var lines []map[string]any
	scanner := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		var line map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
			t.Fatalf("not a JSON log line: %s", scanner.Text())
		}
		lines = append(lines, line)
	}
	return lines
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
