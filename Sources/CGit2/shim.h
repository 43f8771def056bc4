#ifndef FLOTILLA_CGIT2_SHIM_H
#define FLOTILLA_CGIT2_SHIM_H

#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call: typed wrappers for the options Flotilla uses. */

/// Sets the process-wide CA bundle file and/or directory used to verify TLS peers.
static inline int flotilla_git_set_ssl_cert_locations(const char *file, const char *path) {
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, path);
}

/// Sets the User-Agent libgit2 sends over HTTP(S).
static inline int flotilla_git_set_user_agent(const char *agent) {
    return git_libgit2_opts(GIT_OPT_SET_USER_AGENT, agent);
}

/// Turns libgit2's object-creation strictness on or off (on by default).
static inline int flotilla_git_enable_strict_object_creation(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, enabled);
}

/// Whether libgit2 was built with the named feature (GIT_FEATURE_HTTPS, GIT_FEATURE_SSH...).
static inline int flotilla_git_has_feature(int feature) {
    return (git_libgit2_features() & feature) != 0;
}

#endif
