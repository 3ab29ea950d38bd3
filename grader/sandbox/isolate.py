"""What a kernel forked from the template does to itself to be as isolated as a cold one.

Standard library only (it runs in :mod:`grader.sandbox.zygote`, before and after the fork):
new mount, PID and IPC namespaces; a fresh ``/proc``; ``/tmp`` and ``/dev/shm`` emptied while
the sandbox's binds under ``/tmp`` stay; the grading directories emptied but for the kernel's
own; and the drop to an unprivileged uid with every capability, the bounding and inheritable
sets included, gone (checked afterwards: a capability left is an error, never a warning).
"""

from __future__ import annotations

import ctypes
import os
import signal

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWIPC = 0x00020000, 0x20000000, 0x08000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 1, 24, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4

_libc = ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def _prctl(option: int, arg: int, arg3: int = 0) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(arg3), 0, 0), f"prctl {option}")


def enter_namespaces() -> None:
    """New mount, PID (for this process's next child) and IPC namespaces; die with the parent."""
    die_with_parent()
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC), "unshare")


def die_with_parent() -> None:
    """This process is killed when its parent dies."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _mounts_under(root: str) -> list[str]:
    """The outermost mount points below ``root`` (binds bubblewrap made there: a venv under /tmp)."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4].replace("\\040", " ") for line in f]
    below = sorted({p for p in points if p.startswith(root.rstrip("/") + "/")})
    return [p for p in below if not any(p.startswith(q + "/") for q in below if q != p)]


def setup_namespace(req: dict) -> None:
    """In the new mount and PID namespace (this process is its pid 1): a fresh /proc, an empty /tmp and
    /dev/shm that keep bubblewrap's binds, and each grading base emptied but for this kernel's own
    working and socket directories."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    bases, own = req["bases"], [req["work"], req["ipc"]]
    binds = [p for p in _mounts_under("/tmp") if not any(p == b or p.startswith(b + "/") for b in bases)]
    keep = binds + own  # held aside while /tmp and the bases (maybe under /tmp) are emptied
    for i, path in enumerate(keep):
        _mount_point(f"/dev/shm/.keep{i}", like=path)
        _mount(path, f"/dev/shm/.keep{i}", None, MS_BIND | MS_REC)
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    for i, path in enumerate(keep):
        if path in own:  # after the bases are emptied, below
            continue
        _mount_point(path, like=f"/dev/shm/.keep{i}")
        _mount(f"/dev/shm/.keep{i}", path, None, MS_MOVE)
    for base in bases:
        os.makedirs(base, mode=0o755, exist_ok=True)
        _mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    for i, path in enumerate(keep):
        if path in own:
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(f"/dev/shm/.keep{i}", path, None, MS_MOVE)
    for i in range(len(keep)):
        (os.rmdir if os.path.isdir(f"/dev/shm/.keep{i}") else os.unlink)(f"/dev/shm/.keep{i}")


def _mount_point(path: str, like: str) -> None:
    """An empty directory, or an empty file where ``like`` is a file, to mount on at ``path``."""
    if os.path.isdir(like):
        os.makedirs(path, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        open(path, "a").close()


def drop_privileges(uid: int) -> None:
    """Become ``uid`` with no capability left, as ``setpriv --inh-caps=-all --bounding-set=-all`` does."""
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0) != 0 and ctypes.get_errno() != 22:
            raise OSError(ctypes.get_errno(), f"cannot drop capability {cap}")
    _libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # (effective, permitted, inheritable) x 2
    _check(_libc.capget(header, data), "capget")
    data[2] = data[5] = 0  # no inheritable capability
    _check(_libc.capset(header, data), "capset")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    with open("/proc/self/status") as f:
        caps = {k: v.strip() for k, v in (line.split(":", 1) for line in f if line.startswith("Cap"))}
    if any(int(caps.get(k, "0"), 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")):
        raise OSError(f"capabilities left after dropping to uid {uid}: {caps}")
