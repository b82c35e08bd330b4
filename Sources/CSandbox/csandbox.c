// The part of the sandbox that runs between fork and exec: only async-signal-safe calls
// (no malloc, no stdio), errors reported to the parent through a close-on-exec pipe.
#define _GNU_SOURCE
#include "csandbox.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pthread.h>

#define MAX_BINDS 256
#define PATH_CAP 4096

typedef struct {
    int err;
    char stage[256];
} failure;

static size_t copy_text(char *dst, size_t cap, const char *a, const char *b) {
    size_t n = 0;
    for (; a && *a && n + 1 < cap; a++) dst[n++] = *a;
    for (; b && *b && n + 1 < cap; b++) dst[n++] = *b;
    dst[n] = 0;
    return n;
}

static void report(int fd, int err, const char *stage, const char *detail) {
    failure f;
    f.err = err;
    copy_text(f.stage, sizeof f.stage, stage, detail);
    ssize_t unused = write(fd, &f, sizeof f);
    (void)unused;
    _exit(127);
}

// mkdir -p of `path` (or of its parent when `parent_only`).
static int make_dirs(const char *path, int parent_only) {
    char buf[PATH_CAP];
    size_t n = copy_text(buf, sizeof buf, path, 0);
    if (parent_only) {
        while (n > 0 && buf[n - 1] != '/') n--;
        if (n > 0) n--;
        buf[n] = 0;
    }
    if (n == 0) return 0;
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char saved = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
            buf[i] = saved;
        }
    }
    return 0;
}

static void fd_path(char *out, int fd) {
    char digits[16];
    int k = 0;
    do { digits[k++] = (char)('0' + fd % 10); fd /= 10; } while (fd > 0 && k < 15);
    size_t n = copy_text(out, 64, "/proc/self/fd/", 0);
    while (k > 0) out[n++] = digits[--k];
    out[n] = 0;
}

static void child(const csandbox_spec *s, int errfd) {
    // Signals ignored or blocked by the parent (a CLI handling Ctrl-C) must not leak into steps.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < 32; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, 0);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    setpgid(0, 0);

    if (s->isolate) {
        int fds[MAX_BINDS];
        if (s->bind_count > MAX_BINDS) report(errfd, E2BIG, "too many bind mounts", 0);
        if (unshare(CLONE_NEWNS) != 0) report(errfd, errno, "unshare mount namespace", 0);
        if (mount(0, "/", 0, MS_REC | MS_PRIVATE, 0) != 0) report(errfd, errno, "make / private", 0);
        // Sources may live under /tmp: hold them open before /tmp is replaced.
        for (int i = 0; i < s->bind_count; i++) {
            fds[i] = open(s->binds[i].source, O_PATH | O_CLOEXEC);
            if (fds[i] < 0) report(errfd, errno, "open bind source ", s->binds[i].source);
        }
        if (s->private_tmp) {
            if (mount(s->private_tmp, "/tmp", 0, MS_BIND | MS_REC, 0) != 0) report(errfd, errno, "bind private /tmp", 0);
        }
        for (int i = 0; i < s->bind_count; i++) {
            const csandbox_bind *b = &s->binds[i];
            struct stat st;
            if (fstat(fds[i], &st) != 0) report(errfd, errno, "stat bind source ", b->source);
            if (S_ISDIR(st.st_mode)) {
                if (make_dirs(b->target, 0) != 0) report(errfd, errno, "create mount point ", b->target);
            } else {
                if (make_dirs(b->target, 1) != 0) report(errfd, errno, "create mount point ", b->target);
                int t = open(b->target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                if (t >= 0) close(t);
            }
            char from[64];
            fd_path(from, fds[i]);
            if (mount(from, b->target, 0, MS_BIND | MS_REC, 0) != 0) report(errfd, errno, "bind mount at ", b->target);
            if (b->read_only &&
                mount(0, b->target, 0, MS_BIND | MS_REMOUNT | MS_RDONLY, 0) != 0) report(errfd, errno, "make read-only ", b->target);
            close(fds[i]);
        }
    }
    if (s->cwd && chdir(s->cwd) != 0) report(errfd, errno, "change to working directory ", s->cwd);
    if (s->stdin_fd >= 0 && dup2(s->stdin_fd, 0) < 0) report(errfd, errno, "redirect stdin", 0);
    if (s->stdout_fd >= 0 && dup2(s->stdout_fd, 1) < 0) report(errfd, errno, "redirect stdout", 0);
    if (s->stderr_fd >= 0 && dup2(s->stderr_fd, 2) < 0) report(errfd, errno, "redirect stderr", 0);
    if (strchr(s->path, '/')) {
        execve(s->path, s->argv, s->envp);
    } else {
        execvpe(s->path, s->argv, s->envp);
    }
    report(errfd, errno, "exec ", s->path);
}

pid_t csandbox_spawn(const csandbox_spec *spec, int *err_errno, char *err_stage, size_t stage_len) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        *err_errno = errno;
        copy_text(err_stage, stage_len, "pipe", 0);
        return -1;
    }
    // vfork: no copy of a large, many-threaded parent's page tables (posix_spawn does the same).
    // The child shares memory until exec, so it only makes system calls on its own stack, and
    // every signal stays blocked until it has reset their handlers.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = vfork();
    if (pid == 0) {
        child(spec, p[1]);
    }
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, 0);
    if (pid < 0) {
        *err_errno = fork_errno;
        copy_text(err_stage, stage_len, "fork", 0);
        close(p[0]);
        close(p[1]);
        return -1;
    }
    close(p[1]);
    failure f;
    ssize_t n;
    do { n = read(p[0], &f, sizeof f); } while (n < 0 && errno == EINTR);
    close(p[0]);
    if (n == (ssize_t)sizeof f) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *err_errno = f.err;
        copy_text(err_stage, stage_len, f.stage, 0);
        return -1;
    }
    return pid;
}

int csandbox_namespaces_available(void) {
    pid_t pid = fork();
    if (pid < 0) return 0;
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) != 0) _exit(1);
        if (mount(0, "/", 0, MS_REC | MS_PRIVATE, 0) != 0) _exit(1);
        _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return 0;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int csandbox_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
