#include <signal.h>
#include <sys/prctl.h>

/* prctl is variadic, which Swift cannot call: one fixed-argument wrapper per use. */

/* Deliver `sig` to this process when the thread that created it exits (PR_SET_PDEATHSIG). */
static inline int prunebook_set_parent_death_signal(int sig) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0UL, 0UL, 0UL);
}
