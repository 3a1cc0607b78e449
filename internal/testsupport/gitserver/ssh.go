package gitserver

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// SSHOptions configures an SSH server.
type SSHOptions struct {
	// KeyPassphrase encrypts the generated client key when set.
	KeyPassphrase string
}

// SSHServer is OpenSSH's sshd listening on 127.0.0.1 on a high port,
// accepting one generated client key for the current user. Git runs
// git-upload-pack and git-receive-pack through it, so repositories are
// addressed by their absolute path. It is stopped when the test ends.
type SSHServer struct {
	// Port is the port sshd listens on.
	Port int
	// User is the login name the client key is authorized for.
	User string
	// ClientKeyFile is the client's private key (OpenSSH PEM format),
	// encrypted with SSHOptions.KeyPassphrase when that was set.
	ClientKeyFile string
	// KnownHostsFile lists the server's host key for [127.0.0.1]:Port.
	KnownHostsFile string
	// Root is the directory whose bare repositories URL addresses.
	Root string
}

// SSHD returns the path of OpenSSH's sshd, or "" when it is not installed
// (Debian package openssh-server).
func SSHD() string {
	for _, p := range []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath("sshd"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	return ""
}

// NewSSH starts sshd serving the repositories under root (for example a
// Server's Root, so one repository is reachable over HTTP and SSH). It
// skips the test when sshd or ssh-keygen is not installed.
func NewSSH(t testing.TB, root string, opts SSHOptions) *SSHServer {
	t.Helper()
	sshd := SSHD()
	if sshd == "" {
		t.Skip("sshd is not installed (Debian package openssh-server); skipping the SSH test")
	}
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen is not installed (Debian package openssh-client); skipping the SSH test")
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("current user: %v", err)
	}
	if os.Geteuid() == 0 {
		// sshd running as root needs its privilege separation directory.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatalf("creating /run/sshd: %v", err)
		}
	}

	dir := t.TempDir()
	hostKey := filepath.Join(dir, "host_ed25519")
	clientKey := filepath.Join(dir, "client_ed25519")
	runKeygen(t, keygen, "-q", "-t", "ed25519", "-N", "", "-C", "gitserver-host", "-f", hostKey)
	// The passphrase is a test value; ssh-keygen takes it only as an
	// argument.
	runKeygen(t, keygen, "-q", "-t", "ed25519", "-N", opts.KeyPassphrase, "-C", "gitserver-client", "-f", clientKey)
	pub, err := os.ReadFile(clientKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	authorized := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authorized, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}

	var lastLog string
	for try := 0; try < 3; try++ {
		port := testtool.FreePort(t)
		config := filepath.Join(dir, "sshd_config")
		conf := strings.Join([]string{
			"Port " + strconv.Itoa(port),
			"ListenAddress 127.0.0.1",
			"HostKey " + hostKey,
			"PidFile " + filepath.Join(dir, "sshd.pid"),
			"AuthorizedKeysFile " + authorized,
			"AllowUsers " + u.Username,
			"StrictModes no",
			"UsePAM no",
			"PermitRootLogin prohibit-password",
			"PubkeyAuthentication yes",
			"PasswordAuthentication no",
			"KbdInteractiveAuthentication no",
			"PermitUserEnvironment no",
			"AllowAgentForwarding no",
			"AllowTcpForwarding no",
			"X11Forwarding no",
			"PrintMotd no",
			"LogLevel ERROR",
			"",
		}, "\n")
		if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		log := &lockedBuffer{}
		cmd := exec.Command(sshd, "-D", "-e", "-f", config)
		cmd.Stdout = log
		cmd.Stderr = log
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting sshd: %v", err)
		}
		exited := make(chan struct{})
		go func() {
			_ = cmd.Wait()
			close(exited)
		}()
		if waitSSH(port, exited) {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			known := filepath.Join(dir, "known_hosts")
			line := fmt.Sprintf("[127.0.0.1]:%d %s", port, strings.TrimSpace(string(hostPub)))
			if err := os.WriteFile(known, []byte(line+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return &SSHServer{Port: port, User: u.Username, ClientKeyFile: clientKey, KnownHostsFile: known, Root: root}
		}
		_ = cmd.Process.Kill()
		<-exited
		lastLog = log.String()
	}
	t.Fatalf("sshd did not start: %s", lastLog)
	return nil
}

// URL is the ssh:// clone URL of the repository named repo under Root.
func (s *SSHServer) URL(repo string) string {
	p := filepath.ToSlash(filepath.Join(s.Root, filepath.FromSlash(repo)))
	return fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", s.User, s.Port, p)
}

// ClientKey returns the client's private key.
func (s *SSHServer) ClientKey(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(s.ClientKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runKeygen(t testing.TB, keygen string, args ...string) {
	t.Helper()
	out, err := exec.Command(keygen, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
}

// waitSSH waits until sshd answers with its banner on port, or exits. The
// generous deadline suits a loaded machine.
func waitSSH(port int, exited <-chan struct{}) bool {
	deadline := time.Now().Add(60 * time.Second)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err == nil {
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			buf := make([]byte, 8)
			n, _ := conn.Read(buf)
			_ = conn.Close()
			if strings.HasPrefix(string(buf[:n]), "SSH-") {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
