#!/usr/bin/env bash
# Installs the Debian packages the tests use: runc and busybox-static (real containers for the end-to-end
# audit test), seccomp (scmp_sys_resolver, to check the syscall tables), openssl (TLS interop test), and gcc with
# libc6-dev (the runc oracles of the profile tests build tests/probe/seccomp-probe.c statically, and
# tests/pester/ContainerStart.Tests.ps1 builds a libc-free probe), and crun (tests/pester/LogFlag.Tests.ps1 loads
# SECCOMP_FILTER_FLAG_LOG with it where runc is older than 1.2, which refuses every seccomp flag).
# Safe to run again; does nothing for packages already present. Needs root (CI runs as root).
set -euo pipefail
need=()
command -v runc >/dev/null || need+=(runc)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v scmp_sys_resolver >/dev/null || need+=(seccomp)
command -v openssl >/dev/null || need+=(openssl)
command -v gcc >/dev/null || need+=(gcc)
command -v crun >/dev/null || need+=(crun)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || [ -e /usr/lib/aarch64-linux-gnu/libc.a ] || need+=(libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-prerequisites: not root; skipping apt-get for: ${need[*]} (the tests that need them say so and skip)" >&2
    exit 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
