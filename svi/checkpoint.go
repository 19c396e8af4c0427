package svi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
)

// CheckpointVersion is the version of the checkpoint format written by
// SaveCheckpoint. Version 2 added the Fingerprint of the data and settings
// (Description.Fingerprint); LoadCheckpoint refuses every other version.
const CheckpointVersion = 2

const checkpointFormat = "govi-checkpoint"

// ErrCorruptCheckpoint is returned for a checkpoint whose checksum does not
// match its contents or that cannot be decoded.
var ErrCorruptCheckpoint = errors.New("svi: corrupt checkpoint")

// checkpoint is the file layout: a header, the payload and the SHA-256 of
// the payload's JSON encoding.
type checkpoint struct {
	Format   string          `json:"format"`
	Version  int             `json:"version"`
	Payload  json.RawMessage `json:"payload"`
	Checksum string          `json:"sha256"`
}

type checkpointPayload struct {
	Description Description    `json:"description"`
	Iter        int            `json:"iter"`
	Params      []namedArray   `json:"params"`
	OptStep     int            `json:"opt_step"`
	LRScale     float64        `json:"lr_scale"`
	Backoff     float64        `json:"backoff"`
	OptSlots    [][]namedArray `json:"opt_slots"`
	RNG         []byte         `json:"rng"`
	Trace       []float64      `json:"trace"`
	Avg         []namedArray   `json:"avg,omitempty"`
	AvgN        int            `json:"avg_n"`
	AvgFrom     int            `json:"avg_from,omitempty"`
	Iterate     []namedArray   `json:"iterate,omitempty"`
	Batches     *batchesJSON   `json:"batches,omitempty"`
}

// batchesJSON is the saved state of a State's Minibatches.
type batchesJSON struct {
	N     int    `json:"n"`
	B     int    `json:"b"`
	Order []int  `json:"order"`
	Pos   int    `json:"pos"`
	RNG   []byte `json:"rng"`
}

type namedArray struct {
	Name   string    `json:"name"`
	Shape  []int     `json:"shape"`
	Values []float64 `json:"values"`
}

// Description identifies what a checkpoint belongs to: the model's sites,
// the guide, the estimator and its particles, the parameters' layout, and
// the caller's Fingerprint of the data and settings (Config.Fingerprint).
type Description struct {
	Sites       []SiteDescription `json:"sites"`
	Guide       string            `json:"guide"`
	Estimator   string            `json:"estimator"`
	Particles   int               `json:"particles"`
	Params      []SiteDescription `json:"params"` // parameter names and shapes
	Fingerprint Fingerprint       `json:"fingerprint,omitempty"`
	// DType is the training graph's dtype (Config.DType), "float32", or
	// empty for float64: the parameters are float64 either way, but a
	// resumed fit takes the trajectory of the run that wrote it only in
	// its dtype, so LoadCheckpoint refuses the other one (*DTypeError).
	// Checkpoints written before it was recorded read as float64.
	DType string `json:"dtype,omitempty"`
}

// SiteDescription is a named shape with a support. Local marks a site
// of the data's rows, declared after M.Scale or inside M.Plate: the first
// axis of its shape is the minibatch's rows, a matter of how the data are
// dealt (the batch size, the ranks of a data-parallel fit), not of the
// model, and LoadCheckpoint compares the rest of its shape only.
type SiteDescription struct {
	Name    string `json:"name"`
	Shape   []int  `json:"shape"`
	Support string `json:"support,omitempty"`
	Local   bool   `json:"local,omitempty"`
}

// Description returns the trainer's description, as stored in checkpoints.
func (t *Trainer) Description() Description {
	d := Description{Guide: fmt.Sprintf("%T", t.guide), Estimator: t.cfg.Estimator.String(), Particles: t.cfg.Particles,
		Fingerprint: maps.Clone(t.cfg.Fingerprint)}
	if t.cfg.DType != Float64 {
		d.DType = t.cfg.DType.String()
	}
	for _, s := range t.sites {
		d.Sites = append(d.Sites, SiteDescription{Name: s.Name, Shape: nonNil(s.Shape), Support: s.Support.String(),
			Local: s.Scale != 1 || s.Plate > 0})
	}
	for i, n := range t.layout.names {
		d.Params = append(d.Params, SiteDescription{Name: n, Shape: t.layout.shapes[i]})
	}
	return d
}

func nonNil(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func arrays(p *Params) []namedArray {
	out := make([]namedArray, len(p.names))
	for i, n := range p.names {
		out[i] = namedArray{Name: n, Shape: p.shapes[i], Values: p.values[i]}
	}
	return out
}

func fromArrays(a []namedArray) (*Params, error) {
	p := NewParams()
	for _, x := range a {
		if err := p.Add(x.Name, x.Shape, slices.Clone(x.Values)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// SaveCheckpoint writes st to path as one versioned file holding the
// variational parameters, the optimizer state, the step, the random
// source's state, the loss trace, the running average and the description
// of model and guide. It writes a temporary file and renames it, so a crash
// never leaves a half-written checkpoint in place of a good one.
func (t *Trainer) SaveCheckpoint(path string, st *State) error {
	if err := t.checkState(st); err != nil {
		return err
	}
	rng, err := st.RNG.MarshalBinary()
	if err != nil {
		return fmt.Errorf("svi: checkpoint: %w", err)
	}
	pl := checkpointPayload{Description: t.Description(), Iter: st.Iter, Params: arrays(st.Params),
		OptStep: st.Opt.Step, LRScale: st.Opt.LRScale, Backoff: st.Opt.Backoff, RNG: rng, Trace: st.Trace, AvgN: st.AvgN, AvgFrom: st.AvgFrom}
	for _, s := range st.Opt.Slots {
		pl.OptSlots = append(pl.OptSlots, arrays(s))
	}
	if st.Avg != nil {
		pl.Avg = arrays(st.Avg)
	}
	if st.Iterate != nil {
		pl.Iterate = arrays(st.Iterate)
	}
	if m := st.Batches; m != nil {
		r, err := m.RNG.MarshalBinary()
		if err != nil {
			return fmt.Errorf("svi: checkpoint: %w", err)
		}
		pl.Batches = &batchesJSON{N: m.N, B: m.B, Order: m.Order, Pos: m.Pos, RNG: r}
	}
	raw, err := json.Marshal(pl)
	if err != nil {
		return fmt.Errorf("svi: checkpoint: %w", err)
	}
	sum := sha256.Sum256(raw)
	b, err := json.Marshal(checkpoint{Format: checkpointFormat, Version: CheckpointVersion, Payload: raw, Checksum: hex.EncodeToString(sum[:])})
	if err != nil {
		return fmt.Errorf("svi: checkpoint: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".checkpoint-*")
	if err != nil {
		return fmt.Errorf("svi: checkpoint: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("svi: checkpoint: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("svi: checkpoint: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("svi: checkpoint: %w", err)
	}
	return nil
}

// LoadCheckpoint reads a state written by SaveCheckpoint. It refuses a file
// that is not a govi checkpoint, has another version, fails its checksum,
// holds step counts that disagree with its loss trace or counters no run
// produces (a negative count, a non-positive learning-rate scale), or was
// written for a different model, guide, estimator, number of particles,
// dtype (Config.DType: a *DTypeError), parameter layout or Fingerprint
// (Config.Fingerprint: other data or settings), naming the difference. Resuming from it gives the same trajectory, bit for bit, as
// the run that wrote it would have taken (for the same data batches).
func (t *Trainer) LoadCheckpoint(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("svi: %w", err)
	}
	var c checkpoint
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorruptCheckpoint, path, err)
	}
	if c.Format != checkpointFormat {
		return nil, fmt.Errorf("svi: %s is not a govi checkpoint", path)
	}
	switch {
	case c.Version < CheckpointVersion:
		return nil, fmt.Errorf("svi: %s has checkpoint version %d, which does not record the data and settings of its fit; this govi reads version %d only: start the fit again", path, c.Version, CheckpointVersion)
	case c.Version != CheckpointVersion:
		return nil, fmt.Errorf("svi: %s has checkpoint version %d; this govi reads version %d", path, c.Version, CheckpointVersion)
	}
	sum := sha256.Sum256(c.Payload)
	if hex.EncodeToString(sum[:]) != c.Checksum {
		return nil, fmt.Errorf("%w: %s: checksum mismatch", ErrCorruptCheckpoint, path)
	}
	var pl checkpointPayload
	if err := json.Unmarshal(c.Payload, &pl); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorruptCheckpoint, path, err)
	}
	if err := pl.checkCounts(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorruptCheckpoint, path, err)
	}
	if err := sameDescription(pl.Description, t.Description()); err != nil {
		return nil, fmt.Errorf("svi: %s does not fit this trainer: %w", path, err)
	}
	st := &State{Iter: pl.Iter, Trace: pl.Trace, AvgN: pl.AvgN, AvgFrom: pl.AvgFrom, RNG: new(rand.PCG)}
	if st.Params, err = fromArrays(pl.Params); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorruptCheckpoint, path, err)
	}
	if err := t.layout.sameLayout(st.Params); err != nil {
		return nil, fmt.Errorf("svi: %s does not fit this trainer: %w", path, err)
	}
	st.Opt = &OptState{Step: pl.OptStep, LRScale: pl.LRScale, Backoff: pl.Backoff}
	for _, s := range pl.OptSlots {
		p, err := fromArrays(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrCorruptCheckpoint, path, err)
		}
		st.Opt.Slots = append(st.Opt.Slots, p)
	}
	want := t.cfg.Optimizer.Init(st.Params)
	if len(want.Slots) != len(st.Opt.Slots) {
		return nil, fmt.Errorf("svi: %s holds %d optimizer slots, this trainer's optimizer has %d", path, len(st.Opt.Slots), len(want.Slots))
	}
	for _, s := range st.Opt.Slots {
		if err := t.layout.sameLayout(s); err != nil {
			return nil, fmt.Errorf("%w: %s: optimizer state: %v", ErrCorruptCheckpoint, path, err)
		}
	}
	for _, a := range []struct {
		dst  **Params
		src  []namedArray
		what string
	}{{&st.Avg, pl.Avg, "running average"}, {&st.Iterate, pl.Iterate, "last iterate"}} {
		if a.src == nil {
			continue
		}
		p, err := fromArrays(a.src)
		if err == nil {
			err = t.layout.sameLayout(p)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %s: %v", ErrCorruptCheckpoint, path, a.what, err)
		}
		*a.dst = p
	}
	if err := st.RNG.UnmarshalBinary(pl.RNG); err != nil {
		return nil, fmt.Errorf("%w: %s: random source: %v", ErrCorruptCheckpoint, path, err)
	}
	if b := pl.Batches; b != nil {
		m := &Minibatches{N: b.N, B: b.B, Order: b.Order, Pos: b.Pos, RNG: new(rand.PCG)}
		if err := m.RNG.UnmarshalBinary(b.RNG); err != nil {
			return nil, fmt.Errorf("%w: %s: minibatch random source: %v", ErrCorruptCheckpoint, path, err)
		}
		if err := m.validate(); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrCorruptCheckpoint, path, err)
		}
		st.Batches = m
	}
	if _, _, _, bad := st.Params.firstNonFinite(); bad {
		return nil, fmt.Errorf("%w: %s: non-finite parameters", ErrCorruptCheckpoint, path)
	}
	if b, ok := t.cfg.Optimizer.(finiteStepper); ok {
		b.vouch(st.Opt) // moments it cannot vouch for keep the step's backup
	}
	return st, nil
}

// checkCounts returns what is inconsistent in the payload's counters and
// scales, which a state written by SaveCheckpoint never is (negative
// counts, a loss trace of another length than the steps, a non-positive
// learning-rate scale or back-off, an average without its values): found by
// FuzzLoadCheckpoint's crafted seeds, which loaded and then averaged with a
// negative count, stepped with a negative learning rate or divided by a
// zero bias correction.
func (pl *checkpointPayload) checkCounts() error {
	positive := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	switch {
	case pl.Iter < 0 || pl.OptStep < 0 || pl.AvgN < 0 || pl.AvgFrom < 0:
		return fmt.Errorf("negative step count (step %d, optimizer step %d, %d averaged from %d)", pl.Iter, pl.OptStep, pl.AvgN, pl.AvgFrom)
	case pl.AvgN > pl.Iter:
		return fmt.Errorf("%d iterates averaged in %d steps", pl.AvgN, pl.Iter)
	case pl.AvgN > 0 && pl.Avg == nil:
		return fmt.Errorf("running average over %d iterates without the average", pl.AvgN)
	case !positive(pl.LRScale):
		return fmt.Errorf("learning-rate scale %v is not positive", pl.LRScale)
	case pl.Backoff != 0 && !positive(pl.Backoff):
		return fmt.Errorf("guard back-off %v is not positive", pl.Backoff)
	}
	return checkTrace(pl.Iter, len(pl.Trace))
}

// checkTrace refuses a step count that disagrees with the loss trace,
// which holds one loss per step taken.
func checkTrace(iter, losses int) error {
	if iter < 0 || losses != iter {
		return fmt.Errorf("the state has taken %d steps but its loss trace holds %d", iter, losses)
	}
	return nil
}

func sameDescription(got, want Description) error {
	if got.Guide != want.Guide {
		return fmt.Errorf("it was written for guide %s, this trainer uses %s", got.Guide, want.Guide)
	}
	if got.Estimator != want.Estimator || got.Particles != want.Particles {
		return fmt.Errorf("it was written for the %s estimator with %d particles, this trainer uses %s with %d", got.Estimator, got.Particles, want.Estimator, want.Particles)
	}
	if got.DType != want.DType {
		return &DTypeError{Checkpoint: dtypeOf(got.DType), Trainer: dtypeOf(want.DType)}
	}
	if d := got.Fingerprint.diff(want.Fingerprint); d != "" {
		return fmt.Errorf("it was written for other data or settings: %s", d)
	}
	if len(got.Sites) != len(want.Sites) {
		return fmt.Errorf("it has %d latent sites, the model has %d", len(got.Sites), len(want.Sites))
	}
	for i := range got.Sites {
		g, w := got.Sites[i], want.Sites[i]
		if g.Name != w.Name || !sameSiteShape(g, w) || g.Support != w.Support {
			return fmt.Errorf("site %d is %s %v (%s) in the checkpoint and %s %v (%s) in the model", i, g.Name, g.Shape, g.Support, w.Name, w.Shape, w.Support)
		}
	}
	if len(got.Params) != len(want.Params) {
		return fmt.Errorf("it has %d parameters, the guide has %d", len(got.Params), len(want.Params))
	}
	for i := range got.Params {
		g, w := got.Params[i], want.Params[i]
		if g.Name != w.Name || !slices.Equal(g.Shape, w.Shape) {
			return fmt.Errorf("parameter %d is %s %v in the checkpoint and %s %v in the guide", i, g.Name, g.Shape, w.Name, w.Shape)
		}
	}
	return nil
}

// sameSiteShape compares the shapes of a site in a checkpoint (g) and in
// the model (w), leaving out the first axis when either declares it local:
// its rows are the minibatch's, so that a checkpoint resumes with another
// batch size or on another number of ranks (svi.State.SetRankBatches).
// The guide's parameters are compared in full all the same: a guide with
// parameters per row (not amortized) is refused by their shapes.
func sameSiteShape(g, w SiteDescription) bool {
	if (g.Local || w.Local) && len(g.Shape) > 0 && len(g.Shape) == len(w.Shape) {
		return slices.Equal(g.Shape[1:], w.Shape[1:])
	}
	return slices.Equal(g.Shape, w.Shape)
}

// Checkpointer is a Recorder that saves a state every Every steps (at the
// steps whose count is a multiple of Every), for Run's Settings.Recorder.
// Save writes it at any other time, such as the end of a run.
type Checkpointer struct {
	Trainer *Trainer
	State   *State
	Path    string
	Every   int // steps between checkpoints; 0 means 1,000
}

var _ Recorder = (*Checkpointer)(nil)

// Record saves the state when info's step count is a multiple of Every.
func (c *Checkpointer) Record(info Info) error {
	every := c.Every
	if every <= 0 {
		every = 1000
	}
	if info.Iter%every != 0 {
		return nil
	}
	return c.Save()
}

// Save writes the state to Path now.
func (c *Checkpointer) Save() error { return c.Trainer.SaveCheckpoint(c.Path, c.State) }

// Recorders returns a Recorder that passes each step to every non-nil
// recorder in order and stops at the first error.
func Recorders(rs ...Recorder) Recorder {
	return RecorderFunc(func(info Info) error {
		for _, r := range rs {
			if r == nil {
				continue
			}
			if err := r.Record(info); err != nil {
				return err
			}
		}
		return nil
	})
}

// dtypeOf reads Description.DType: Float32 for "float32", else Float64
// (empty, as written for float64 and before the dtype was recorded).
func dtypeOf(s string) DType {
	if d, err := ParseDType(s); err == nil {
		return d
	}
	return Float64
}
