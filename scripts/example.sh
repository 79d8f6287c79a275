#!/usr/bin/env bash
# Builds runsc and runs a few programs in the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static file >/dev/null
fi
cargo build --release -p runsc-cli
runsc=target/release/runsc
set -x
$runsc do /bin/busybox echo hello from the sandbox
$runsc do /bin/busybox uname -a
$runsc do /bin/busybox sh -c 'echo changed > /etc/motd; cat /etc/motd; ls /proc'
cat /etc/motd 2>/dev/null | head -1 || true   # the host's /etc/motd is untouched
$runsc do --strace /bin/busybox true
