package logging_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"mall/services/platform/logging"
)

// recordingWriter remembers each write it was given, as a file would
// receive them.
type recordingWriter struct {
	mu     sync.Mutex
	writes [][]byte
}

func (r *recordingWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

func (r *recordingWriter) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(bytes.Join(r.writes, nil))
}

func (r *recordingWriter) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.writes)
}

// Many goroutines logging at once: after Close every line is there, whole
// (valid JSON), each goroutine's in its order, and they went out in far
// fewer writes than lines.
func TestBufferedLinesAreWholeInOrderAndAllOutOnClose(t *testing.T) {
	out := &recordingWriter{}
	logger, closeLog, err := logging.NewBuffered(out, "info")
	if err != nil {
		t.Fatal(err)
	}
	const writers, lines = 8, 2000
	padding := strings.Repeat("x", 200) // lines that cross the flush size
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				logger.Info("rpc", "writer", g, "line", i, "padding", padding)
			}
		})
	}
	wg.Wait()
	if err := closeLog(); err != nil {
		t.Fatal(err)
	}
	next := make([]int, writers)
	got := strings.Split(strings.TrimSuffix(out.text(), "\n"), "\n")
	for _, text := range got {
		var line struct{ Writer, Line int }
		if err := json.Unmarshal([]byte(text), &line); err != nil {
			t.Fatalf("a torn line: %q: %v", text, err)
		}
		if line.Line != next[line.Writer] {
			t.Fatalf("writer %d: line %d after %d", line.Writer, line.Line, next[line.Writer]-1)
		}
		next[line.Writer]++
	}
	if len(got) != writers*lines {
		t.Fatalf("%d lines, want %d", len(got), writers*lines)
	}
	if n := out.count(); n > writers*lines/50 {
		t.Fatalf("%d writes for %d lines: not buffered", n, len(got))
	}
	// After Close a line goes straight out.
	logger.Info("late")
	if !strings.Contains(out.text(), `"msg":"late"`) {
		t.Fatal("a line written after Close was kept back")
	}
}

// A quiet log still reaches its file within the interval, without Close.
func TestBufferedLinesGoOutWithinTheInterval(t *testing.T) {
	out := &recordingWriter{}
	w := logging.NewBufferedWriter(out, 10*time.Millisecond)
	t.Cleanup(func() { _ = w.Close() })
	if _, err := fmt.Fprintln(w, "one line"); err != nil {
		t.Fatal(err)
	}
	if out.count() != 0 {
		t.Fatal("written at once: not buffered")
	}
	deadline := time.Now().Add(2 * time.Second)
	for out.text() != "one line\n" {
		if time.Now().After(deadline) {
			t.Fatalf("after 2s the file has %q", out.text())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// An error line goes out at once, with the lines before it.
func TestBufferedErrorLinesGoOutAtOnce(t *testing.T) {
	out := &recordingWriter{}
	logger, closeLog, err := logging.NewBuffered(out, "info")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeLog() })
	logger.Info("before")
	logger.With("component", "x").Error("failed")
	text := out.text()
	if !strings.Contains(text, `"msg":"before"`) || !strings.Contains(text, `"msg":"failed"`) {
		t.Fatalf("after an error line the file has %q", text)
	}
}
