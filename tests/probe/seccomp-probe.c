/*
 * seccomp-probe: makes the system calls it is told to and prints what each returned, so that tests can see what a
 * seccomp profile does under runc on the real kernel (tests/TalosSeccomp.Tests/Profiles/SeccompRuncOracle.cs).
 *
 * Input: the file named by argv[1] (default /probes.txt), one call per line:
 *     <abi> <number> [arg0 .. arg5]
 * abi is "64" (the x86_64 syscall instruction), "x32" (the same with __X32_SYSCALL_BIT, 0x40000000, added to the
 * number) or "i386" (int $0x80, the 32-bit ABI; up to five arguments). Numbers are decimal or 0x hex.
 * Output: one line per call, "<line> ok" when it returned a non-negative value, "<line> e<errno>" when it failed,
 * "<line> sig<signal>" when the call killed the process (seccomp KILL, KILL_PROCESS, TRAP). Each call runs in a
 * forked child, so a killing action ends only that child; a file descriptor the call returned is closed.
 * Build: gcc -static -O1 -o seccomp-probe seccomp-probe.c (static: it runs in a busybox-static root file system).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long call_i386(long nr, long a0, long a1, long a2, long a3, long a4)
{
#if defined(__x86_64__)
    long ret;
    /* int $0x80 from a 64-bit process enters the 32-bit ABI: eax = number, ebx, ecx, edx, esi, edi = arguments. */
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3), "D"(a4)
                     : "memory", "cc", "r8", "r9", "r10", "r11");
    if (ret < 0 && ret > -4096) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
#else
    (void)nr; (void)a0; (void)a1; (void)a2; (void)a3; (void)a4;
    errno = ENOSYS;
    return -1;
#endif
}

int main(int argc, char **argv)
{
    FILE *in = fopen(argc > 1 ? argv[1] : "/probes.txt", "r");
    if (in == NULL) {
        perror("seccomp-probe: open");
        return 2;
    }

    char line[512];
    int index = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        char abi[8] = "";
        unsigned long v[7] = {0};
        int n = sscanf(line, "%7s %li %li %li %li %li %li %li", abi, (long *)&v[0], (long *)&v[1], (long *)&v[2],
                       (long *)&v[3], (long *)&v[4], (long *)&v[5], (long *)&v[6]);
        if (n < 2) {
            continue;
        }

        index++;
        fflush(stdout);
        pid_t child = fork();
        if (child < 0) {
            printf("%d fork-e%d\n", index, errno);
            continue;
        }

        if (child == 0) {
            long ret;
            if (strcmp(abi, "i386") == 0) {
                ret = call_i386((long)v[0], (long)v[1], (long)v[2], (long)v[3], (long)v[4], (long)v[5]);
            } else {
                long nr = (long)v[0] + (strcmp(abi, "x32") == 0 ? 0x40000000L : 0);
                ret = syscall(nr, v[1], v[2], v[3], v[4], v[5], v[6]);
            }

            char out[64];
            int len = ret < 0 ? snprintf(out, sizeof out, "%d e%d\n", index, errno) : snprintf(out, sizeof out, "%d ok\n", index);
            if (write(1, out, (size_t)len) != len) {
                _exit(3);
            }
            _exit(0);
        }

        int status = 0;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        if (WIFSIGNALED(status)) {
            printf("%d sig%d\n", index, WTERMSIG(status));
        }
    }

    fflush(stdout);
    return 0;
}
