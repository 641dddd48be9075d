//go:build js && wasm

package main

// The engine's entry points for a run and its effects, exported straight to WebAssembly: a
// js.FuncOf call spent ~30 µs reading its event and arguments through syscall/js. An export
// only hands the work to the run's goroutine and returns; the host then resumes Go
// (Go._resume), which runs the goroutine to its next await or its end. An export must
// neither block nor allocate (an allocation may park it to help the collector): a goroutine
// that parks inside one returns to JavaScript before it is done.

// The run the host asked for, taken by runLoop.
var (
	nextRun config
	asked   bool
	// runLoop is running a run: one still parked cannot take another.
	loopBusy bool
	wake     = make(chan struct{}, 1)
)

// exportRun asks for a run with these settings (its texts come through hostRequest). It
// returns 0, or 1 when a run is still in progress in this program (the host starts a run
// only once the last one has ended). Limits are float64: an i32 would wrap limits of 2 GiB
// and more (JavaScript converts a number to an i32 modulo 2^32).
//
//go:wasmexport llmspell_run
func exportRun(attempt int32, outputLimitBytes float64, memoryLimitBytes float64, maxAllocs float64) int32 {
	if loopBusy || asked {
		return 1
	}
	nextRun = config{Attempt: int64(attempt), OutputLimitBytes: int(outputLimitBytes), MemoryLimitBytes: int64(memoryLimitBytes), MaxAllocs: int64(maxAllocs)}
	asked = true
	select {
	case wake <- struct{}{}:
	default:
	}
	return 0
}

// exportDeliver tells the awaiting run that the answer to its work is ready: the host holds
// it, read as an answer to a host call is (hostCall with length -1).
//
//go:wasmexport llmspell_deliver
func exportDeliver() {
	if r := current; r != nil && r.awaiting {
		select {
		case r.inbox <- message{}:
		default:
		}
	}
}
