package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lockName is the lock file a run keeps in its output folder.
const lockName = ".train.lock"

// lockInfo is the content of a lock file (JSON): the run holding the
// folder, and the token that names its temporary files.
type lockInfo struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
	Command string    `json:"command"`
	Token   string    `json:"token"`
}

func (l *lockInfo) String() string {
	return fmt.Sprintf("pid %d on %s, started %s (%s)", l.PID, l.Host, l.Started.Format(time.RFC3339), l.Command)
}

// stale reports whether the run that wrote l has ended: it ran on this
// host and its process is gone. A lock from another host is never stale
// (its process cannot be checked from here).
func (l *lockInfo) stale() bool {
	host, err := os.Hostname()
	return err == nil && l.Host == host && !processAlive(l.PID)
}

// folderLock is a run's hold on an output folder: the file dir/.train.lock,
// created only if absent (O_EXCL), so two runs cannot both hold it.
type folderLock struct {
	path string
	info lockInfo
}

// lockTaken is how acquireLock got the folder.
type lockTaken struct {
	note string // what it replaced, for stderr ("" when the folder was free)
	// shared: -force took the folder from a run that may still be
	// writing in it, so no temporary file there can be called orphaned.
	shared bool
}

// acquireLock takes dir's lock for the run command. A lock left by a run
// whose process has ended on this host is taken over (the note says so); a
// live run's lock, another host's or an unreadable one refuses the folder,
// unless force.
func acquireLock(dir, command string, force bool) (*folderLock, lockTaken, error) {
	host, _ := os.Hostname()
	tok := make([]byte, 8)
	if _, err := rand.Read(tok); err != nil {
		return nil, lockTaken{}, err
	}
	lk := &folderLock{path: filepath.Join(dir, lockName), info: lockInfo{PID: os.Getpid(), Host: host,
		Started: time.Now().UTC().Truncate(time.Second), Command: command, Token: hex.EncodeToString(tok)}}
	var taken lockTaken
	for try := 0; ; try++ {
		err := lk.create()
		if err == nil {
			return lk, taken, nil
		}
		if !errors.Is(err, fs.ErrExist) || try == 2 {
			return nil, lockTaken{}, err
		}
		old, rerr := readLock(lk.path)
		switch {
		case rerr != nil && !force:
			return nil, lockTaken{}, fmt.Errorf("%s cannot be read (%v): if no other run uses the folder, pass -force", lk.path, rerr)
		case rerr != nil:
			taken.note, taken.shared = fmt.Sprintf("-force: replacing the unreadable lock %s", lk.path), true
		case old.stale():
			taken.note = fmt.Sprintf("taking over the lock of %s, which is no longer running", old)
		case !force:
			return nil, lockTaken{}, fmt.Errorf("in use by another run: %s; wait for it to end, or pass -force", old)
		default:
			taken.note, taken.shared = fmt.Sprintf("-force: taking the folder from %s, which will not write its outputs", old), true
		}
		if err := os.Remove(lk.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, lockTaken{}, err
		}
	}
}

// create writes the lock file if there is none.
func (lk *folderLock) create() error {
	b, err := json.Marshal(lk.info)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(lk.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(lk.path)
	}
	return err
}

// readLock reads a lock file.
func readLock(path string) (*lockInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var l lockInfo
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, err
	}
	if l.PID <= 0 || l.Token == "" {
		return nil, errors.New("no pid or token")
	}
	return &l, nil
}

// held returns nil while the lock file is still this run's, and otherwise
// an error naming who took it (with -force) or saying it is gone.
func (lk *folderLock) held() error {
	cur, err := readLock(lk.path)
	switch {
	case err != nil:
		return fmt.Errorf("the lock %s of this run is gone or unreadable (%v)", lk.path, err)
	case cur.Token != lk.info.Token:
		return fmt.Errorf("another run took the folder over (-force): %s", cur)
	}
	return nil
}

// release removes the lock file if it is still this run's.
func (lk *folderLock) release() {
	if lk.held() == nil {
		os.Remove(lk.path)
	}
}
