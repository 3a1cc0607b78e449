// Package modulecheck checks golden's Dagger modules without a Dagger
// engine: the root module golden (dagger.json at the repository root,
// code in ci/) and the modules in modules/. Their code is compiled only by
// an engine, against bindings it generates, so what can be checked here is
// checked by this package's test:
//
//   - every dagger.json parses, has only known fields, the same
//     engineVersion (the version of the SDK dagger.io/dagger in go.mod),
//     the Go SDK, and includes exactly the root module's packages its
//     module's code imports, transitively (go list -deps), with go.mod and
//     go.sum;
//   - every module's go.mod is named after its folder, has golden's go
//     version, requires dagger.io/dagger at go.mod's version and replaces
//     the root module with the folder's path to it;
//   - the module code is gofmt-clean, documents every function and
//     argument for dagger call --help, puts pragmas last, uses only known
//     pragmas with well-formed values, and compiles and vets against stub
//     bindings of the shape the engine generates (with distinct types, so
//     that a missing ID conversion does not compile);
//   - the generated bindings are ignored by git;
//   - the CI examples pin the Dagger version of engineVersion.
//
// The package has no code: its test is the check.
package modulecheck
