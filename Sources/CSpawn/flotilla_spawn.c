#define _GNU_SOURCE
#include "flotilla_spawn.h"

#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>

static int redirect(posix_spawn_file_actions_t *actions, int fd, int target, int flags) {
    if (fd < 0) return posix_spawn_file_actions_addopen(actions, target, "/dev/null", flags, 0);
    return posix_spawn_file_actions_adddup2(actions, fd, target);
}

int flotilla_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const char *directory,
                   int in, int out, int err) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int code = posix_spawn_file_actions_init(&actions);
    if (code != 0) return code;
    code = posix_spawnattr_init(&attributes);
    if (code != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return code;
    }
    if (code == 0) code = redirect(&actions, in, 0, O_RDONLY);
    if (code == 0) code = redirect(&actions, out, 1, O_WRONLY);
    if (code == 0) code = redirect(&actions, err, 2, O_WRONLY);
    if (code == 0) code = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (code == 0 && directory != NULL) code = posix_spawn_file_actions_addchdir_np(&actions, directory);
    if (code == 0) code = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    if (code == 0) code = posix_spawnattr_setpgroup(&attributes, 0);
    if (code == 0) {
        code = strchr(path, '/') != NULL ? posix_spawn(pid, path, &actions, &attributes, argv, envp)
                                         : posix_spawnp(pid, path, &actions, &attributes, argv, envp);
    }
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return code;
}

int flotilla_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
