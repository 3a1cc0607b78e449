//go:build linux

package gitrepo

import (
	"os"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// fillStat copies the change time, device, inode and owner of fi into e,
// as git and go-git record them in the index.
func fillStat(e *index.Entry, fi os.FileInfo) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		e.CreatedAt = time.Unix(st.Ctim.Unix())
		e.Dev = uint32(st.Dev)
		e.Inode = uint32(st.Ino)
		e.UID = st.Uid
		e.GID = st.Gid
	}
}

// sameSys reports whether fi has the change time and inode e recorded,
// and a change time before mark.
func sameSys(e *index.Entry, fi os.FileInfo, mark time.Time) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	ctime := time.Unix(st.Ctim.Unix())
	return e.CreatedAt.Equal(ctime) && ctime.Before(mark) && e.Inode == uint32(st.Ino)
}
