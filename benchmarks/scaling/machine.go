package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// cpuSample is a reading of the machine's and this process's CPU time, in
// clock ticks, from /proc/stat and /proc/self/stat (Linux only).
type cpuSample struct {
	ok          bool
	total, busy uint64 // all CPUs: every state, and every state but idle and iowait
	own         uint64 // this process: user + system
}

// sampleCPU reads the counters; ok is false where /proc is missing.
func sampleCPU() cpuSample {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuSample{}
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return cpuSample{}
	}
	var s cpuSample
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return cpuSample{}
		}
		// Fields: user nice system idle iowait irq softirq steal guest
		// guest_nice; guest time is already counted in user and nice.
		if i >= 8 {
			break
		}
		s.total += n
		if i != 3 && i != 4 {
			s.busy += n
		}
	}
	self, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return cpuSample{}
	}
	// The command name (field 2) may hold spaces; count from its ')'.
	rest := string(self)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	g := strings.Fields(rest) // g[0] is field 3, the state
	if len(g) < 13 {
		return cpuSample{}
	}
	ut, err1 := strconv.ParseUint(g[11], 10, 64) // field 14, utime
	st, err2 := strconv.ParseUint(g[12], 10, 64) // field 15, stime
	if err1 != nil || err2 != nil {
		return cpuSample{}
	}
	s.own = ut + st
	s.ok = true
	return s
}

// othersShare returns the share of the machine's CPU time between a and b
// that other processes used (busy time minus this process's), as a
// sentence, or "" when it cannot be read.
func othersShare(a, b cpuSample) string {
	if !a.ok || !b.ok || b.total <= a.total {
		return ""
	}
	total := float64(b.total - a.total)
	busy := float64(b.busy - a.busy)
	own := float64(b.own - a.own)
	others := max(0, busy-own) / total
	return fmt.Sprintf("CPU time during this sweep: this program %.0f %%, other processes %.0f %% of the machine's %d CPUs", 100*own/total, 100*others, runtime.NumCPU())
}

// loadAvg returns the first three fields of /proc/loadavg, or "unknown".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or "unknown CPU".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
