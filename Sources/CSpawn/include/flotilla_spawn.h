#ifndef FLOTILLA_SPAWN_H
#define FLOTILLA_SPAWN_H

#include <sys/types.h>

/*
 * Starts a child process with posix_spawn. Foundation's Process.run cannot be used on Linux: it lists
 * /proc/self/fd to find the descriptors to close and copies each entry's whole 256-byte name, reading past the end
 * of glibc's buffer, which crashes intermittently (swift-corelibs-foundation pull request 5472). Here glibc closes
 * them (posix_spawn_file_actions_addclosefrom_np), which Swift cannot call: it is declared for _GNU_SOURCE only.
 *
 * `path` is searched on PATH when it holds no '/'. The child's standard input, output and error are `in`, `out`
 * and `err` (-1: /dev/null); every other descriptor is closed; it runs in `directory` (NULL: ours), in a process
 * group of its own. Returns 0 and the child's pid, or an errno value.
 */
int flotilla_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const char *directory,
                   int in, int out, int err);

/// A pipe whose ends are closed on exec (pipe2 with O_CLOEXEC, declared for _GNU_SOURCE only). Returns 0 or -1.
int flotilla_pipe(int fds[2]);

#endif
