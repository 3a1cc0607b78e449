package gitrepo

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff spaces the attempts to push after the remote moved: the wait
// before retry n (n = 1 for the second attempt) is a random duration
// between half and all of min(Initial * 2^(n-1), Max), so that writers
// racing for one branch spread out.
type Backoff struct {
	Initial time.Duration // default 200ms
	Max     time.Duration // default 5s
}

// DefaultBackoff is the Backoff used when Options.Backoff is zero.
var DefaultBackoff = Backoff{Initial: 200 * time.Millisecond, Max: 5 * time.Second}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = DefaultBackoff.Initial
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoff.Max
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	return b
}

// Delay returns the wait before retry n (n >= 1), with jitter.
func (b Backoff) Delay(n int) time.Duration {
	b = b.withDefaults()
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	if d > b.Max {
		d = b.Max
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
