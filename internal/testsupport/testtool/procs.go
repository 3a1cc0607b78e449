package testtool

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// WatchProcesses polls the command line and environment of every process
// on the machine until the returned stop is called, and fails the test
// when one holds a secret. stop returns how many distinct processes it
// saw. git, git-upload-pack, git-receive-pack and git http-backend are
// among them while a test talks to a repository.
func WatchProcesses(t testing.TB, secrets ...string) (stop func() int) {
	t.Helper()
	done := make(chan struct{})
	result := make(chan int)
	var mu sync.Mutex
	var leaks []string
	go func() {
		seen := map[string]bool{}
		for {
			entries, _ := os.ReadDir("/proc")
			for _, e := range entries {
				pid := e.Name()
				if pid[0] < '0' || pid[0] > '9' {
					continue
				}
				cmdline, err := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
				if err != nil {
					continue
				}
				seen[pid+" "+string(cmdline)] = true
				environ, _ := os.ReadFile(filepath.Join("/proc", pid, "environ"))
				for _, s := range secrets {
					if strings.Contains(string(cmdline), s) || strings.Contains(string(environ), s) {
						mu.Lock()
						leaks = append(leaks, strings.ReplaceAll(string(cmdline), "\x00", " "))
						mu.Unlock()
					}
				}
			}
			select {
			case <-done:
				result <- len(seen)
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() int {
		close(done)
		n := <-result
		mu.Lock()
		defer mu.Unlock()
		for _, l := range leaks {
			t.Errorf("a process carries a secret in its arguments or environment: %s", l)
		}
		return n
	}
}
