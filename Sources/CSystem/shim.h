#ifndef EDGE_CSYSTEM_SHIM_H
#define EDGE_CSYSTEM_SHIM_H
// glibc functions that its headers declare only under _GNU_SOURCE (which Swift's Glibc module
// is not built with). pipe2 and addchdir_np exist since glibc 2.29, addclosefrom_np since
// 2.34 (the box tools need 2.35 anyway: Ubuntu 22.04, Debian 12).
#include <fcntl.h>
#include <spawn.h>

int pipe2(int pipefd[2], int flags);
int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

/// A pipe whose two ends are close-on-exec from the start (no window in which another
/// thread's spawn could inherit them).
static inline int edge_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

/// The child changes to `path` before it runs.
static inline int edge_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}
/// The child closes every descriptor from `from` up: nothing the parent opened without
/// close-on-exec (a listening socket, a lock) leaks into it.
static inline int edge_spawn_add_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
#endif
