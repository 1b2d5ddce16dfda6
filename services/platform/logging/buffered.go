package logging

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Flushing policy of the process log: a busy server writes thousands of
// access-log lines a second, and a write system call per line cost as
// much CPU as the rest of the line. Lines wait in memory for at most
// FlushInterval, or until FlushBytes have gathered.
const (
	FlushInterval = 100 * time.Millisecond
	FlushBytes    = 64 << 10
)

// BufferedWriter gathers writes in memory and passes them on together:
// when FlushBytes have gathered, every FlushInterval, on Flush and on
// Close. Each Write is kept whole (a slog handler writes one line per
// call), so lines are never torn or interleaved; their order is kept.
// It is safe for concurrent use.
type BufferedWriter struct {
	out io.Writer

	mu     sync.Mutex // guards buf and closed
	buf    []byte
	closed bool

	flushMu sync.Mutex // one flush at a time, so batches stay in order
	spare   []byte     // the buffer a flush swaps in; guarded by flushMu

	stop      chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
}

// NewBufferedWriter writes to out through a buffer flushed every interval
// by a goroutine of its own, until Close.
func NewBufferedWriter(out io.Writer, interval time.Duration) *BufferedWriter {
	w := &BufferedWriter{out: out, buf: make([]byte, 0, FlushBytes), spare: make([]byte, 0, FlushBytes),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	go w.flushEvery(interval)
	return w
}

func (w *BufferedWriter) flushEvery(interval time.Duration) {
	defer close(w.stopped)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-ticker.C:
			_ = w.Flush() // a log that cannot be written has no one to tell
		}
	}
}

// Write buffers p whole; after Close it writes p through.
func (w *BufferedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		w.flushMu.Lock() // after any flush still writing
		defer w.flushMu.Unlock()
		return w.out.Write(p)
	}
	w.buf = append(w.buf, p...)
	full := len(w.buf) >= FlushBytes
	w.mu.Unlock()
	if full {
		// p is taken either way: it went out with the batch or was lost
		// with it.
		return len(p), w.Flush()
	}
	return len(p), nil
}

// Flush writes out what is buffered. Writers go on filling the next
// buffer meanwhile.
func (w *BufferedWriter) Flush() error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	batch := w.buf
	w.buf = w.spare
	w.mu.Unlock()
	if len(batch) == 0 {
		w.spare = batch
		return nil
	}
	_, err := w.out.Write(batch)
	if cap(batch) > 4*FlushBytes {
		batch = make([]byte, 0, FlushBytes) // a huge line does not stay in memory
	}
	w.spare = batch[:0]
	return err
}

// Close stops the periodic flush and writes out everything buffered;
// later writes go straight through. It does not close the writer below.
func (w *BufferedWriter) Close() error {
	w.closeOnce.Do(func() {
		close(w.stop)
		<-w.stopped
	})
	err := w.Flush()
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	// A line written between the flush and closed being set.
	if flushErr := w.Flush(); err == nil {
		err = flushErr
	}
	return err
}

// NewBuffered is New writing through a BufferedWriter: the process logger
// of a server. Error lines are flushed at once (an operator watching, or
// a crash that follows, should not lose them). The returned function
// flushes and stops the buffer: call it before the process exits.
func NewBuffered(out io.Writer, level string) (*slog.Logger, func() error, error) {
	buffered := NewBufferedWriter(out, FlushInterval)
	logger, err := New(buffered, level)
	if err != nil {
		_ = buffered.Close()
		return nil, nil, err
	}
	return slog.New(flushOnError{logger.Handler(), buffered}), buffered.Close, nil
}

// flushOnError flushes the buffer after an error-level record.
type flushOnError struct {
	slog.Handler
	buffered *BufferedWriter
}

func (h flushOnError) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelError {
		if flushErr := h.buffered.Flush(); err == nil {
			err = flushErr
		}
	}
	return err
}

func (h flushOnError) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushOnError{h.Handler.WithAttrs(attrs), h.buffered}
}

func (h flushOnError) WithGroup(name string) slog.Handler {
	return flushOnError{h.Handler.WithGroup(name), h.buffered}
}
