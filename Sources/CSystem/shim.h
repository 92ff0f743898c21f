#ifndef EDGE_CSYSTEM_SHIM_H
#define EDGE_CSYSTEM_SHIM_H
// glibc functions that its headers declare only under _GNU_SOURCE (which Swift's Glibc module
// is not built with). Both exist in glibc 2.29 and later (Debian 12, Ubuntu 20.04 onwards).
#include <fcntl.h>
#include <spawn.h>

int pipe2(int pipefd[2], int flags);
int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);

/// A pipe whose two ends are close-on-exec from the start (no window in which another
/// thread's spawn could inherit them).
static inline int edge_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

/// The child changes to `path` before it runs.
static inline int edge_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}
#endif
