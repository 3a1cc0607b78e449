// Package modulecheck checks golden's Dagger modules without a Dagger
// engine: the root module golden (dagger.json at the repository root,
// code in ci/) and the modules in modules/. Its tests are the check:
//
//   - TestModulesLoad loads every module as a Dagger engine loads it: the
//     context the engine uploads (dagger.json, the source directory, the
//     include patterns with their ! excludes, .gitignore applied),
//     Dagger's own codegen run on it against the engine's introspection
//     JSON (testdata/introspection-<engine>.json), which generates the
//     bindings and runs go get and go mod tidy, then go build of the
//     runtime, and go vet; and it checks that each module's go.mod and
//     go.sum are what codegen leaves (-update writes them);
//   - TestModulesLoadFailsWhenBroken proves that a missing include entry
//     and a go.mod that lost its pins fail that check;
//   - every dagger.json parses, has only known fields, the same
//     engineVersion (the version of the SDK dagger.io/dagger in go.mod),
//     the Go SDK;
//   - every module's go.mod is named after its folder, has golden's go
//     version, requires dagger.io/dagger at go.mod's version and replaces
//     the root module with the folder's path to it, and has its go.sum;
//   - the module code is gofmt-clean, documents its constructor, every
//     function and argument for dagger call --help, puts pragmas last,
//     uses only known pragmas with well-formed values, keeps the object's
//     state private;
//   - the generated bindings are ignored by git;
//   - the CI examples pin the Dagger version of engineVersion and call
//     only arguments the root module has.
//
// The code of the stage modules is generated from the root module's by
// package modulegen.
package modulecheck
