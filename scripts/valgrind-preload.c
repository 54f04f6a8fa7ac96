// Preloaded under valgrind by scripts/callgrind-calls.sh, to get around two bugs of valgrind
// 3.19 with Swift programs. Neither changes what the program does outside valgrind.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>

// Valgrind writes into the signal mask sigsuspend is given, and libdispatch (which runs every
// Swift async main on Linux) passes one in read-only memory: valgrind itself dies of SIGSEGV.
// A copy on the stack is the same mask.
int sigsuspend(const sigset_t *mask) {
    static int (*next)(const sigset_t *);
    if (!next) next = (int (*)(const sigset_t *))dlsym(RTLD_NEXT, "sigsuspend");
    sigset_t copy = *mask;
    return next(&copy);
}

// Foundation's Process closes every descriptor it finds open in the child, valgrind's own
// included, which lie above the limit valgrind shows the program: glibc refuses those with
// EBADF and the spawn fails. They are not the program's to close.
int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *actions, int fd) {
    static int (*next)(posix_spawn_file_actions_t *, int);
    if (!next) next = (int (*)(posix_spawn_file_actions_t *, int))dlsym(RTLD_NEXT, "posix_spawn_file_actions_addclose");
    int result = next(actions, fd);
    return result == EBADF ? 0 : result;
}
