#ifndef SKEIN_CSANDBOX_H
#define SKEIN_CSANDBOX_H
#include <sys/types.h>

/// One bind mount made in the child's private mount namespace.
typedef struct {
    const char *source;
    const char *target;
    int read_only;
} csandbox_bind;

/// What to start and where. Strings and arrays stay owned by the caller.
typedef struct {
    const char *path;           // executable (absolute, or found on the child's PATH when no '/')
    char *const *argv;          // NULL-terminated
    char *const *envp;          // NULL-terminated
    const char *cwd;            // may be NULL
    int stdin_fd, stdout_fd, stderr_fd;
    int isolate;                // unshare the mount namespace and apply tmp/binds
    const char *private_tmp;    // bound over /tmp when isolate (may be NULL)
    const csandbox_bind *binds;
    int bind_count;
} csandbox_spec;

/// Forks and execs. Returns the child's pid, or -1 with *err_errno set and err_stage filled
/// with what failed ("exec", "mount /tmp", "bind /x", ...). The child leads its own process group.
pid_t csandbox_spawn(const csandbox_spec *spec, int *err_errno, char *err_stage, size_t stage_len);

/// 1 when this process may create private mount namespaces (checked in a throwaway child).
int csandbox_namespaces_available(void);

/// pipe2(fds, O_CLOEXEC), which Swift's Glibc module does not export.
int csandbox_pipe_cloexec(int fds[2]);

#endif
