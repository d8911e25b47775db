/*
 * seccomp-exec: installs an allow-list seccomp filter with SECCOMP_FILTER_FLAG_LOG and executes a program under it.
 * The end-to-end attribution test (Attribution.EndToEnd.Tests.ps1) applies a recorded profile with this where runc
 * cannot: runc before v1.2.0 rejects linux.seccomp.flags ("seccomp flags are not yet supported by runc"; flags came
 * with opencontainers/runc commit 58ea21dae, "seccomp: add support for flags"). The filter is what runc (through
 * libseccomp) builds for {"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
 * "flags":["SECCOMP_FILTER_FLAG_LOG"],"syscalls":[{"names":[...],"action":"SCMP_ACT_ALLOW"}]}: x86_64 syscalls
 * listed by number are allowed, every other one fails with EPERM (and is logged because of the flag), other ABIs are
 * killed.
 *
 * Usage: seccomp-exec NR... -- PROGRAM [ARG...]   (PROGRAM found on PATH; static: gcc -static -O2 -o seccomp-exec seccomp-exec.c)
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000U

int main(int argc, char **argv)
{
    int count = 0;
    while (1 + count < argc && strcmp(argv[1 + count], "--") != 0)
        count++;
    if (1 + count + 1 >= argc) {
        fprintf(stderr, "usage: seccomp-exec NR... -- PROGRAM [ARG...]\n");
        return 125;
    }

    int length = 6 + 2 * count + 1;
    struct sock_filter *filter = calloc((size_t)length, sizeof *filter);
    if (filter == NULL)
        return 125;
    int i = 0;
    filter[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    filter[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    filter[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    filter[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    /* x32 calls share the x86_64 audit arch; a profile for SCMP_ARCH_X86_64 alone does not allow them. */
    filter[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1);
    filter[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
    for (int k = 0; k < count; k++) {
        char *end;
        unsigned long nr = strtoul(argv[1 + k], &end, 10);
        if (*end != '\0' || nr >= X32_SYSCALL_BIT) {
            fprintf(stderr, "seccomp-exec: not a syscall number: %s\n", argv[1 + k]);
            return 125;
        }
        filter[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)nr, 0, 1);
        filter[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    }
    filter[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));

    struct sock_fprog program = { .len = (unsigned short)i, .filter = filter };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        perror("seccomp-exec: PR_SET_NO_NEW_PRIVS");
        return 125;
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &program) != 0) {
        perror("seccomp-exec: seccomp");
        return 125;
    }
    execvp(argv[1 + count + 1], &argv[1 + count + 1]);
    perror("seccomp-exec: execvp");
    return 127;
}
