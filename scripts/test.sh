#!/usr/bin/env bash
# The test command: installs what the tests need, then runs every stage
# (format, lints, unit tests, the syscall suite natively and per platform,
# end-to-end tests) and ends with a line "N passed, N failed" (stages).
set -uo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
# Debian's busybox-static: the statically linked userland the tests run.
if ! file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; then need_pkgs+=(busybox-static); fi
command -v gcc >/dev/null || need_pkgs+=(gcc libc6-dev)
# Issue #3's end-to-end tests: Debian's python3, g++ for the C++ program.
[ -x /usr/bin/python3 ] || need_pkgs+=(python3)
command -v g++ >/dev/null || need_pkgs+=(g++)
command -v file >/dev/null || need_pkgs+=(file)
# Issue #4's end-to-end tests (tests/tests/files.rs): Debian's git and sqlite3.
[ -x /usr/bin/git ] || need_pkgs+=(git)
[ -x /usr/bin/sqlite3 ] || need_pkgs+=(sqlite3)
# Issue #5's procfs end-to-end tests (tests/tests/proc.rs): procps's ps and top.
[ -x /usr/bin/ps ] && [ -x /usr/bin/top ] || need_pkgs+=(procps)
if ((${#need_pkgs[@]})); then
  echo "=== installing: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${need_pkgs[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${need_pkgs[@]}" >/dev/null; } ||
    { echo "could not install ${need_pkgs[*]}"; exit 1; }
fi

passed=()
failed=()
stage() {
  local name=$1
  shift
  echo
  echo "=== stage: $name ($*)"
  local start=$SECONDS
  if "$@"; then
    passed+=("$name")
    echo "=== stage $name: ok ($((SECONDS - start)) s)"
  else
    failed+=("$name")
    echo "=== stage $name: FAILED ($((SECONDS - start)) s)"
  fi
}

stage fmt cargo fmt --all -- --check
stage clippy cargo clippy --workspace --all-targets -- -D warnings
stage build cargo build --release --workspace
stage unit cargo test --release --workspace --exclude rvisor-tests
stage syscall-suite cargo run --release -q -p rvisor-tests --bin syscall-suite
stage e2e cargo test --release -p rvisor-tests --test busybox --test do_cli --test lifecycle --test dynamic --test perms --test process --test files --test xattr --test volumes --test proc --test unix --test events --test tty --test oci_cli --test bench_smoke

echo
echo "=== summary"
for s in "${passed[@]}"; do echo "  ok      $s"; done
for s in "${failed[@]}"; do echo "  FAILED  $s"; done
echo "${#passed[@]} passed, ${#failed[@]} failed"
((${#failed[@]} == 0))
