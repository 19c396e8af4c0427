package main

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// flagDefaults returns the flags a command's -h lists, each with the
// default it shows ("" for a zero value, which flag does not show).
func flagDefaults(t *testing.T, cmd string) map[string]string {
	t.Helper()
	_, stderr, _ := runCmd(cmd, "-h") // an ErrHelp, or nil for gmm and lda
	def := regexp.MustCompile(`\(default "?(.*?)"?\)$`)
	flags := map[string]string{}
	name := ""
	for _, line := range strings.Split(stderr, "\n") {
		switch {
		case strings.HasPrefix(line, "  -"):
			name = strings.Fields(line)[0][1:]
			flags[name] = ""
		case name != "" && strings.HasPrefix(line, "    \t"):
			if m := def.FindStringSubmatch(line); m != nil {
				flags[name] = m[1]
			}
		}
	}
	return flags
}

// TestSVIFlagSpecs: every SVI command declares the shared flags, with its
// own defaults; those of svi.Run's loop only where the loop runs (not bnn).
func TestSVIFlagSpecs(t *testing.T) {
	t.Parallel()
	shared := []string{"steps", "lr", "particles", "estimator", "guide", "rank", "seed", "checkpoint",
		"checkpoint-every", "resume", "diagnostic-draws", "workers", "vectorize", "dtype"}
	loop := []string{"stop", "average", "clip", "schedule"}
	for _, tc := range []struct {
		cmd      string
		loop     bool
		defaults map[string]string // "" is a zero default
	}{
		{"blr", true, map[string]string{"steps": "5000", "lr": "0.01", "particles": "8", "estimator": "entropy", "seed": "1",
			"diagnostic-draws": "2000", "stop": "true", "average": "true", "schedule": "plateau", "guide": "meanfield", "rank": "2"}},
		{"gmm", true, map[string]string{"steps": "4000", "lr": "0.02", "particles": "4", "estimator": "entropy", "seed": "",
			"diagnostic-draws": "2000", "stop": "true"}},
		{"trueskill", true, map[string]string{"steps": "10000", "lr": "0.01", "particles": "4", "estimator": "entropy", "seed": "1"}},
		{"vae", true, map[string]string{"steps": "", "lr": "0.001", "particles": "1", "estimator": "kl", "seed": "1",
			"diagnostic-draws": "160", "stop": "", "average": "", "schedule": "none"}},
		{"bnn", false, map[string]string{"steps": "", "lr": "0.003", "particles": "2", "estimator": "entropy", "seed": "1",
			"diagnostic-draws": "1000", "checkpoint-every": "1000", "workers": "1", "vectorize": ""}},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			flags := flagDefaults(t, tc.cmd)
			for _, name := range shared {
				assert.Contains(t, flags, name)
			}
			for _, name := range loop {
				_, ok := flags[name]
				assert.Equal(t, tc.loop, ok, "-%s", name)
			}
			for name, want := range tc.defaults {
				assert.Equal(t, want, flags[name], "-%s", name)
			}
		})
	}
}

// TestSVIFlagsValidate: the checks of the shared flags, whose zero values
// mean something only where the spec says so.
func TestSVIFlagsValidate(t *testing.T) {
	t.Parallel()
	base := sviDefaults(100, 0.01, 2, "entropy")
	epochs := base
	epochs.epochs, epochs.noReport = true, true
	f32 := base
	f32.float32 = true
	for _, tc := range []struct {
		name string
		spec sviSpec
		edit func(f *sviFlags)
		want string // "" for no error
	}{
		{"defaults", base, func(*sviFlags) {}, ""},
		{"steps 0", base, func(f *sviFlags) { f.steps = 0 }, "-steps must be at least 1, got 0"},
		{"steps 0 from epochs", epochs, func(f *sviFlags) { f.steps = 0 }, ""},
		{"negative steps", epochs, func(f *sviFlags) { f.steps = -1 }, "-steps must be at least 0"},
		{"particles", base, func(f *sviFlags) { f.particles = 0 }, "-particles must be at least 1"},
		{"workers", base, func(f *sviFlags) { f.workers = 0 }, "-workers must be at least 1, got 0"},
		{"lr", base, func(f *sviFlags) { f.lr = 0 }, "-lr must be positive"},
		{"rank", base, func(f *sviFlags) { f.rank = 0 }, "-rank and -checkpoint-every must be at least 1, got 0 and 1000"},
		{"every", base, func(f *sviFlags) { f.every = 0 }, "-rank and -checkpoint-every must be at least 1, got 2 and 0"},
		{"no report", base, func(f *sviFlags) { f.draws = 0 }, "-diagnostic-draws must be at least 25"},
		{"no report allowed", epochs, func(f *sviFlags) { f.draws = 0 }, ""},
		{"too few draws", epochs, func(f *sviFlags) { f.draws = 24 }, "-diagnostic-draws must be 0 (no fit report) or at least 25, got 24"},
		{"clip", base, func(f *sviFlags) { f.clip = -1 }, "-clip must be non-negative"},
		{"clip nan", base, func(f *sviFlags) { f.clip = math.NaN() }, "-clip must be non-negative, got NaN"},
		{"workers", base, func(f *sviFlags) { f.workers = 3 }, "-workers must lie between 1 and -particles (2), got 3"},
		{"negative workers", base, func(f *sviFlags) { f.workers = -1 }, "-workers must be at least 1, got -1"},
		{"vectorize guide", base, func(f *sviFlags) { f.vectorize, f.guide, f.estimator = true, "fullrank", "entropy" }, `-vectorize needs -guide meanfield, got "fullrank"`},
		{"vectorize estimator", base, func(f *sviFlags) { f.vectorize, f.guide, f.estimator = true, "meanfield", "trace" }, `-vectorize works with -estimator entropy or kl, got "trace"`},
		{"schedule", base, func(f *sviFlags) { f.schedule = "cosine" }, `unknown -schedule "cosine"`},
		{"estimator", base, func(f *sviFlags) { f.estimator = "elbo" }, `-estimator: unknown "elbo"`},
		{"guide", base, func(f *sviFlags) { f.guide = "gaussian" }, `unknown -guide "gaussian"`},
		{"natural", base, func(f *sviFlags) { f.optimizer = "natural" }, ""},
		{"optimizer", base, func(f *sviFlags) { f.optimizer = "sgd" }, `unknown -optimizer "sgd" (want adam or natural)`},
		{"natural guide", base, func(f *sviFlags) { f.optimizer, f.guide = "natural", "lowrank" }, "-optimizer natural steps the meanfield guide's Gaussian factors; -guide lowrank has none"},
		{"natural step", base, func(f *sviFlags) { f.optimizer, f.naturalStep = "natural", 0 }, "-natural-step must lie in (0, 1], got 0"},
		{"dtype", base, func(f *sviFlags) { f.dtype = "float16" }, `-dtype: svi: unknown dtype "float16"`},
		{"float32 refused", base, func(f *sviFlags) { f.dtype = "float32" }, "-dtype float32 is not supported by this command yet"},
		{"float32", f32, func(f *sviFlags) { f.dtype = "float32" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &sviFlags{spec: tc.spec, steps: tc.spec.steps, lr: tc.spec.lr, particles: tc.spec.particles, rank: 2,
				every: 1000, draws: tc.spec.draws, schedule: tc.spec.schedule, workers: 1, estimator: tc.spec.estimator, guide: "meanfield",
				optimizer: "adam", naturalStep: 0.1, dtype: "float64"}
			tc.edit(f)
			err := f.validate("x")
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, "train x: "+tc.want)
		})
	}
}
