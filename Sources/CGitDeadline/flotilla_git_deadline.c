#include "flotilla_git_deadline.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct flotilla_git_guard {
    pthread_mutex_t lock;
    double deadline;    /* CLOCK_MONOTONIC seconds; 0: none */
    int interrupted;
    int expired;
    int *sockets;
    size_t count;
    size_t capacity;
};

/* The guard armed on this thread, if any. */
static _Thread_local flotilla_git_guard *armed;

/* The first four fields are laid out as libgit2 1.5's own socket stream: its SSH transport reads `s` from it. */
typedef struct {
    git_stream parent;
    char *host;
    char *port;
    int s;
    flotilla_git_guard *guard;
} deadline_stream;

static double monotonic_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

flotilla_git_guard *flotilla_git_guard_new(void) {
    flotilla_git_guard *guard = calloc(1, sizeof(*guard));
    if (guard) pthread_mutex_init(&guard->lock, NULL);
    return guard;
}

void flotilla_git_guard_free(flotilla_git_guard *guard) {
    if (!guard) return;
    pthread_mutex_destroy(&guard->lock);
    free(guard->sockets);
    free(guard);
}

void flotilla_git_guard_begin(flotilla_git_guard *guard, double seconds) {
    pthread_mutex_lock(&guard->lock);
    guard->deadline = seconds > 0 ? monotonic_now() + seconds : 0;
    guard->interrupted = 0;
    guard->expired = 0;
    pthread_mutex_unlock(&guard->lock);
    armed = guard;
}

void flotilla_git_guard_end(flotilla_git_guard *guard) {
    if (armed == guard) armed = NULL;
}

void flotilla_git_guard_interrupt(flotilla_git_guard *guard) {
    pthread_mutex_lock(&guard->lock);
    guard->interrupted = 1;
    guard->expired = 1;
    for (size_t i = 0; i < guard->count; i++) shutdown(guard->sockets[i], SHUT_RDWR);
    pthread_mutex_unlock(&guard->lock);
}

int flotilla_git_guard_expired(flotilla_git_guard *guard) {
    pthread_mutex_lock(&guard->lock);
    int expired = guard->expired;
    pthread_mutex_unlock(&guard->lock);
    return expired;
}

/* Registers a socket; refuses (returns -1) once the guard was interrupted. */
static int guard_add(flotilla_git_guard *guard, int s) {
    int result = 0;
    pthread_mutex_lock(&guard->lock);
    if (guard->interrupted) {
        result = -1;
    } else if (guard->count == guard->capacity) {
        size_t capacity = guard->capacity ? guard->capacity * 2 : 4;
        int *grown = realloc(guard->sockets, capacity * sizeof(int));
        if (grown) {
            guard->sockets = grown;
            guard->capacity = capacity;
            guard->sockets[guard->count++] = s;
        } else {
            result = -1;
        }
    } else {
        guard->sockets[guard->count++] = s;
    }
    pthread_mutex_unlock(&guard->lock);
    return result;
}

static void guard_remove(flotilla_git_guard *guard, int s) {
    pthread_mutex_lock(&guard->lock);
    for (size_t i = 0; i < guard->count; i++) {
        if (guard->sockets[i] == s) {
            guard->sockets[i] = guard->sockets[--guard->count];
            break;
        }
    }
    pthread_mutex_unlock(&guard->lock);
}

/* Milliseconds left before the guard's deadline: -1 without one, 0 once it has passed. */
static int remaining_ms(flotilla_git_guard *guard) {
    if (!guard) return -1;
    pthread_mutex_lock(&guard->lock);
    double deadline = guard->deadline;
    int interrupted = guard->interrupted;
    pthread_mutex_unlock(&guard->lock);
    if (interrupted) return 0;
    if (deadline == 0) return -1;
    double left = deadline - monotonic_now();
    if (left <= 0) return 0;
    return left > 2e9 / 1000 ? 2000000000 : (int)(left * 1000) + 1;
}

static int fail_expired(deadline_stream *st, const char *what) {
    if (st->guard) {
        pthread_mutex_lock(&st->guard->lock);
        st->guard->expired = 1;
        pthread_mutex_unlock(&st->guard->lock);
    }
    git_error_set_str(GIT_ERROR_NET, what);
    return -1;
}

/* Waits until the socket is ready for `events`; 0 ready, -1 (error set) past the deadline or on failure. */
static int wait_ready(deadline_stream *st, short events, const char *what) {
    for (;;) {
        int timeout = remaining_ms(st->guard);
        if (timeout == 0) return fail_expired(st, what);
        struct pollfd fd = { .fd = st->s, .events = events, .revents = 0 };
        int ready = poll(&fd, 1, timeout);
        if (ready > 0) return 0;
        if (ready == 0) continue;
        if (errno == EINTR) continue;
        git_error_set_str(GIT_ERROR_OS, strerror(errno));
        return -1;
    }
}

static int connect_one(deadline_stream *st, const struct addrinfo *address) {
    int s = socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
    if (s < 0) return -1;
    int flags = fcntl(s, F_GETFL, 0);
    fcntl(s, F_SETFL, flags | O_NONBLOCK);
    st->s = s;
    if (st->guard && guard_add(st->guard, s) < 0) {
        close(s);
        st->s = -1;
        return fail_expired(st, "the Git operation was interrupted");
    }
    int result = connect(s, address->ai_addr, address->ai_addrlen);
    if (result < 0 && errno == EINPROGRESS) {
        if (wait_ready(st, POLLOUT, "timed out connecting to the Git server") < 0) return -2;
        int error = 0;
        socklen_t length = sizeof(error);
        getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &length);
        result = error == 0 ? 0 : -1;
        errno = error;
    }
    if (result == 0) {
        /* Blocking again: libssh2 drives this socket itself. Reads here still poll against the deadline. */
        fcntl(s, F_SETFL, flags & ~O_NONBLOCK);
        return 0;
    }
    if (st->guard) guard_remove(st->guard, s);
    close(s);
    st->s = -1;
    return -1;
}

static int stream_connect(git_stream *stream) {
    deadline_stream *st = (deadline_stream *)stream;
    struct addrinfo hints, *addresses = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    int status = getaddrinfo(st->host, st->port, &hints, &addresses);
    if (status != 0) {
        git_error_set(GIT_ERROR_NET, "failed to resolve address for %s: %s", st->host, gai_strerror(status));
        return -1;
    }
    int result = -1;
    for (struct addrinfo *address = addresses; address; address = address->ai_next) {
        result = connect_one(st, address);
        if (result == 0 || result == -2) break;
    }
    freeaddrinfo(addresses);
    if (result == -1) {
        git_error_set(GIT_ERROR_NET, "failed to connect to %s", st->host);
        return -1;
    }
    return result == 0 ? 0 : -1;
}

static ssize_t stream_read(git_stream *stream, void *data, size_t length) {
    deadline_stream *st = (deadline_stream *)stream;
    if (wait_ready(st, POLLIN, "timed out waiting for the Git server") < 0) return -1;
    for (;;) {
        ssize_t got = recv(st->s, data, length, 0);
        if (got >= 0) return got;
        if (errno == EINTR) continue;
        git_error_set_str(GIT_ERROR_NET, strerror(errno));
        return -1;
    }
}

static ssize_t stream_write(git_stream *stream, const char *data, size_t length, int flags) {
    deadline_stream *st = (deadline_stream *)stream;
    (void)flags;
    size_t written = 0;
    while (written < length) {
        if (wait_ready(st, POLLOUT, "timed out sending to the Git server") < 0) return -1;
        ssize_t sent = send(st->s, data + written, length - written, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            git_error_set_str(GIT_ERROR_NET, strerror(errno));
            return -1;
        }
        written += (size_t)sent;
    }
    return (ssize_t)written;
}

static int stream_close(git_stream *stream) {
    deadline_stream *st = (deadline_stream *)stream;
    if (st->s >= 0) {
        if (st->guard) guard_remove(st->guard, st->s);
        close(st->s);
        st->s = -1;
    }
    return 0;
}

static void stream_free(git_stream *stream) {
    deadline_stream *st = (deadline_stream *)stream;
    stream_close(stream);
    free(st->host);
    free(st->port);
    free(st);
}

static int stream_new(git_stream **out, const char *host, const char *port) {
    deadline_stream *st = calloc(1, sizeof(*st));
    if (!st) return -1;
    st->host = strdup(host);
    st->port = strdup(port);
    st->s = -1;
    st->guard = armed;
    st->parent.version = GIT_STREAM_VERSION;
    st->parent.connect = stream_connect;
    st->parent.read = stream_read;
    st->parent.write = stream_write;
    st->parent.close = stream_close;
    st->parent.free = stream_free;
    if (!st->host || !st->port) {
        stream_free(&st->parent);
        return -1;
    }
    *out = &st->parent;
    return 0;
}

int flotilla_git_install_deadline_stream(void) {
    git_stream_registration registration;
    memset(&registration, 0, sizeof(registration));
    registration.version = GIT_STREAM_VERSION;
    registration.init = stream_new;
    return git_stream_register(GIT_STREAM_STANDARD, &registration);
}
