// Package fail has failing tests.
package fail
