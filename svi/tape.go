package svi

import (
	"fmt"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// Gorgonia v0.9.18's TapeMachine.RunAll locks the calling goroutine to its
// OS thread, starts a new goroutine for the instructions and waits for it on
// channels: two hand-offs between OS threads per run, 45–53 µs on this
// project's 2-core machine for a graph of two operations (1.9 µs when the
// instructions run directly), which is a sixth of a TrueSkill step. The
// thread lock serves CUDA and batched cgo BLAS calls, neither of which a
// CPU build without batched BLAS uses. runTape therefore calls the
// machine's unexported runall directly on the calling goroutine, and falls
// back to RunAll for any other VM or when the machine has batched work
// (ExternMetadata.WorkAvailable non-nil). The closures RunAll runs after the
// instructions serve Iop nodes, which gorgonia v0.9.18 never creates
// outside its tests. TestRunTapeMatchesRunAll checks that both give the
// same losses and gradients, bit for bit.

//go:linkname tapeRunall gorgonia.org/gorgonia.(*tapeMachine).runall
func tapeRunall(m unsafe.Pointer, errChan chan error, doneChan chan struct{})

// tape runs one compiled program.
type tape struct {
	vm     G.VM
	direct bool
	errc   chan error
	done   chan struct{}
}

// useRunAll forces RunAll (for the equivalence test).
var useRunAll = false

func newTape(vm G.VM) *tape {
	t := &tape{vm: vm, errc: make(chan error, 1), done: make(chan struct{}, 1)}
	if w, ok := vm.(interface{ WorkAvailable() <-chan bool }); ok && w.WorkAvailable() == nil {
		t.direct = fmt.Sprintf("%T", vm) == "*gorgonia.tapeMachine"
	}
	return t
}

// run resets the machine and runs all its instructions.
func (t *tape) run() error {
	t.vm.Reset()
	if !t.direct || useRunAll {
		return t.vm.RunAll()
	}
	// The data word of the interface value is the *tapeMachine.
	m := (*[2]unsafe.Pointer)(unsafe.Pointer(&t.vm))[1]
	tapeRunall(m, t.errc, t.done)
	select {
	case err := <-t.errc:
		return err
	case <-t.done:
		return nil
	}
}
