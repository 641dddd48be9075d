//go:build js && wasm

package main

// The natives behind the prelude: the only way out of the Tengo sandbox. They are
// importable once, by the prelude (see sandbox.go), so a script cannot skip its hooks.

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/d5/tengo/v2"
)

// A tool the host asks the script to run while the script awaits an agent run.
type toolRequest struct {
	tengo.ObjectImpl
	name string
	args tengo.Object
}

func (t *toolRequest) TypeName() string { return "tool-request" }
func (t *toolRequest) String() string   { return "<tool-request " + t.name + ">" }
func (t *toolRequest) IndexGet(index tengo.Object) (tengo.Object, error) {
	switch key, _ := tengo.ToString(index); key {
	case "name":
		return &tengo.String{Value: t.name}, nil
	case "args":
		return t.args, nil
	}
	return tengo.UndefinedValue, nil
}

// What hook.refuse returns: a before-hook refusing the call.
type refusal struct {
	tengo.ObjectImpl
	reason string
}

func (r *refusal) TypeName() string { return "refusal" }
func (r *refusal) String() string   { return "<refusal: " + r.reason + ">" }

// errRaised aborts the VM; runState.raised says why.
var errRaised = errors.New("raised")

// natives are made once per instance (the prelude is compiled once); each call acts on
// the run in progress.
func natives() map[string]tengo.Object {
	fn := func(name string, f func(r *runState, args ...tengo.Object) (tengo.Object, error)) tengo.Object {
		return &tengo.UserFunction{Name: name, Value: func(args ...tengo.Object) (tengo.Object, error) { return f(current, args...) }}
	}
	keyNative := func(kind string) tengo.Object {
		oneKey[kind] = true
		return fn(kind, keyCall(&tengo.String{Value: kind}))
	}
	return map[string]tengo.Object{
		"call":     fn("call", (*runState).call),
		"call_key": fn("call_key", (*runState).callKey),
		// state.get and state.delete themselves: natives, one Tengo call fewer per bridge call.
		"state_get":    keyNative("state.get"),
		"state_delete": keyNative("state.delete"),
		"step_end": fn("step_end", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			return r.answer(r.invoke("step.end", "", r.outcome(arg(args, 0), "step result", "")))
		}),
		"branch_end": fn("branch_end", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			return r.answer(r.invoke("parallel.end", "", r.outcome(arg(args, 0), "branch result", "")))
		}),
		// callable(fn, fields): a value both callable (runs fn) and indexable (its fields).
		"callable": fn("callable", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			f, ok := arg(args, 0).(*tengo.CompiledFunction)
			fields := mapValue(arg(args, 2))
			name, _ := tengo.ToString(arg(args, 1))
			if !ok || fields == nil {
				return r.raise("SpellHostError", "tengo: callable takes a function, a name and a map")
			}
			return &callable{name: name, fn: f, fields: fields}, nil
		}),
		"tool_done": fn("tool_done", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			r.toolPending = false
			r.toolReply <- r.outcome(arg(args, 0), "tool result", "ToolError")
			return r.await()
		}),
		"is_tool_request": fn("is_tool_request", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			return tengo.FromInterface(isA[*toolRequest](arg(args, 0)))
		}),
		"arity": fn("arity", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			if f, ok := arg(args, 0).(*tengo.CompiledFunction); ok && !f.VarArgs {
				return &tengo.Int{Value: int64(f.NumParameters)}, nil
			}
			// The module hands out copies of its natives: known by name (scripts cannot make one).
			if f, ok := arg(args, 0).(*tengo.UserFunction); ok && oneKey[f.Name] {
				return &tengo.Int{Value: 1}, nil
			}
			return &tengo.Int{Value: -1}, nil
		}),
		"encode": fn("encode", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			text, cerr := encode(arg(args, 0), "json.encode", r.cfg.OutputLimitBytes)
			if cerr != nil {
				return r.conversionFailure(cerr)
			}
			return &tengo.String{Value: text}, nil
		}),
		"refuse": fn("refuse", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			reason, _ := tengo.ToString(arg(args, 0))
			return &refusal{reason: reason}, nil
		}),
		"refusal_reason": fn("refusal_reason", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			if ref, ok := arg(args, 0).(*refusal); ok {
				return &tengo.String{Value: ref.reason}, nil
			}
			return tengo.UndefinedValue, nil
		}),
		"raise": fn("raise", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			kind, _ := tengo.ToString(arg(args, 0))
			message, _ := tengo.ToString(arg(args, 1))
			return r.raise(kind, message)
		}),
		"spell_info": fn("spell_info", func(r *runState, _ ...tengo.Object) (tengo.Object, error) {
			// The prelude asks once: a second copy of the API (one without the hooks) is refused.
			if r.setUp {
				return r.raise("NotSupported", "the spell API is set up once per run")
			}
			r.setUp = true
			input, err := decodeValue(r.cfg.Input)
			if err != nil {
				return nil, err
			}
			return &tengo.Map{Value: map[string]tengo.Object{
				"input":   input,
				"id":      &tengo.String{Value: r.cfg.ID},
				"attempt": &tengo.Int{Value: r.cfg.Attempt},
			}}, nil
		}),
		"finish": fn("finish", func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			if r.finished {
				return r.raise("NotSupported", "the spell's body runs once")
			}
			r.finished = true
			r.result = arg(args, 0)
			return tengo.UndefinedValue, nil
		}),
	}
}

func arg(args []tengo.Object, i int) tengo.Object {
	if i < len(args) {
		return args[i]
	}
	return tengo.UndefinedValue
}

func isA[T tengo.Object](o tengo.Object) bool {
	_, ok := o.(T)
	return ok
}

func (r *runState) raise(kind, message string) (tengo.Object, error) {
	r.raised = &errorData{Type: kind, Message: message}
	return nil, errRaised
}

// call is one bridge call: args go to the host as JSON.
func (r *runState) call(args ...tengo.Object) (tengo.Object, error) {
	kind, _ := tengo.ToString(arg(args, 0))
	payload, cerr := encode(arg(args, 1), kind, r.cfg.OutputLimitBytes)
	if cerr != nil {
		return r.conversionFailure(cerr)
	}
	return r.answer(r.invoke(kind, "", payload))
}

// callKey is a call whose only argument is a key: the host receives the string itself.
func (r *runState) callKey(args ...tengo.Object) (tengo.Object, error) {
	key, ok := arg(args, 1).(*tengo.String)
	if !ok || !utf8.ValidString(key.Value) {
		return r.call(arg(args, 0), &tengo.Map{Value: map[string]tengo.Object{"key": arg(args, 1)}})
	}
	// The host reads kind + ":key" as a key given as it is, not as JSON.
	kind, _ := tengo.ToString(arg(args, 0))
	return r.answer(r.invoke(kind, ":key", key.Value))
}

// Natives that take one key, by name: arity says so (hooks and parallel.map call them with as
// many arguments as they declare, as any script function).
var oneKey = map[string]bool{}

// keyCall is a bridge call that takes one key (callKey with its kind bound).
func keyCall(kind tengo.Object) func(r *runState, args ...tengo.Object) (tengo.Object, error) {
	return func(r *runState, args ...tengo.Object) (tengo.Object, error) {
		if len(args) != 1 {
			// As Tengo words it for a function of the script's own.
			return nil, fmt.Errorf("wrong number of arguments: want=1, got=%d", len(args))
		}
		return r.callKey(kind, args[0])
	}
}

// A value over the output limit ends the run; any other bad value is the call's error.
func (r *runState) conversionFailure(cerr *conversionError) (tengo.Object, error) {
	data := cerr.data()
	if cerr.overLimit {
		return r.raise(data.Type, data.Message)
	}
	return bridgeError(data.Type, data.Message), nil
}

// answer reads the host's answer: "0" + JSON value, "1" + JSON error, or "2": work to await.
func (r *runState) answer(a string) (tengo.Object, error) {
	if a == "" {
		return r.raise("SpellHostError", "tengo: empty answer from the host")
	}
	switch a[0] {
	case '0':
		v, err := decodeValue(a[1:])
		if err != nil {
			return r.raise("SpellHostError", "tengo: bad answer from the host: "+err.Error())
		}
		return v, nil
	case '1':
		return errorValue(a[1:]), nil
	}
	return r.await()
}

// await parks the VM goroutine (and so returns control to JavaScript) until the host
// delivers the answer, or asks for a script tool to be run first.
func (r *runState) await() (tengo.Object, error) {
	r.awaiting = true
	m := <-r.inbox
	r.awaiting = false
	if m.cancel {
		return nil, errCancelled
	}
	if m.tool != nil {
		return m.tool, nil
	}
	return r.answer(r.pendingAnswer())
}

// errCancelled unwinds a run the host has finished with.
var errCancelled = errors.New("cancelled")

func (r *runState) cancel() {
	if r.awaiting {
		r.inbox <- message{cancel: true}
	}
}

func (r *runState) callTool(name, argsJSON string) string {
	if !r.awaiting {
		return failure(errorData{Type: "NotSupported", Message: "tools run only while the script awaits an agent"})
	}
	args, err := decodeValue(argsJSON)
	if err != nil {
		return failure(errorData{Type: "SpellBridgeArgument", Message: "tool " + name + ": " + err.Error()})
	}
	r.toolPending = true
	r.inbox <- message{tool: &toolRequest{name: name, args: args}}
	return <-r.toolReply
}

// The deterministic clock and random sequence of the run, kept by the host.
func (r *runState) now() time.Time {
	return time.UnixMilli(int64(hostNow())).UTC()
}

func (r *runState) random() float64 {
	return hostRandom()
}
