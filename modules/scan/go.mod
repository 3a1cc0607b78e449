module github.com/goldenci/golden/modules/scan

go 1.26.8

require (
	dagger.io/dagger v0.21.9
	github.com/goldenci/golden v0.0.0-00010101000000-000000000000
)

replace github.com/goldenci/golden => ../..
