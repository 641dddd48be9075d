//go:build js && wasm

package main

// What a spell can import: Tengo's safe standard modules, with the clock, random
// numbers and printing routed through the run (DESIGN §4). No os, no files.

import (
	"fmt"
	"strings"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/stdlib"
)

var pureModules = []string{"math", "text", "json", "base64", "hex", "enum"}

func isStdlibModule(name string) bool {
	_, builtin := stdlib.BuiltinModules[name]
	_, source := stdlib.SourceModules[name]
	return builtin || source
}

// stdModules are what a script can import, made once per instance; their functions act
// on the run in progress.
func stdModules() *tengo.ModuleMap {
	std := stdlib.GetModuleMap(pureModules...)
	std.AddBuiltinModule("times", with(stdlib.BuiltinModules["times"], map[string]func(r *runState, args ...tengo.Object) (tengo.Object, error){
		"now": func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			return &tengo.Time{Value: r.now()}, nil
		},
		"since": func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			t, ok := tengo.ToTime(arg(args, 0))
			if !ok || len(args) != 1 {
				return nil, tengo.ErrInvalidArgumentType{Name: "first", Expected: "time(compatible)", Found: arg(args, 0).TypeName()}
			}
			return &tengo.Int{Value: int64(r.now().Sub(t))}, nil
		},
		"until": func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			t, ok := tengo.ToTime(arg(args, 0))
			if !ok || len(args) != 1 {
				return nil, tengo.ErrInvalidArgumentType{Name: "first", Expected: "time(compatible)", Found: arg(args, 0).TypeName()}
			}
			return &tengo.Int{Value: int64(t.Sub(r.now()))}, nil
		},
		"sleep": func(r *runState, _ ...tengo.Object) (tengo.Object, error) {
			return r.raise("NotSupported", "times.sleep would block the engine: use sleep(seconds), a durable timer")
		},
	}))
	// One random sequence per run, shared with every engine (the host's seeded mulberry32).
	std.AddBuiltinModule("rand", with(stdlib.BuiltinModules["rand"], map[string]func(r *runState, args ...tengo.Object) (tengo.Object, error){
		"float": func(r *runState, _ ...tengo.Object) (tengo.Object, error) {
			return &tengo.Float{Value: r.random()}, nil
		},
		"int": func(r *runState, _ ...tengo.Object) (tengo.Object, error) {
			return &tengo.Int{Value: int64(r.random() * (1 << 53))}, nil
		},
		"intn": func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			n, ok := tengo.ToInt64(arg(args, 0))
			if !ok || n <= 0 {
				return nil, tengo.ErrInvalidArgumentType{Name: "first", Expected: "int > 0", Found: arg(args, 0).String()}
			}
			return &tengo.Int{Value: int64(r.random() * float64(n))}, nil
		},
		"exp_float": func(r *runState, _ ...tengo.Object) (tengo.Object, error) {
			return &tengo.Float{Value: r.seeded.ExpFloat64()}, nil
		},
		"norm_float": func(r *runState, _ ...tengo.Object) (tengo.Object, error) {
			return &tengo.Float{Value: r.seeded.NormFloat64()}, nil
		},
		"perm": func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			n, ok := tengo.ToInt(arg(args, 0))
			if !ok || n < 0 || n > tengo.MaxStringLen/8 {
				return nil, tengo.ErrInvalidArgumentType{Name: "first", Expected: "int >= 0", Found: arg(args, 0).String()}
			}
			items := make([]tengo.Object, n)
			for i, v := range r.seeded.Perm(n) {
				items[i] = &tengo.Int{Value: int64(v)}
			}
			return &tengo.Array{Value: items}, nil
		},
		"read": func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			b, ok := arg(args, 0).(*tengo.Bytes)
			if !ok {
				return nil, tengo.ErrInvalidArgumentType{Name: "first", Expected: "bytes", Found: arg(args, 0).TypeName()}
			}
			n, _ := r.seeded.Read(b.Value)
			return &tengo.Int{Value: int64(n)}, nil
		},
		// Reseeds the run's sequence, as Lua's math.randomseed(n) does: the same numbers follow
		// in both engines, and on every replay.
		"seed": func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			if len(args) != 1 {
				return nil, tengo.ErrWrongNumArguments
			}
			n, ok := tengo.ToInt64(args[0])
			if !ok {
				return nil, tengo.ErrInvalidArgumentType{Name: "first", Expected: "int(compatible)", Found: args[0].TypeName()}
			}
			hostReseed(n)
			return tengo.UndefinedValue, nil
		},
	}))
	// Printing is logging: the output becomes log records of the run.
	std.AddBuiltinModule("fmt", with(stdlib.BuiltinModules["fmt"], map[string]func(r *runState, args ...tengo.Object) (tengo.Object, error){
		"print": func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			return r.log(fmt.Sprint, args)
		},
		"println": func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			return r.log(func(a ...any) string { return strings.TrimSuffix(fmt.Sprintln(a...), "\n") }, args)
		},
		"printf": func(r *runState, args ...tengo.Object) (tengo.Object, error) {
			format, ok := arg(args, 0).(*tengo.String)
			if !ok {
				return nil, tengo.ErrInvalidArgumentType{Name: "format", Expected: "string", Found: arg(args, 0).TypeName()}
			}
			text, err := tengo.Format(format.Value, args[1:]...)
			if err != nil {
				return nil, err
			}
			return r.logMessage(strings.TrimSuffix(text, "\n"))
		},
	}))
	return std
}

// with copies a standard module and replaces some of its functions.
func with(module map[string]tengo.Object, replace map[string]func(r *runState, args ...tengo.Object) (tengo.Object, error)) map[string]tengo.Object {
	out := make(map[string]tengo.Object, len(module))
	for k, v := range module {
		out[k] = v
	}
	for name, f := range replace {
		out[name] = &tengo.UserFunction{Name: name, Value: func(args ...tengo.Object) (tengo.Object, error) { return f(current, args...) }}
	}
	return out
}

func (r *runState) log(join func(...any) string, args []tengo.Object) (tengo.Object, error) {
	parts := make([]any, len(args))
	size := 0
	for i, a := range args {
		s, _ := tengo.ToString(a)
		if size += len(s); size > tengo.MaxStringLen {
			return nil, tengo.ErrStringLimit
		}
		parts[i] = s
	}
	return r.logMessage(join(parts...))
}

func (r *runState) logMessage(text string) (tengo.Object, error) {
	return r.call(&tengo.String{Value: "log.info"}, &tengo.Map{Value: map[string]tengo.Object{"message": &tengo.String{Value: text}}})
}

// hostSource feeds math/rand from the random sequence of the run in progress.
type hostSource struct{}

func (hostSource) Int63() int64 {
	hi := int64(current.random() * (1 << 31))
	lo := int64(current.random() * (1 << 32))
	return hi<<32 | lo
}

func (hostSource) Seed(int64) {}
