package chaos

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// Recorder appends events to a history file. The file is opened with
// O_APPEND and every event is one write(2) of one line, so lines from
// several processes never interleave, and a line is in the page cache, safe
// from a SIGKILL of its writer, once Record returns. Safe for concurrent
// use (os.File serialises writes).
type Recorder struct {
	f   *os.File
	tee io.Writer
}

// OpenRecorder opens (creating it if needed) the history at path. When tee
// is not nil every line is also written to it after the file, so that a
// reader can be woken by it.
func OpenRecorder(path string, tee io.Writer) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("chaos: opening the history: %w", err)
	}
	return &Recorder{f: f, tee: tee}, nil
}

// Record appends e (its Seq is ignored).
func (r *Recorder) Record(e Event) error {
	line := []byte(e.String() + "\n")
	if _, err := r.f.Write(line); err != nil {
		return fmt.Errorf("chaos: recording %q: %w", line, err)
	}
	if r.tee != nil {
		_, _ = r.tee.Write(line)
	}
	return nil
}

// Close closes the file.
func (r *Recorder) Close() error { return r.f.Close() }

// Reader reads a history as it grows. Not safe for concurrent use.
type Reader struct {
	f       *os.File
	partial []byte // the start of a line not yet complete
	seq     int
}

// OpenReader opens the history at path for reading from its start.
func OpenReader(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("chaos: opening the history: %w", err)
	}
	return &Reader{f: f}, nil
}

// Next returns the events appended since the last call, numbered on from
// the ones before. A line still being written is left for the next call.
func (r *Reader) Next() ([]Event, error) {
	var events []Event
	buf := make([]byte, 64<<10)
	for {
		n, err := r.f.Read(buf)
		r.partial = append(r.partial, buf[:n]...)
		for {
			i := bytes.IndexByte(r.partial, '\n')
			if i < 0 {
				break
			}
			line := string(r.partial[:i])
			r.partial = r.partial[i+1:]
			e, perr := ParseEvent(line)
			if perr != nil {
				return events, perr
			}
			e.Seq = r.seq
			r.seq++
			events = append(events, e)
		}
		if err == io.EOF || n == 0 {
			r.partial = append([]byte(nil), r.partial...) // let the read lines go
			return events, nil
		}
		if err != nil {
			return events, fmt.Errorf("chaos: reading the history: %w", err)
		}
	}
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }

// ReadAll reads the whole history at path.
func ReadAll(path string) ([]Event, error) {
	r, err := OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Next()
}
