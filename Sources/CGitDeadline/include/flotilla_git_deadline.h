#ifndef FLOTILLA_GIT_DEADLINE_H
#define FLOTILLA_GIT_DEADLINE_H

/*
 * libgit2 1.5 has no network timeouts: a server that accepts a connection and then says nothing blocks a fetch
 * forever. This registers libgit2's standard socket stream (which its HTTP, TLS, git:// and SSH transports all
 * open their connections through) with one that honours a deadline and can be interrupted from another thread.
 *
 * A guard belongs to one caller that runs one libgit2 operation at a time. `begin` arms it on the calling thread
 * with a deadline; every socket the operation opens on that thread registers with it. Connects and reads wait at
 * most until the deadline, and `interrupt` (from any thread) shuts every registered socket down, which wakes a
 * read blocked anywhere, libssh2's included. Streams opened on a thread without an armed guard behave as
 * libgit2's own.
 */

typedef struct flotilla_git_guard flotilla_git_guard;

/// Registers the deadline-aware socket stream with libgit2 (after git_libgit2_init). Returns 0 or a libgit2 error.
int flotilla_git_install_deadline_stream(void);

/// A new guard, or NULL when out of memory.
flotilla_git_guard *flotilla_git_guard_new(void);

/// Frees a guard; no operation may be running under it.
void flotilla_git_guard_free(flotilla_git_guard *guard);

/// Arms the guard on the calling thread: the operation that follows must finish within `seconds`.
void flotilla_git_guard_begin(flotilla_git_guard *guard, double seconds);

/// Disarms the guard on the calling thread.
void flotilla_git_guard_end(flotilla_git_guard *guard);

/// From any thread: ends the armed operation now by shutting its sockets down. Later connects fail at once.
void flotilla_git_guard_interrupt(flotilla_git_guard *guard);

/// Whether the operation under the guard ran past its deadline or was interrupted.
int flotilla_git_guard_expired(flotilla_git_guard *guard);

#endif
